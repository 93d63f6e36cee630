//! Reply and output contents. Built from `jupyter-protocol`'s types wherever the crate is
//! right; the workarounds for where it falls short of what clients check live here and nowhere
//! else (named in the functions they touch):
//! - null maps: `user_expressions` and `transient` are never null (empty maps instead), which
//!   JupyterLab and jupyter_kernel_test require;
//! - sorted bundles: MIME bundles stay sorted (our `BTreeMap`, not the crate's `HashMap`-based
//!   `Media`), so messages and snapshots are deterministic;
//! - features: `kernel_info_reply` carries `supported_features`, which the crate's struct lacks.
//!
//! Must not: decide a reply's status (the handler and the executor do).

use std::collections::HashMap;

use jupyter_protocol::{
    CompleteReply, ExecuteReply, ExecutionCount, HistoryEntry as WireHistory, HistoryReply,
    IsCompleteReply, ReplyError, ReplyStatus,
};
use serde_json::{json, Map, Value};

use super::handler::{Completion, HistoryEntry, IsComplete, KernelInfo};
use super::request::RequestKind;
use super::wire::PROTOCOL_VERSION;
use crate::output::{Comm, ErrorOutput, MimeBundle, Output, StreamName};

fn to_value(content: impl serde::Serialize) -> Value {
    serde_json::to_value(content).unwrap_or_else(|_| json!({}))
}

/// `kernel_info_reply` (features: with `supported_features`).
pub fn kernel_info(info: &KernelInfo) -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": info.implementation,
        "implementation_version": info.implementation_version,
        "language_info": info.language_info,
        "banner": info.banner,
        "debugger": false,
        "supported_features": [],
        "help_links": info.help_links.iter()
            .map(|(text, url)| json!({ "text": text, "url": url }))
            .collect::<Vec<_>>(),
    })
}

/// `execute_reply` (null maps: `user_expressions` is an empty map, never null).
pub fn execute(count: usize, status: ReplyStatus, error: Option<&ErrorOutput>) -> Value {
    to_value(ExecuteReply {
        status,
        execution_count: ExecutionCount::new(count),
        payload: Vec::new(),
        user_expressions: Some(HashMap::new()),
        error: error.map(|e| Box::new(reply_error(e))),
    })
}

fn reply_error(e: &ErrorOutput) -> ReplyError {
    ReplyError {
        ename: e.ename.clone(),
        evalue: e.evalue.clone(),
        traceback: e.traceback.clone(),
    }
}

/// The `error` output on IOPub.
pub fn error(e: &ErrorOutput) -> Value {
    to_value(jupyter_protocol::ErrorOutput {
        ename: e.ename.clone(),
        evalue: e.evalue.clone(),
        traceback: e.traceback.clone(),
    })
}

/// An error reply to a request the kernel cannot serve.
pub fn failure(ename: &str, evalue: String) -> Value {
    json!({ "status": "error", "ename": ename, "evalue": evalue, "traceback": [] })
}

/// The error reply to a request whose content cannot be used (a history reply keeps its
/// `history` list, which clients read even from an error).
pub fn malformed(kind: RequestKind, problem: &str) -> Value {
    let mut content = failure("BadRequest", problem.to_owned());
    if kind == RequestKind::History {
        content["history"] = Value::Array(Vec::new());
    }
    content
}

/// The IOPub message type and content of an output (null maps and sorted bundles).
pub fn output(output: Output, execution_count: usize) -> (&'static str, Value) {
    let bundle = |data: MimeBundle| Value::Object(Map::from_iter(data));
    match output {
        Output::Stream { name, text } => {
            let content = match name {
                StreamName::Stdout => jupyter_protocol::StreamContent::stdout(&text),
                StreamName::Stderr => jupyter_protocol::StreamContent::stderr(&text),
            };
            ("stream", to_value(content))
        }
        Output::Display { data, display_id } => {
            let transient = match display_id {
                Some(id) => json!({ "display_id": id }),
                None => json!({}),
            };
            (
                "display_data",
                json!({ "data": bundle(data), "metadata": {}, "transient": transient }),
            )
        }
        Output::UpdateDisplay { data, display_id } => (
            "update_display_data",
            json!({
                "data": bundle(data),
                "metadata": {},
                "transient": { "display_id": display_id },
            }),
        ),
        Output::Result { data } => (
            "execute_result",
            json!({ "execution_count": execution_count, "data": bundle(data), "metadata": {} }),
        ),
        Output::Comm(comm) => comm_output(comm),
    }
}

/// A comm message of the kernel's, for IOPub.
fn comm_output(comm: Comm) -> (&'static str, Value) {
    match comm {
        Comm::Open {
            comm_id,
            target_name,
            data,
        } => (
            "comm_open",
            json!({ "comm_id": comm_id, "target_name": target_name, "data": data, "metadata": {} }),
        ),
        Comm::Msg { comm_id, data } => (
            "comm_msg",
            json!({ "comm_id": comm_id, "data": data, "metadata": {} }),
        ),
        Comm::Close { comm_id, data } => (
            "comm_close",
            json!({ "comm_id": comm_id, "data": data, "metadata": {} }),
        ),
    }
}

