//! Unit tests of decoding requests and naming their replies.

use bytes::Bytes;
use jupyter_protocol::Header;
use serde_json::{json, Value};

use super::*;
use crate::output::Comm;

fn incoming(msg_type: &str, content: Value) -> Incoming {
    Incoming {
        identities: vec![Bytes::from_static(b"client")],
        header: Header {
            msg_id: "m1".into(),
            username: "u".into(),
            session: "s".into(),
            date: chrono::Utc::now(),
            msg_type: msg_type.into(),
            version: "5.4".into(),
        },
        content,
    }
}

fn decode(msg_type: &str, content: Value) -> Request {
    Request::decode(&incoming(msg_type, content))
}

#[test]
fn an_execute_request_takes_the_protocols_defaults() {
    let request = decode("execute_request", json!({"code": "SELECT 1"}));
    let expected = ExecuteRequest {
        code: "SELECT 1".into(),
        silent: false,
        store_history: true,
        stop_on_error: true,
    };
    assert_eq!(request, Request::Execute(expected));
}

#[test]
fn a_silent_execution_is_not_stored_in_history() {
    let request = decode(
        "execute_request",
        json!({"code": "SELECT 1", "silent": true, "store_history": true}),
    );
    let Request::Execute(execute) = request else {
        panic!("not an execution: {request:?}");
    };
    assert!(!execute.store_history, "{:?}", execute.store_history);
}

#[test]
fn an_execute_request_without_code_is_malformed_and_still_answered() {
    let request = decode("execute_request", json!({"silent": false}));
    assert!(
        matches!(
            request,
            Request::Malformed {
                kind: RequestKind::Execute,
                ..
            }
        ),
        "{request:?}"
    );
    assert_eq!(request.reply_type().as_deref(), Some("execute_reply"));
}

#[test]
fn a_cursor_defaults_to_the_end_of_the_code_in_code_points() {
    let request = decode("complete_request", json!({"code": "SELECT é"}));
    let expected = Cursor {
        code: "SELECT é".into(),
        position: 8,
    };
    assert_eq!(request, Request::Complete(expected));
}

#[test]
fn inspect_detail_is_zero_or_one() {
    let request = decode(
        "inspect_request",
        json!({"code": "x", "cursor_pos": 1, "detail_level": 2}),
    );
    assert!(
        matches!(request, Request::Inspect(InspectRequest { detail: 1, .. })),
        "{request:?}"
    );
}

#[test]
fn a_history_search_without_n_or_pattern_takes_all_and_star() {
    let request = decode("history_request", json!({"hist_access_type": "search"}));
    let query = HistoryQuery::Search {
        pattern: "*".into(),
        n: None,
        unique: false,
    };
    let expected = Request::History(HistoryRequest {
        query,
        output: false,
    });
    assert_eq!(request, expected);
}

#[test]
fn a_history_tail_without_n_takes_everything() {
    let request = decode(
        "history_request",
        json!({"hist_access_type": "tail", "output": true}),
    );
    let expected = Request::History(HistoryRequest {
        query: HistoryQuery::Tail { n: usize::MAX },
        output: true,
    });
    assert_eq!(request, expected);
}

#[test]
fn an_unknown_history_access_is_malformed() {
    let request = decode("history_request", json!({"hist_access_type": "everything"}));
    assert!(
        matches!(
            request,
            Request::Malformed {
                kind: RequestKind::History,
                ..
            }
        ),
        "{request:?}"
    );
}

#[test]
fn a_shutdown_says_whether_to_restart() {
    let request = decode("shutdown_request", json!({"restart": true}));
    assert_eq!(request, Request::Shutdown { restart: true });
}

#[test]
fn replies_are_named_after_their_requests() {
    let names = [
        ("kernel_info_request", "kernel_info_reply"),
        ("is_complete_request", "is_complete_reply"),
        ("comm_info_request", "comm_info_reply"),
        ("interrupt_request", "interrupt_reply"),
        ("debug_request", "debug_reply"),
        ("odd", "odd_reply"),
    ];
    for (request, reply) in names {
        let decoded = decode(request, json!({}));
        assert_eq!(decoded.reply_type().as_deref(), Some(reply), "{request}");
    }
}

#[test]
fn comm_messages_get_no_reply() {
    for msg_type in ["comm_open", "comm_msg", "comm_close"] {
        assert_eq!(decode(msg_type, json!({})).reply_type(), None, "{msg_type}");
    }
}

#[test]
fn a_comm_open_keeps_its_id_target_and_data() {
    let request = decode(
        "comm_open",
        json!({"comm_id": "c1", "target_name": "t", "data": {"x": 1}}),
    );
    let expected = Comm::Open {
        comm_id: "c1".into(),
        target_name: "t".into(),
        data: json!({"x": 1}),
    };
    assert_eq!(request, Request::Comm(expected));
}

#[test]
fn a_comm_message_without_data_has_an_empty_object() {
    let request = decode("comm_msg", json!({"comm_id": "c1"}));
    let expected = Comm::Msg {
        comm_id: "c1".into(),
        data: json!({}),
    };
    assert_eq!(request, Request::Comm(expected));
}

#[test]
fn a_comm_open_without_a_target_is_dropped() {
    let request = decode("comm_open", json!({"comm_id": "c1"}));
    assert!(matches!(request, Request::BadComm(_)), "{request:?}");
}

#[test]
fn comm_info_may_ask_for_one_target() {
    let request = decode("comm_info_request", json!({"target_name": "t"}));
    let expected = Request::CommInfo {
        target_name: Some("t".into()),
    };
    assert_eq!(request, expected);
}
