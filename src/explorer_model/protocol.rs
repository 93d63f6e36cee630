//! What the explorer's frontend and the kernel say over their comm, as JSON. The frontend opens
//! the comm with `{"view": id}` and then sends requests, each with its own `id`; the kernel
//! answers each with an event carrying that `id`, and says on its own when the snapshot is
//! ready, lost or evicted. Every request carries the whole view state (sort and filters), so
//! the kernel keeps no state per comm beyond the snapshot.
//! Must not: word anything for users (the kernel fills `message`s) or run queries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The MIME type of an explorable result (beside its `text/html` and `text/plain`).
pub const MIME: &str = "application/vnd.kbase.spark-sql-explorer.v1+json";
/// The comm target the frontend opens.
pub const TARGET: &str = "spark_sql_kbase.explorer";

/// How the view is sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// The column's position in the result.
    pub column: usize,
    #[serde(default)]
    pub descending: bool,
}

/// The comparisons a filter can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Contains,
    Equals,
    Less,
    Greater,
    Between,
    IsNull,
    NotNull,
}

/// One column's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub column: usize,
    pub op: FilterOp,
    #[serde(default)]
    pub value: Option<String>,
    /// The upper bound of `between`.
    #[serde(default)]
    pub value2: Option<String>,
}

/// What the view shows: the sort and the filters (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub sort: Option<Sort>,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// Formats the explorer can export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Tsv,
    Json,
    Parquet,
}

/// A request from the frontend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Rows `start..start + size`.
    Page {
        start: u64,
        size: u64,
        #[serde(default)]
        state: State,
    },
    /// The number of rows the filters keep.
    Count {
        #[serde(default)]
        state: State,
    },
    /// Per column: nulls, distinct (approximate), min and max.
    Summary {
        #[serde(default)]
        state: State,
    },
    /// Keep a stable copy (a snapshot) of a result read live; answered by `Ready` (id 0).
    Keep,
    /// The whole (sorted, filtered) result to a file.
    Export {
        #[serde(default)]
        state: State,
        path: String,
        format: ExportFormat,
    },
}

/// A request and the id its answer carries.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ViewRequest {
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

/// What the comm was opened with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Open {
    pub view: String,
}

/// One column's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnSummary {
    pub nulls: u64,
    pub distinct: Option<u64>,
    pub min: Option<String>,
    pub max: Option<String>,
}

/// Why a view cannot be explored any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gone {
    /// The kernel does not know the view (it restarted, or the view was never explorable).
    Unknown,
    /// Evicted to keep at most the configured number of snapshots.
    Evicted,
    /// The snapshot could not be made or was lost on the server.
    Failed,
}

/// What the kernel sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The snapshot is on the server: `total` rows.
    Ready {
        total: u64,
        seconds: f64,
    },
    /// No snapshot: the pages come from the live statement; Spark estimates the result at
    /// `estimate` bytes (`u64::MAX`: it cannot tell); `message` says what that means.
    Live {
        estimate: u64,
        message: String,
    },
    /// The view cannot be explored; `message` says why and what to do.
    Gone {
        why: Gone,
        message: String,
    },
    Page {
        id: u64,
        start: u64,
        /// Cells as text (`null` for NULL), row by row.
        rows: Vec<Vec<Option<String>>>,
        seconds: f64,
    },
    Count {
        id: u64,
        total: u64,
        seconds: f64,
    },
    Summary {
        id: u64,
        rows: u64,
        columns: Vec<ColumnSummary>,
    },
    /// An export's progress: rows written so far.
    Progress {
        id: u64,
        rows: u64,
        bytes: u64,
    },
    Exported {
        id: u64,
        message: String,
    },
    Error {
        id: u64,
        message: String,
    },
    /// The request (`id`; 0: the snapshot) waits while a cell runs; `message` says so.
    Paused {
        id: u64,
        message: String,
    },
    /// The request (`id`; 0: the snapshot) goes on: the cell ended.
    Resumed {
        id: u64,
    },
    /// The view's footer now reads `label` (its result's name was dropped: it is gone).
    Label {
        label: String,
    },
}

impl Event {
    /// The event as the comm's JSON data.
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// A column as the frontend shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub numeric: bool,
}

/// The explorer's part of a result's MIME bundle: the view to open, its columns, and the rows
/// the static table shows (the first page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Display {
    pub view: String,
    pub columns: Vec<ViewColumn>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Whether the result has more rows than `rows`.
    pub more: bool,
    pub page_size: usize,
    /// What the footer ends with: the result's name (`_N`) and receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}