pub fn is_complete(completeness: IsComplete) -> Value {
    to_value(match completeness {
        IsComplete::Complete => IsCompleteReply::complete(),
        IsComplete::Incomplete { indent } => IsCompleteReply::incomplete(indent),
        IsComplete::Invalid => IsCompleteReply::invalid(),
        IsComplete::Unknown => IsCompleteReply::unknown(),
    })
}

pub fn complete(completion: Completion) -> Value {
    to_value(CompleteReply {
        matches: completion.matches,
        cursor_start: completion.cursor_start,
        cursor_end: completion.cursor_end,
        metadata: completion.metadata,
        status: ReplyStatus::Ok,
        error: None,
    })
}

/// `inspect_reply` (sorted bundles: the bundle stays sorted).
pub fn inspect(found: Option<MimeBundle>) -> Value {
    match found {
        Some(data) => json!({
            "status": "ok", "found": true, "data": Value::Object(Map::from_iter(data)), "metadata": {},
        }),
        None => json!({ "status": "ok", "found": false, "data": {}, "metadata": {} }),
    }
}

pub fn history(entries: Vec<HistoryEntry>, output: bool) -> Value {
    let history = entries
        .into_iter()
        .map(|e| {
            let session = usize::try_from(e.session).unwrap_or(0);
            match output {
                true => WireHistory::InputOutput(
                    session,
                    e.line,
                    (e.input, e.output.unwrap_or_default()),
                ),
                false => WireHistory::Input(session, e.line, e.input),
            }
        })
        .collect();
    to_value(HistoryReply::new(history))
}

/// `comm_info_reply`: the open comms, of `target_name` only when given.
pub fn comm_info(comms: Vec<(String, String)>, target_name: Option<&str>) -> Value {
    let comms: Map<String, Value> = comms
        .into_iter()
        .filter(|(_, target)| target_name.is_none_or(|t| t == target))
        .map(|(id, target)| (id, json!({ "target_name": target })))
        .collect();
    json!({ "status": "ok", "comms": comms })
}

pub fn interrupt() -> Value {
    to_value(jupyter_protocol::InterruptReply::new())
}

pub fn shutdown(restart: bool) -> Value {
    to_value(jupyter_protocol::ShutdownReply {
        restart,
        status: ReplyStatus::Ok,
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_become_messages_with_empty_transients_never_null() {
        let mut data = MimeBundle::new();
        data.insert("text/plain".into(), json!("1"));
        let display = Output::Display {
            data: data.clone(),
            display_id: None,
        };
        let (kind, content) = output(display, 3);
        assert_eq!(kind, "display_data");
        assert_eq!(content["transient"], json!({}));
        let (kind, content) = output(Output::Result { data }, 3);
        assert_eq!(kind, "execute_result");
        assert_eq!(content["execution_count"], 3);
        assert!(content.get("transient").is_none());
    }

    #[test]
    fn typed_replies_have_the_fields_clients_check() {
        let ok = execute(2, ReplyStatus::Ok, None);
        assert_eq!(ok["user_expressions"], json!({}));
        assert_eq!(
            (ok["status"].clone(), ok["execution_count"].clone()),
            (json!("ok"), json!(2))
        );
        assert!(ok.get("ename").is_none());
        let e = ErrorOutput {
            ename: "E".into(),
            evalue: "v".into(),
            traceback: vec!["t".into()],
        };
        let failed = execute(3, ReplyStatus::Error, Some(&e));
        assert_eq!(failed["status"], "error");
        assert_eq!(failed["ename"], "E");
        assert_eq!(failed["traceback"], json!(["t"]));
        assert_eq!(execute(3, ReplyStatus::Aborted, None)["status"], "aborted");
        let incomplete = is_complete(IsComplete::Incomplete {
            indent: "  ".into(),
        });
        assert_eq!(incomplete, json!({"status": "incomplete", "indent": "  "}));
        assert_eq!(shutdown(true), json!({"status": "ok", "restart": true}));
        assert_eq!(
            comm_info(Vec::new(), None),
            json!({"status": "ok", "comms": {}})
        );
        let comms = vec![
            ("a".to_owned(), "t1".to_owned()),
            ("b".to_owned(), "t2".to_owned()),
        ];
        assert_eq!(
            comm_info(comms, Some("t2")),
            json!({"status": "ok", "comms": {"b": {"target_name": "t2"}}})
        );
        let entry = HistoryEntry {
            session: 0,
            line: 4,
            input: "SELECT 1".into(),
            output: None,
        };
        assert_eq!(
            history(vec![entry], false)["history"],
            json!([[0, 4, "SELECT 1"]])
        );
    }
}
