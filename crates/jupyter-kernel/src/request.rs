//! Shell and control requests, decoded once from their JSON content into [`Request`], and the
//! name of each one's reply. Decoding is lenient, as `wire` is: a missing field takes the
//! protocol's default, a request with unusable content becomes [`Request::Malformed`] so that
//! it is still answered. Must not: handle a request or build a reply's content.
//!
//! `jupyter-protocol`'s request structs reject what clients do send (an `inspect_request`
//! without `detail_level`, a `history_request` without `n`), so they are not used here.

use serde_json::Value;

use super::handler::HistoryQuery;
use super::wire::Incoming;
use crate::output::Comm;

/// A request on shell or control, as the kernel handles it.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Execute(ExecuteRequest),
    IsComplete(IsCompleteRequest),
    Complete(Cursor),
    Inspect(InspectRequest),
    History(HistoryRequest),
    /// `comm_info_request`, for the comms of one target or all.
    CommInfo {
        target_name: Option<String>,
    },
    /// `comm_open`, `comm_msg` or `comm_close`: no reply.
    Comm(Comm),
    /// A comm message without a `comm_id` (or a `comm_open` without a target): dropped.
    BadComm(&'static str),
    KernelInfo,
    Interrupt,
    Shutdown {
        restart: bool,
    },
    /// A known request whose content cannot be used; answered with this error.
    Malformed {
        kind: RequestKind,
        problem: &'static str,
    },
    /// A request this kernel does not handle, by its `msg_type`.
    Unsupported(String),
}

/// An `execute_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteRequest {
    pub code: String,
    pub silent: bool,
    pub store_history: bool,
    pub stop_on_error: bool,
}

/// An `is_complete_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct IsCompleteRequest {
    pub code: String,
}

/// An `inspect_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectRequest {
    pub at: Cursor,
    /// 0, or 1 for more detail.
    pub detail: u8,
}

/// A `history_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRequest {
    pub query: HistoryQuery,
    /// Whether outputs are asked for too.
    pub output: bool,
}

/// Code and a cursor in it (code points; the end of the code when not given).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub code: String,
    pub position: usize,
}

/// The requests whose content can be malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Execute,
    History,
}

impl Request {
    /// Reads `incoming`'s content for its `msg_type`.
    pub fn decode(incoming: &Incoming) -> Request {
        let content = LenientContent(&incoming.content);
        match incoming.msg_type() {
            "execute_request" => match content.text("code") {
                Some(code) => Request::Execute(ExecuteRequest {
                    code: code.to_owned(),
                    silent: content.flag("silent", false),
                    store_history: content.flag("store_history", true)
                        && !content.flag("silent", false),
                    stop_on_error: content.flag("stop_on_error", true),
                }),
                None => Request::Malformed {
                    kind: RequestKind::Execute,
                    problem: "execute_request without code",
                },
            },
            "is_complete_request" => Request::IsComplete(IsCompleteRequest {
                code: content.text("code").unwrap_or("").to_owned(),
            }),
            "complete_request" => Request::Complete(content.cursor()),
            "inspect_request" => Request::Inspect(InspectRequest {
                at: content.cursor(),
                detail: u8::from(content.int("detail_level").unwrap_or(0) > 0),
            }),
            "history_request" => match content.history() {
                Some(query) => Request::History(HistoryRequest {
                    query,
                    output: content.flag("output", false),
                }),
                None => Request::Malformed {
                    kind: RequestKind::History,
                    problem: "history_request needs hist_access_type tail, range or search",
                },
            },
            "comm_info_request" => Request::CommInfo {
                target_name: content.text("target_name").map(str::to_owned),
            },
            "comm_open" | "comm_msg" | "comm_close" => content.comm(incoming.msg_type()),
            "kernel_info_request" => Request::KernelInfo,
            "interrupt_request" => Request::Interrupt,
            "shutdown_request" => Request::Shutdown {
                restart: content.flag("restart", false),
            },
            other => Request::Unsupported(other.to_owned()),
        }
    }

    /// The `msg_type` of the reply; `None` for messages that get none (comms).
    pub fn reply_type(&self) -> Option<String> {
        let name = match self {
            Request::Execute(_)
            | Request::Malformed {
                kind: RequestKind::Execute,
                ..
            } => "execute_reply",
            Request::IsComplete(_) => "is_complete_reply",
            Request::Complete(_) => "complete_reply",
            Request::Inspect(_) => "inspect_reply",
            Request::History(_)
            | Request::Malformed {
                kind: RequestKind::History,
                ..
            } => "history_reply",
            Request::CommInfo { .. } => "comm_info_reply",
            Request::Comm(_) | Request::BadComm(_) => return None,
            Request::KernelInfo => "kernel_info_reply",
            Request::Interrupt => "interrupt_reply",
            Request::Shutdown { .. } => "shutdown_reply",
            // The protocol names every reply after its request; a client waiting for an
            // unknown request's reply gets it under that name.
            Request::Unsupported(name) => {
                let stem = name.strip_suffix("_request").unwrap_or(name);
                return Some(format!("{stem}_reply"));
            }
        };
        Some(name.to_owned())
    }
}

/// A request's JSON content, read leniently.
struct LenientContent<'a>(&'a Value);

impl LenientContent<'_> {
    fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }

    fn flag(&self, key: &str, default: bool) -> bool {
        self.0.get(key).and_then(Value::as_bool).unwrap_or(default)
    }

    /// A comm message of type `msg_type` (`comm_open`, `comm_msg`, `comm_close`).
    fn comm(&self, msg_type: &str) -> Request {
        let Some(comm_id) = self.text("comm_id").map(str::to_owned) else {
            return Request::BadComm("a comm message without comm_id");
        };
        let data = self
            .0
            .get("data")
            .cloned()
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        Request::Comm(match msg_type {
            "comm_open" => {
                let Some(target_name) = self.text("target_name").map(str::to_owned) else {
                    return Request::BadComm("a comm_open without target_name");
                };
                Comm::Open {
                    comm_id,
                    target_name,
                    data,
                }
            }
            "comm_msg" => Comm::Msg { comm_id, data },
            _ => Comm::Close { comm_id, data },
        })
    }

    fn cursor(&self) -> Cursor {
        let code = self.text("code").unwrap_or("").to_owned();
        let position = self
            .0
            .get("cursor_pos")
            .and_then(Value::as_u64)
            .map_or(code.chars().count(), |c| c as usize);
        Cursor { code, position }
    }

    /// A missing `n` means "all", a missing `pattern` "*".
    fn history(&self) -> Option<HistoryQuery> {
        let count = |n: i64| usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        Some(match self.text("hist_access_type")? {
            "tail" => HistoryQuery::Tail {
                n: self.int("n").map_or(usize::MAX, count),
            },
            "range" => HistoryQuery::Range {
                session: self.int("session").unwrap_or(0),
                start: self.int("start").unwrap_or(0),
                stop: self.int("stop").unwrap_or(i64::MAX),
            },
            "search" => HistoryQuery::Search {
                pattern: self.text("pattern").unwrap_or("*").to_owned(),
                n: self.int("n").map(count),
                unique: self.flag("unique", false),
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
