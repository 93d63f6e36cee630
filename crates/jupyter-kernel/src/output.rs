//! What a request can show: MIME bundles, streams, displays, results, errors and comm
//! messages. Plain data: a kernel makes it, the transport turns it into Jupyter messages.
//! Must not: import anything else of the crate.

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
    /// A message of the kernel's side of a comm (`comm_open`, `comm_msg`, `comm_close`).
    Comm(Comm),
}

/// A comm message, in either direction: the frontend's to the kernel, the kernel's on IOPub.
#[derive(Debug, Clone, PartialEq)]
pub enum Comm {
    Open {
        comm_id: String,
        target_name: String,
        data: Value,
    },
    Msg {
        comm_id: String,
        data: Value,
    },
    Close {
        comm_id: String,
        data: Value,
    },
}

impl Comm {
    pub fn comm_id(&self) -> &str {
        match self {
            Comm::Open { comm_id, .. }
            | Comm::Msg { comm_id, .. }
            | Comm::Close { comm_id, .. } => comm_id,
        }
    }
}
