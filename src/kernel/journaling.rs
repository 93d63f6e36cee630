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
}

impl Journaling {
    pub fn new(journal: Journal, notebook: Option<String>) -> Journaling {
        Journaling {
            journal,
            kernel: uuid::Uuid::new_v4().to_string(),
            notebook,
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

/// Records `statement` of cell `count`, started at `started`, ended as `ended`.
pub fn record(
    scope: &CellScope<'_>,
    started: &Started,
    statement: &str,
    count: u32,
    ended: Ended<'_>,
) {
    let journaling = scope.journaling;
    if !journaling.journal.is_on() {
        return;
    }
    let whereabouts = scope.session().whereabouts().unwrap_or_default();
    let mut record = Record {
        receipt: started.receipt.clone(),
        started: now_text(started.at),
        ended: now_text(Utc::now()),
        user: scope.session().user().unwrap_or_default(),
        notebook: journaling.notebook.clone(),
        kernel: journaling.kernel.clone(),
        execution_count: count,
        statement: statement.to_owned(),
        statement_sha256: journal::sha256_hex(statement),
        spark: journal::SparkSide {
            version: whereabouts.version,
            address: Some(whereabouts.address).filter(|a| !a.is_empty()),
            session_id: Some(whereabouts.session_id).filter(|s| !s.is_empty()),
            operation_id: whereabouts.operation_id,
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
    journaling.journal.record(record);
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
