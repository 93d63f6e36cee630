//! What the workbench's panels (the catalog sidebar, the history panel) and the kernel say over
//! their comm (`spark_sql_kbase.catalog`), as JSON; `labextension/schema/catalog.schema.json`
//! is the same protocol for the frontend. Each request carries an `id`; the kernel answers it
//! with one event carrying that `id`.
//! Must not: word anything for users (the kernel fills `message`s) or run anything.

use serde::{Deserialize, Serialize};

/// The comm target the panels open.
pub const TARGET: &str = "spark_sql_kbase.catalog";

/// A request from a panel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Request {
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// What is under `path`: `[]` the catalogs, `[catalog]` its namespaces, `[catalog,
    /// namespace]` its tables and views, `[catalog, namespace, table]` its columns.
    Children { path: Vec<String> },
    /// A table's details (`DESCRIBE TABLE EXTENDED`): provider, location, partitioning, …
    Details { path: Vec<String> },
    /// A table's first rows, as an explorer over the whole table (no cell runs).
    Preview { path: Vec<String> },
    /// Forget every cached answer.
    Refresh,
    /// The namespaces and tables whose names contain `text`, in every catalog or in `catalog`.
    Search {
        text: String,
        #[serde(default)]
        catalog: Option<String>,
    },
    /// Past statements from the journal, newest last; `text` a part of the statement, `all`
    /// every notebook's rather than this one's.
    History {
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        all: bool,
        #[serde(default = "default_limit")]
        limit: usize,
    },
}

fn default_limit() -> usize {
    200
}

/// What a node of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Catalog,
    Namespace,
    Table,
    View,
    Column,
    Field,
}

/// A node of the catalog tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub name: String,
    pub kind: Kind,
    /// Columns' and fields' types, as Spark writes them.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A struct's fields (through arrays and maps), known with the column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Node>,
}

/// A namespace or table a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub path: Vec<String>,
    pub kind: Kind,
}

/// One past statement, for the history panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Past {
    pub receipt: String,
    pub started: String,
    pub duration_ms: u64,
    pub rows: u64,
    pub statement: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notebook: Option<String>,
    /// `ok`, `error` or `interrupted`.
    pub status: String,
}

/// An answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Children {
        id: u64,
        path: Vec<String>,
        nodes: Vec<Node>,
    },
    Details {
        id: u64,
        path: Vec<String>,
        /// Spark's names and values, as `DESCRIBE TABLE EXTENDED` gives them.
        rows: Vec<(String, String)>,
    },
    Refreshed {
        id: u64,
    },
    /// A preview: the result's MIME bundle (the explorer's own type, HTML and text), as a
    /// cell's result would carry it.
    Preview {
        id: u64,
        path: Vec<String>,
        data: serde_json::Value,
    },
    /// What a search found so far (told every second while it goes on; the last one has
    /// `done`).
    Found {
        id: u64,
        text: String,
        matches: Vec<Found>,
        /// Namespaces searched, of all.
        searched: usize,
        namespaces: usize,
        done: bool,
        /// Whether every namespace was searched (not cut short by the bound or the count).
        complete: bool,
    },
    History {
        id: u64,
        records: Vec<Past>,
    },
    /// The request could not be answered; `message` says why and what to do.
    Error {
        id: u64,
        message: String,
    },
}
