//! The journal: every statement the kernel runs, recorded as it runs in an SQLite file that
//! outlives the kernel (`SPARK_SQL_KERNEL_JOURNAL`), so that a receipt id shown under a result
//! resolves later (`spark-sql-kernel receipt ID`, `%receipt`, `%verify`) and history spans
//! kernel restarts. A writer thread does the writing; a cell only hands it a record.
//! Must not: hold a token or row values, make a cell wait, or word what went wrong.

mod record;
mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

pub use record::{
    is_receipt, new_receipt, rows_digest, sha256_hex, Field, FileWritten, Outcome, Record,
    RowsDigest, SparkSide, TableRead,
};
pub use store::{CellRow, Search};
pub use writer::Trouble;

use crate::config::JournalAt;
use crate::sync::locked;
use writer::Message;

/// Where the kernel's statements are recorded.
pub struct Journal {
    path: Option<PathBuf>,
    sender: Option<Sender<Message>>,
    trouble: writer::TroubleSlot,
    /// The first failure was taken to be told.
    told: bool,
}

impl Journal {
    /// A journal at `at` (its writer thread starts at once; the file is opened with the first
    /// record).
    pub fn open(at: &JournalAt) -> Journal {
        let trouble: writer::TroubleSlot = Arc::new(Mutex::new(None));
        let JournalAt::File(path) = at else {
            return Journal::off();
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        let (file, slot) = (path.clone(), Arc::clone(&trouble));
        let spawned = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || writer::run(file, receiver, slot));
        if let Err(e) = spawned {
            tracing::warn!("journal: no writer thread: {e}");
            return Journal::off();
        }
        Journal {
            path: Some(path.clone()),
            sender: Some(sender),
            trouble,
            told: false,
        }
    }

    /// A journal that records nothing.
    pub fn off() -> Journal {
        Journal {
            path: None,
            sender: None,
            trouble: Arc::new(Mutex::new(None)),
            told: false,
        }
    }

    /// The file, when the journal is on.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn is_on(&self) -> bool {
        self.sender.is_some()
    }

    fn send(&self, message: Message) {
        if let Some(sender) = &self.sender {
            writer::send(sender, message);
        }
    }

    /// Records a statement (written in the background).
    pub fn record(&self, record: Record) {
        self.send(Message::Record(Box::new(record)));
    }

    /// Records a cell's code, for history across restarts.
    pub fn cell(&self, cell: CellRow) {
        self.send(Message::Cell(cell));
    }

    /// Adds the tables a recorded statement read.
    pub fn tables(&self, receipt: &str, tables: Vec<TableRead>) {
        self.send(Message::Tables {
            receipt: receipt.to_owned(),
            tables,
        });
    }

    /// A handle that writes records and adds tables to them from another task.
    pub fn handle(&self) -> Handle {
        Handle {
            sender: self.sender.clone(),
        }
    }

    /// Waits until what was sent before is written (at most `timeout`).
    pub fn flush(&self, timeout: std::time::Duration) {
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        self.send(Message::Flush(done));
        if self.sender.is_some() {
            let _ = wait.recv_timeout(timeout);
        }
    }

    /// The first failure to write, once: later calls say nothing.
    pub fn take_trouble(&mut self) -> Option<Trouble> {
        if self.told {
            return None;
        }
        let trouble = locked(&self.trouble).clone()?;
        self.told = true;
        Some(trouble)
    }

    /// A reader of the journal's file (none when the journal is off).
    pub fn reader(&self) -> Option<Reader> {
        self.path.as_ref().map(|p| Reader { path: p.clone() })
    }
}

/// Writes records, and adds the tables a recorded statement read, from a task of its own.
#[derive(Clone)]
pub struct Handle {
    sender: Option<Sender<Message>>,
}

impl Handle {
    /// Records a statement (written in the background).
    pub fn record(&self, record: Record) {
        if let Some(sender) = &self.sender {
            writer::send(sender, Message::Record(Box::new(record)));
        }
    }

    pub fn tables(&self, receipt: &str, tables: Vec<TableRead>) {
        if let Some(sender) = &self.sender {
            writer::send(
                sender,
                Message::Tables {
                    receipt: receipt.to_owned(),
                    tables,
                },
            );
        }
    }
}

/// Reads the journal's file (each call opens it read-only: blocking, quick).
#[derive(Debug, Clone)]
pub struct Reader {
    path: PathBuf,
}

/// Why the journal could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ReadError {
    pub path: String,
    #[source]
    pub source: rusqlite::Error,
}

impl Reader {
    pub fn at(path: PathBuf) -> Reader {
        Reader { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> Result<rusqlite::Connection, ReadError> {
        store::open_read_only(&self.path).map_err(|e| self.error(e))
    }

    fn error(&self, source: rusqlite::Error) -> ReadError {
        ReadError {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// The record of `receipt`.
    pub fn find(&self, receipt: &str) -> Result<Option<Record>, ReadError> {
        let c = self.connection()?;
        store::find(&c, receipt).map_err(|e| self.error(e))
    }

    /// Records that match `search`, newest last.
    pub fn search(&self, search: &Search<'_>) -> Result<Vec<Record>, ReadError> {
        let c = self.connection()?;
        store::search(&c, search).map_err(|e| self.error(e))
    }

    /// The newest `limit` cells of `notebook` (all notebooks' when `None`), oldest first.
    pub fn cells(&self, notebook: Option<&str>, limit: usize) -> Result<Vec<CellRow>, ReadError> {
        let c = self.connection()?;
        store::cells(&c, notebook, limit).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests;
