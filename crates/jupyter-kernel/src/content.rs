//! What the kernel sends, as typed contents that know their `msg_type` ([`Content`]):
//! `jupyter-protocol`'s message types wherever the crate is right, and types of our own where
//! it falls short of what clients check (each says which):
//! - null maps: `user_expressions` and `transient` are never null (empty maps instead), which
//!   JupyterLab and jupyter_kernel_test require;
//! - sorted bundles: MIME bundles stay sorted (our `BTreeMap`, not the crate's `HashMap`-based
//!   `Media`), so messages and snapshots are deterministic;
//! - features: `kernel_info_reply` carries `supported_features`, which the crate's struct lacks.
//!
//! Must not: decide a reply's status (the handler and the executor do).

use std::collections::HashMap;

use jupyter_protocol::{
    CommId, CommInfo, CommInfoReply, CompleteReply, ExecuteInput, ExecuteReply, ExecutionCount,
    HelpLink, HistoryReply, InterruptReply, IoPubWelcome, IsCompleteReply, LanguageInfo,
    ReplyError, ReplyStatus, ShutdownReply, Status, StreamContent,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::handler::{KernelInfo, OpenComm};
use crate::output::{Comm, ErrorOutput, MimeBundle, Output, StreamName};
use crate::request::RequestKind;
use crate::wire::PROTOCOL_VERSION;

/// A message's content that knows its `msg_type`.
pub trait Content: Serialize {
    fn msg_type(&self) -> &str;
}

/// A reply on shell or control.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Reply {
    KernelInfo(KernelInfoReply),
    Execute(ExecuteReply),
    IsComplete(IsCompleteReply),
    Complete(CompleteReply),
    Inspect(InspectReply),
    History(HistoryReply),
    CommInfo(CommInfoReply),
    Interrupt(InterruptReply),
    Shutdown(ShutdownReply),
    Error(ErrorReply),
}

impl Content for Reply {
    fn msg_type(&self) -> &str {
        match self {
            Reply::KernelInfo(_) => "kernel_info_reply",
            Reply::Execute(_) => "execute_reply",
            Reply::IsComplete(_) => "is_complete_reply",
            Reply::Complete(_) => "complete_reply",
            Reply::Inspect(_) => "inspect_reply",
            Reply::History(_) => "history_reply",
            Reply::CommInfo(_) => "comm_info_reply",
            Reply::Interrupt(_) => "interrupt_reply",
            Reply::Shutdown(_) => "shutdown_reply",
            Reply::Error(e) => &e.reply_to,
        }
    }
}

/// A message on IOPub.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Published {
    Status(Status),
    ExecuteInput(ExecuteInput),
    Stream(StreamContent),
    Display(DisplayData),
    Result(ExecuteResult),
    Error(jupyter_protocol::ErrorOutput),
    Comm(CommMessage),
    Welcome(IoPubWelcome),
}

impl Content for Published {
    fn msg_type(&self) -> &str {
        match self {
            Published::Status(_) => "status",
            Published::ExecuteInput(_) => "execute_input",
            Published::Stream(_) => "stream",
            Published::Display(d) if d.update => "update_display_data",
            Published::Display(_) => "display_data",
            Published::Result(_) => "execute_result",
            Published::Error(_) => "error",
            Published::Comm(c) => c.kind.msg_type(),
            Published::Welcome(_) => "iopub_welcome",
        }
    }
}

/// `kernel_info_reply` (features: with `supported_features`).
#[derive(Debug, Clone, Serialize)]
pub struct KernelInfoReply {
    pub status: ReplyStatus,
    pub protocol_version: String,
    pub implementation: String,
    pub implementation_version: String,
    pub language_info: LanguageInfo,
    pub banner: String,
    pub debugger: bool,
    pub help_links: Vec<HelpLink>,
    pub supported_features: Vec<String>,
}

impl KernelInfoReply {
    pub fn new(info: &KernelInfo) -> KernelInfoReply {
        KernelInfoReply {
            status: ReplyStatus::Ok,
            protocol_version: PROTOCOL_VERSION.to_owned(),
            implementation: info.implementation.clone(),
            implementation_version: info.implementation_version.clone(),
            language_info: info.language_info.clone(),
            banner: info.banner.clone(),
            debugger: false,
            help_links: info.help_links.clone(),
            supported_features: Vec::new(),
        }
    }
}

/// `inspect_reply` (sorted bundles: the bundle stays sorted).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InspectReply {
    pub status: ReplyStatus,
    pub found: bool,
    pub data: MimeBundle,
    pub metadata: Map<String, Value>,
}

impl InspectReply {
    /// What was found under the cursor.
    pub fn found(data: MimeBundle) -> InspectReply {
        InspectReply {
            status: ReplyStatus::Ok,
            found: true,
            data,
            metadata: Map::new(),
        }
    }

    /// Nothing to show.
    pub fn not_found() -> InspectReply {
        InspectReply {
            status: ReplyStatus::Ok,
            found: false,
            data: MimeBundle::new(),
            metadata: Map::new(),
        }
    }
}

/// An error reply to a request the kernel cannot serve, named after the request.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReply {
    /// The reply's `msg_type`.
    #[serde(skip)]
    pub reply_to: String,
    pub status: ReplyStatus,
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
    /// A history reply keeps its `history` list, which clients read even from an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Value>>,
}

