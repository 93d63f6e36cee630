//! What the kernel writes in the journal: a record of each statement as it ends (receipt,
//! times, user, notebook, statement, Spark's side, outcome, counts, schema, digest, files),
//! each cell's code for history, and the first trouble writing, told once.
//! Must not: make a cell wait on the journal (the writer thread writes), or record a token or
//! a row's values.

use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};

use super::cell_scope::CellScope;
use crate::journal::{self, CellRow, Field, FileWritten, Journal, Outcome, Record};
use spark_connect::{QueryResult, SparkError};

/// The kernel's journal, and what every record of this kernel run carries.
pub struct Journaling {
    pub journal: Journal,
    /// This kernel run's id.
    pub kernel: String,
    /// `JPY_SESSION_NAME`.
    pub notebook: Option<String>,
    /// The receipt of the last statement recorded.
    pub last: Option<String>,
    /// Queries of the running cell whose tables are looked up after it: receipt, statement.
    pending: Vec<(String, String)>,
    /// Lookups of tables still running.
    lookups: Vec<tokio::task::JoinHandle<()>>,
    /// Fires when the kernel ends: lookups stop.
    stop: tokio_util::sync::CancellationToken,
}

impl Journaling {
    pub fn new(journal: Journal, notebook: Option<String>) -> Journaling {
        Journaling {
            journal,
            kernel: uuid::Uuid::new_v4().to_string(),
            notebook,
            last: None,
            pending: Vec::new(),
            lookups: Vec::new(),
            stop: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Records a cell's code for history.
    pub fn cell(&self, count: u32, code: &str) {
        self.journal.cell(CellRow {
            kernel: self.kernel.clone(),
            execution_count: count,
            started: now_text(Utc::now()),
            notebook: self.notebook.clone(),
            code: code.to_owned(),
        });
    }
}

/// A statement that started: its receipt (shown under its result) and when.
#[derive(Debug, Clone)]
pub struct Started {
    pub receipt: String,
    at: DateTime<Utc>,
    clock: Instant,
}

impl Started {
    pub fn now() -> Started {
        Started {
            receipt: journal::new_receipt(),
            at: Utc::now(),
            clock: Instant::now(),
        }
    }
}

/// How a statement ended, for its record.
pub enum Ended<'a> {
    Result {
        result: &'a QueryResult,
        /// Rows of the whole result, when an export wrote them all.
        exported: Option<u64>,
        files: Vec<FileWritten>,
    },
    Failed(&'a SparkError),
}

fn now_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Who ran a statement, where, and as part of what (the fields every record shares).
struct Context<'a> {
    kernel: &'a str,
    notebook: Option<&'a str>,
    user: String,
    spark: crate::session::Whereabouts,
    count: u32,
}

/// A record of `statement` with `context`, started at `started`, ended as `ended`.
fn build(context: Context<'_>, started: &Started, statement: &str, ended: Ended<'_>) -> Record {
    let spark = context.spark;
    let mut record = Record {
        receipt: started.receipt.clone(),
        started: now_text(started.at),
        ended: now_text(Utc::now()),
        user: context.user,
        notebook: context.notebook.map(str::to_owned),
        kernel: context.kernel.to_owned(),
        execution_count: context.count,
        statement: statement.to_owned(),
        statement_sha256: journal::sha256_hex(statement),
        spark: journal::SparkSide {
            version: spark.version,
            address: Some(spark.address).filter(|a| !a.is_empty()),
            session_id: Some(spark.session_id).filter(|s| !s.is_empty()),
            operation_id: spark.operation_id,
        },
        outcome: Outcome::Ok,
        duration_ms: u64::try_from(started.clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        rows_received: 0,
        rows_total: None,
        schema: Vec::new(),
        tables: None,
        rows_digest: None,
        files: Vec::new(),
    };
    match ended {
        Ended::Result {
            result,
            exported,
            files,
        } => {
            record.rows_received = result.rows() as u64;
            record.rows_total = exported.or((!result.more).then_some(result.rows() as u64));
            record.schema = schema(result);
            record.rows_digest = result.texts().ok().map(|rows| journal::rows_digest(&rows));
            record.files = files;
        }
        Ended::Failed(error) => record.outcome = outcome(error),
    }
    record
}

/// Records `statement` of cell `count`, started at `started`, ended as `ended`.
pub fn record(
    scope: &mut CellScope<'_>,
    started: &Started,
    statement: &str,
    count: u32,
    ended: Ended<'_>,
) {
    if !scope.journaling.journal.is_on() {
        return;
    }
    let context = Context {
        kernel: &scope.journaling.kernel,
        notebook: scope.journaling.notebook.as_deref(),
        user: scope.session().user().unwrap_or_default(),
        spark: scope.session().whereabouts().unwrap_or_default(),
        count,
    };
    let mut record = build(context, started, statement, ended);
    scope.journaling.last = Some(record.receipt.clone());
    if record.outcome == Outcome::Ok && !record.schema.is_empty() {
        if crate::sql::names::reads_no_table(&record.statement) {
            record.tables = Some(Vec::new());
        } else {
            let query = (record.receipt.clone(), record.statement.clone());
            scope.journaling.pending.push(query);
        }
    }
    scope.journaling.journal.record(record);
}

/// What the explorer records of the files its exports write, from its own tasks.
#[derive(Clone)]
pub struct Recorder {
    handle: journal::Handle,
    kernel: String,
    notebook: Option<String>,
}

impl Journaling {
    /// A recorder for work beside the cells (the explorer's exports); none when off.
    pub fn recorder(&self) -> Option<Recorder> {
        self.journal.is_on().then(|| Recorder {
            handle: self.journal.handle(),
            kernel: self.kernel.clone(),
            notebook: self.notebook.clone(),
        })
    }
}

impl Recorder {
    /// Records the explorer's export: its statement (the view, sorted and filtered), run on
    /// `forked` in cell `count`'s place, and the file it wrote.
    pub fn exported(
        &self,
        forked: &crate::session::Forked,
        started: &Started,
        statement: &str,
        count: u32,
        ended: Ended<'_>,
    ) {
        let context = Context {
            kernel: &self.kernel,
            notebook: self.notebook.as_deref(),
            user: forked.user().to_owned(),
            spark: forked.whereabouts(),
            count,
        };
        self.handle
            .record(build(context, started, statement, ended));
    }
}

/// The record of `receipt` (the last statement's when `None`), after what was sent to the
/// journal is written; `Ok(None)` when the journal has none.
pub async fn find(
    journaling: &Journaling,
    receipt: Option<&str>,
) -> Result<Option<Record>, ReadTrouble> {
    let Some(reader) = journaling.journal.reader() else {
        return Err(ReadTrouble::Off);
    };
    let Some(receipt) = receipt
        .map(str::to_owned)
        .or_else(|| journaling.last.clone())
    else {
        return Err(ReadTrouble::NothingYet);
    };
    // Quick (a few ms): the writer answers once what came before is written.
    journaling.journal.flush(std::time::Duration::from_secs(1));
    let read = tokio::task::spawn_blocking(move || reader.find(&receipt)).await;
    match read {
        Ok(found) => found.map_err(ReadTrouble::Read),
        Err(e) => Err(ReadTrouble::Gone(e.to_string())),
    }
}

/// Why the journal could not be read (worded by `words::read_trouble`).
#[derive(Debug, thiserror::Error)]
pub enum ReadTrouble {
    #[error("off")]
    Off,
    #[error("nothing recorded yet")]
    NothingYet,
    #[error(transparent)]
    Read(#[from] journal::ReadError),
    #[error("the read stopped: {0}")]
    Gone(String),
}

/// Why a recorded statement cannot be run again to verify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverifiable {
    /// It failed or was interrupted: there is nothing to compare.
    NotOk,
    /// It is a command (running it again would change something), not a query.
    NotAQuery,
}

/// A result's columns as the journal keeps them.
pub fn schema(result: &QueryResult) -> Vec<Field> {
    result
        .columns
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            data_type: c.type_name.clone(),
        })
        .collect()
}

