//! What a request can show: MIME bundles, streams, displays, results and errors. Plain data,
//! shared by rendering (which makes bundles), the kernel (which sends them) and the transport
//! (which turns them into Jupyter messages). A leaf: it imports nothing of the crate.

use std::collections::BTreeMap;

use serde_json::Value;

/// A MIME bundle, sorted by MIME type so that every message and snapshot is deterministic.
pub type MimeBundle = BTreeMap<String, Value>;

/// A Jupyter `error` output and the error part of an `execute_reply`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorOutput {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamName {
    Stdout,
    Stderr,
}

/// What a running request may show. The transport adds parent headers and execution counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Stream {
        name: StreamName,
        text: String,
    },
    /// `display_data`; with a `display_id` it can later be replaced in place.
    Display {
        data: MimeBundle,
        display_id: Option<String>,
    },
    /// `update_display_data` for an earlier `Display` with the same id.
    UpdateDisplay {
        data: MimeBundle,
        display_id: String,
    },
    /// `execute_result`: the cell's value.
    Result {
        data: MimeBundle,
    },
}
