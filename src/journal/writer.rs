//! The journal's writer: one thread per kernel that takes records from a channel and writes
//! what arrived together in one transaction, so that no cell ever waits on the disk or on
//! another kernel's lock. What it cannot write is kept (up to `KEEP` messages) and tried
//! again; the first failure is kept for the kernel to tell (once).
//! Must not: block its sender, or hold anything but the records it was sent.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

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
    /// Answers once everything sent before it is written, or once writing fails in a way that
    /// does not pass by itself (tests, `%receipt`, and the end of a kernel).
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

/// How many messages wait for the file to be writable again; beyond that the oldest go.
const KEEP: usize = 10_000;
/// The first wait before a failed write is tried again; it doubles up to `LONGEST`.
const RETRY: Duration = Duration::from_millis(250);
const LONGEST: Duration = Duration::from_secs(30);

/// Runs the writer until every sender is gone. What arrived together is written in one
/// transaction (one commit for a cell's code and its statements). What could not be written
/// is kept and tried again, with the next message or after a wait, so a lock held by other
/// kernels delays records but loses none.
pub(super) fn run(path: PathBuf, messages: Receiver<Message>, trouble: TroubleSlot) {
    let mut writer = Writer {
        path,
        connection: None,
        pending: VecDeque::new(),
        flushes: Vec::new(),
        trouble,
        wait: RETRY,
    };
    loop {
        let first = if writer.pending.is_empty() {
            match messages.recv() {
                Ok(message) => Some(message),
                Err(_) => break,
            }
        } else {
            match messages.recv_timeout(writer.wait) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        writer.take(first.into_iter().chain(messages.try_iter()));
        writer.write();
    }
    // Every sender is gone (the kernel is ending): one last try.
    writer.write();
}

/// The writer's state between messages.
struct Writer {
    path: PathBuf,
    connection: Option<Connection>,
    /// Work not yet written, oldest first.
    pending: VecDeque<Message>,
    /// Flushes waiting for `pending` to be written.
    flushes: Vec<SyncSender<()>>,
    trouble: TroubleSlot,
    /// How long to wait before trying `pending` again.
    wait: Duration,
}

impl Writer {
    fn take(&mut self, messages: impl Iterator<Item = Message>) {
        for message in messages {
            match message {
                Message::Flush(done) => self.flushes.push(done),
                other => self.pending.push_back(other),
            }
        }
        let over = self.pending.len().saturating_sub(KEEP);
        self.pending.drain(..over);
    }

    /// Writes what is pending in one transaction. Flushes are answered once it is written,
    /// or at once when the trouble is not one that passes (a full disk, a read-only file):
    /// their callers must not wait for a retry that may never succeed.
    fn write(&mut self) {
        let outcome = if self.pending.is_empty() {
            Ok(())
        } else {
            write(
                &self.path,
                &mut self.connection,
                self.pending.make_contiguous(),
            )
        };
        let passing = match outcome {
            Ok(()) => {
                self.pending.clear();
                self.wait = RETRY;
                true
            }
            Err(trouble) => {
                let passing = matches!(trouble, Trouble::Locked { .. });
                report(&self.trouble, trouble);
                self.wait = (self.wait * 2).min(LONGEST);
                !passing
            }
        };
        if passing {
            for done in self.flushes.drain(..) {
                let _ = done.send(());
            }
        }
    }
}

/// Writes `work` in one transaction, taking the write lock at its start (`BEGIN IMMEDIATE`:
/// two kernels that both read first cannot deadlock on the upgrade). A failure drops the
/// connection: the next try opens the file again, as it may have been fixed or replaced.
fn write(
    path: &std::path::Path,
    connection: &mut Option<Connection>,
    work: &[Message],
) -> Result<(), Trouble> {
    if connection.is_none() {
        *connection = Some(store::open(path).map_err(|e| classify(path, &e))?);
    }
    let Some(c) = connection.as_mut() else {
        return Ok(());
    };
    let outcome = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .and_then(|tx| {
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
    outcome.map_err(|e| {
        *connection = None;
        classify(path, &e)
    })
}

/// Keeps the first failure (later ones, and retries, are the same story).
fn report(slot: &TroubleSlot, trouble: Trouble) {
    let mut kept = locked(slot);
    if kept.is_none() {
        tracing::warn!("journal: {trouble:?}");
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