/// The outcome of a statement that failed.
fn outcome(error: &SparkError) -> Outcome {
    match error {
        SparkError::Cancelled => Outcome::Interrupted,
        SparkError::Server(e) => Outcome::Error {
            error_class: e.error_class.clone(),
            sql_state: e.sql_state.clone(),
            message: e.message.lines().next().unwrap_or_default().to_owned(),
        },
        other => Outcome::Error {
            error_class: None,
            sql_state: None,
            message: other.to_string(),
        },
    }
}

/// Tells once, on stderr, that the journal could not be written.
pub fn tell_trouble(journaling: &mut Journaling, out: &super::cell_output::CellOutput) {
    if let Some(trouble) = journaling.journal.take_trouble() {
        out.stderr(super::words::journal_trouble(&trouble));
    }
}

/// After a cell: looks up the tables its queries read (Spark's analysis of each, and each
/// table's version) and adds them to their records. Analysis only: no job runs. The lookups
/// pass the explorer's gate: they start once the kernel is idle, and a cell that starts
/// interrupts them (they are tried again when it ends), so the next cell never waits.
pub async fn after_cell(
    journaling: &mut Journaling,
    session: &mut crate::session::SparkSession,
    gate: super::explorer::Gate,
) {
    journaling.lookups.retain(|lookup| !lookup.is_finished());
    let pending = std::mem::take(&mut journaling.pending);
    if pending.is_empty() || !journaling.journal.is_on() {
        return;
    }
    let stop = journaling.stop.clone();
    let Ok(mut forked) = session.fork(&stop).await else {
        return;
    };
    let handle = journaling.journal.handle();
    journaling.lookups.push(tokio::spawn(async move {
        for (receipt, statement) in pending {
            if let Some(tables) = tables_read(&mut forked, &statement, &gate, &stop).await {
                handle.tables(&receipt, tables);
            }
        }
    }));
}

