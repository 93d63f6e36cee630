//! The journal's writer: one thread per kernel that takes records from a channel and writes
//! each in its own transaction, so that no cell ever waits on the disk or on another kernel's
//! lock. What it cannot write is dropped, and the first failure is kept for the kernel to
//! tell (once).
//! Must not: block its sender, or hold anything but the records it was sent.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode};

use super::record::{Record, TableRead};
use super::store::{self, CellRow};
use crate::sync::locked;

/// What the writer is asked to do.
pub(super) enum Message {
    Cell(CellRow),
    Record(Box<Record>),
    Tables {
        receipt: String,
        tables: Vec<TableRead>,
    },
    /// Answers once everything sent before it is written (tests, and the end of a kernel).
    Flush(std::sync::mpsc::SyncSender<()>),
}

/// Why the journal could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// The file or its directory cannot be written.
    ReadOnly { path: PathBuf },
    /// The disk (or quota) is full.
    Full { path: PathBuf },
    /// Other kernels held it locked longer than a second.
    Locked { path: PathBuf },
    /// Anything else SQLite said.
    Failed { path: PathBuf, reason: String },
}

/// The first failure, until the kernel takes it.
pub(super) type TroubleSlot = Arc<Mutex<Option<Trouble>>>;

/// Runs the writer until every sender is gone. What arrived together is written in one
/// transaction (one commit for a cell's code and its statements).
pub(super) fn run(path: PathBuf, messages: Receiver<Message>, trouble: TroubleSlot) {
    let mut connection: Option<Connection> = None;
    while let Ok(first) = messages.recv() {
        let mut batch = vec![first];
        batch.extend(messages.try_iter());
        let mut flushes = Vec::new();
        let mut work = Vec::new();
        for message in batch {
            match message {
                Message::Flush(done) => flushes.push(done),
                other => work.push(other),
            }
        }
        if !work.is_empty() {
            write(&path, &mut connection, &work, &trouble);
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Writes `work` in one transaction; a failure is reported and the connection dropped (the
/// next batch opens the file again: it may have been fixed or replaced).
fn write(
    path: &std::path::Path,
    connection: &mut Option<Connection>,
    work: &[Message],
    trouble: &TroubleSlot,
) {
    if connection.is_none() {
        match store::open(path) {
            Ok(c) => *connection = Some(c),
            Err(e) => return report(trouble, classify(path, &e)),
        }
    }
    let Some(c) = connection.as_mut() else {
        return;
    };
    let outcome = c.transaction().and_then(|tx| {
        for message in work {
            match message {
                Message::Cell(cell) => store::insert_cell(&tx, cell)?,
                Message::Record(record) => store::insert(&tx, record)?,
                Message::Tables { receipt, tables } => store::set_tables(&tx, receipt, tables)?,
                Message::Flush(_) => {}
            }
        }
        tx.commit()
    });
    if let Err(e) = outcome {
        report(trouble, classify(path, &e));
        *connection = None;
    }
}

/// Keeps the first failure (later ones are the same story).
fn report(slot: &TroubleSlot, trouble: Trouble) {
    tracing::warn!("journal: {trouble:?}");
    let mut kept = locked(slot);
    if kept.is_none() {
        *kept = Some(trouble);
    }
}

fn classify(path: &std::path::Path, error: &rusqlite::Error) -> Trouble {
    let path = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            Trouble::ReadOnly { path }
        }
        Some(ErrorCode::DiskFull) => Trouble::Full { path },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Trouble::Locked { path },
        _ => Trouble::Failed {
            path,
            reason: error.to_string(),
        },
    }
}

/// A sender that never blocks: the writer's channel is unbounded.
pub(super) fn send(sender: &Sender<Message>, message: Message) {
    // The writer is gone only when its thread panicked: the journal is then off.
    let _ = sender.send(message);
}