impl ErrorReply {
    pub fn new(reply_to: impl Into<String>, ename: &str, evalue: String) -> ErrorReply {
        ErrorReply {
            reply_to: reply_to.into(),
            status: ReplyStatus::Error,
            ename: ename.to_owned(),
            evalue,
            traceback: Vec::new(),
            history: None,
        }
    }

    /// The reply to a request whose content cannot be used.
    pub fn malformed(kind: RequestKind, problem: &str) -> ErrorReply {
        let reply_to = match kind {
            RequestKind::Execute => "execute_reply",
            RequestKind::History => "history_reply",
        };
        let mut reply = ErrorReply::new(reply_to, "BadRequest", problem.to_owned());
        if kind == RequestKind::History {
            reply.history = Some(Vec::new());
        }
        reply
    }
}

/// `execute_reply` (null maps: `user_expressions` is an empty map, never null).
pub fn execute(count: usize, status: ReplyStatus, error: Option<&ErrorOutput>) -> ExecuteReply {
    ExecuteReply {
        status,
        execution_count: ExecutionCount::new(count),
        payload: Vec::new(),
        user_expressions: Some(HashMap::new()),
        error: error.map(|e| {
            Box::new(ReplyError {
                ename: e.ename.clone(),
                evalue: e.evalue.clone(),
                traceback: e.traceback.clone(),
            })
        }),
    }
}

/// The `error` output on IOPub.
pub fn error(e: &ErrorOutput) -> Published {
    Published::Error(jupyter_protocol::ErrorOutput {
        ename: e.ename.clone(),
        evalue: e.evalue.clone(),
        traceback: e.traceback.clone(),
    })
}

/// `comm_info_reply`: the open comms, of `target_name` only when given.
pub fn comm_info(comms: Vec<OpenComm>, target_name: Option<&str>) -> CommInfoReply {
    let comms = comms
        .into_iter()
        .filter(|c| target_name.is_none_or(|t| t == c.target_name))
        .map(|c| {
            let info = CommInfo {
                target_name: c.target_name,
            };
            (CommId(c.comm_id), info)
        })
        .collect();
    CommInfoReply {
        status: ReplyStatus::Ok,
        comms,
        error: None,
    }
}

pub fn shutdown(restart: bool) -> ShutdownReply {
    ShutdownReply {
        restart,
        status: ReplyStatus::Ok,
        error: None,
    }
}

/// `display_data` and `update_display_data` (null maps: `transient` is a map, never null;
/// sorted bundles).
#[derive(Debug, Clone, Serialize)]
pub struct DisplayData {
    /// `update_display_data` rather than `display_data`.
    #[serde(skip)]
    pub update: bool,
    pub data: MimeBundle,
    pub metadata: Map<String, Value>,
    pub transient: Transient,
}

/// A display's `transient`: its id when it can be updated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Transient {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
}

/// `execute_result` (sorted bundles).
#[derive(Debug, Clone, Serialize)]
pub struct ExecuteResult {
    pub execution_count: ExecutionCount,
    pub data: MimeBundle,
    pub metadata: Map<String, Value>,
}

/// `comm_open`, `comm_msg` or `comm_close` from the kernel (the crate's comm types hold their
/// data as a map; ours may be any JSON value).
#[derive(Debug, Clone, Serialize)]
pub struct CommMessage {
    #[serde(skip)]
    pub kind: CommKind,
    pub comm_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    pub data: Value,
    pub metadata: Map<String, Value>,
}

/// Which comm message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommKind {
    Open,
    Msg,
    Close,
}

impl CommKind {
    fn msg_type(self) -> &'static str {
        match self {
            CommKind::Open => "comm_open",
            CommKind::Msg => "comm_msg",
            CommKind::Close => "comm_close",
        }
    }
}

/// An output as the IOPub message it becomes.
pub fn output(output: Output, execution_count: usize) -> Published {
    match output {
        Output::Stream { name, text } => Published::Stream(match name {
            StreamName::Stdout => StreamContent::stdout(&text),
            StreamName::Stderr => StreamContent::stderr(&text),
        }),
        Output::Display { data, display_id } => Published::Display(DisplayData {
            update: false,
            data,
            metadata: Map::new(),
            transient: Transient { display_id },
        }),
        Output::UpdateDisplay { data, display_id } => Published::Display(DisplayData {
            update: true,
            data,
            metadata: Map::new(),
            transient: Transient {
                display_id: Some(display_id),
            },
        }),
        Output::Result { data } => Published::Result(ExecuteResult {
            execution_count: ExecutionCount::new(execution_count),
            data,
            metadata: Map::new(),
        }),
        Output::Comm(comm) => Published::Comm(comm_message(comm)),
    }
}

fn comm_message(comm: Comm) -> CommMessage {
    let message = |kind, comm_id, target_name, data| CommMessage {
        kind,
        comm_id,
        target_name,
        data,
        metadata: Map::new(),
    };
    match comm {
        Comm::Open {
            comm_id,
            target_name,
            data,
        } => message(CommKind::Open, comm_id, Some(target_name), data),
        Comm::Msg { comm_id, data } => message(CommKind::Msg, comm_id, None, data),
        Comm::Close { comm_id, data } => message(CommKind::Close, comm_id, None, data),
    }
}

#[cfg(test)]
#[path = "content_tests.rs"]
mod tests;