/// The tables one statement read, with their versions; none when Spark could not say or
/// the kernel is ending.
async fn tables_read(
    forked: &mut crate::session::Forked,
    statement: &str,
    gate: &super::explorer::Gate,
    stop: &tokio_util::sync::CancellationToken,
) -> Option<Vec<journal::TableRead>> {
    loop {
        let pass = gate.pass(stop).await?;
        match tables_now(forked, statement, &pass.cancel).await {
            Ok(tables) => return Some(tables),
            Err(_) if pass.was_paused(stop) => continue,
            Err(_) => return None,
        }
    }
}

async fn tables_now(
    forked: &mut crate::session::Forked,
    statement: &str,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Vec<journal::TableRead>, crate::session::SessionError> {
    let names = forked.tables_read(statement, cancel).await?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let version = match forked.table_version(&name, cancel).await {
            Ok(version) => version,
            Err(_) if cancel.is_cancelled() => return Err(SparkError::Cancelled.into()),
            Err(_) => None,
        };
        tables.push(journal::TableRead { name, version });
    }
    Ok(tables)
}

/// The kernel is ending: waits up to `bound` for lookups still running, then stops them.
pub async fn settle(journaling: &mut Journaling, bound: std::time::Duration) {
    let deadline = tokio::time::Instant::now() + bound;
    for lookup in std::mem::take(&mut journaling.lookups) {
        let _ = tokio::time::timeout_at(deadline, lookup).await;
    }
    journaling.stop.cancel();
}

/// The versions of `tables` now (for `%verify`).
pub async fn table_versions(
    scope: &mut CellScope<'_>,
    tables: &[journal::TableRead],
) -> Vec<journal::TableRead> {
    let mut now = Vec::with_capacity(tables.len());
    for table in tables {
        let version = scope.table_version(&table.name).await.ok().flatten();
        now.push(journal::TableRead {
            name: table.name.clone(),
            version,
        });
    }
    now
}

/// How many rows a result has: all of them, or at least some (more exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    Exactly(u64),
    AtLeast(u64),
}

/// The row count of a result that brought `received` rows, `total` when all came.
pub fn row_count(total: Option<u64>, received: u64) -> RowCount {
    match total {
        Some(total) => RowCount::Exactly(total),
        None => RowCount::AtLeast(received),
    }
}

/// A fact then and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared<T> {
    pub then: T,
    pub now: T,
}

impl<T: PartialEq> Compared<T> {
    pub fn of(then: T, now: T) -> Compared<T> {
        Compared { then, now }
    }

    pub fn same(&self) -> bool {
        self.then == self.now
    }
}

/// What `%verify` found: the recorded statement run again (under `receipt`), compared.
#[derive(Debug, Clone)]
pub struct Verification {
    pub receipt: String,
    pub rows: Compared<RowCount>,
    pub columns: Compared<Vec<Field>>,
    pub digest: Compared<Option<journal::RowsDigest>>,
    /// The tables read and their versions (none when they were not recorded).
    pub tables: Option<Compared<Vec<journal::TableRead>>>,
}
