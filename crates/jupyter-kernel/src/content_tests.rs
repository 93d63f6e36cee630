//! The contents clients read: the fields they check, never a null map, sorted bundles.

use serde_json::json;

use super::*;

#[track_caller]
fn value(content: &impl Content) -> Value {
    serde_json::to_value(content).expect("contents serialize")
}

#[test]
fn outputs_become_messages_with_empty_transients_never_null() {
    let mut data = MimeBundle::new();
    data.insert("text/plain".into(), json!("1"));
    let display = output(
        Output::Display {
            data: data.clone(),
            display_id: None,
        },
        3,
    );
    assert_eq!(display.msg_type(), "display_data");
    assert_eq!(value(&display)["transient"], json!({}), "never null");
    let update = output(
        Output::UpdateDisplay {
            data: data.clone(),
            display_id: "d1".into(),
        },
        3,
    );
    assert_eq!(update.msg_type(), "update_display_data");
    assert_eq!(value(&update)["transient"], json!({"display_id": "d1"}));
    let result = output(Output::Result { data }, 3);
    assert_eq!(result.msg_type(), "execute_result");
    assert_eq!(value(&result)["execution_count"], 3);
    assert!(
        value(&result).get("transient").is_none(),
        "{}",
        value(&result)
    );
}

#[test]
fn comm_messages_carry_their_target_only_when_opening() {
    let open = output(
        Output::Comm(Comm::Open {
            comm_id: "c".into(),
            target_name: "t".into(),
            data: json!({"a": 1}),
        }),
        0,
    );
    assert_eq!(open.msg_type(), "comm_open");
    assert_eq!(
        value(&open),
        json!({"comm_id": "c", "target_name": "t", "data": {"a": 1}, "metadata": {}})
    );
    let close = output(
        Output::Comm(Comm::Close {
            comm_id: "c".into(),
            data: json!({}),
        }),
        0,
    );
    assert_eq!(close.msg_type(), "comm_close");
    assert_eq!(
        value(&close),
        json!({"comm_id": "c", "data": {}, "metadata": {}})
    );
}

#[test]
fn replies_have_the_fields_clients_check() {
    let ok = Reply::Execute(execute(2, ReplyStatus::Ok, None));
    assert_eq!(ok.msg_type(), "execute_reply");
    let ok = value(&ok);
    assert_eq!(ok["user_expressions"], json!({}), "never null");
    assert_eq!(
        (&ok["status"], &ok["execution_count"]),
        (&json!("ok"), &json!(2))
    );
    assert!(ok.get("ename").is_none(), "{ok}");
    let e = ErrorOutput {
        ename: "E".into(),
        evalue: "v".into(),
        traceback: vec!["t".into()],
    };
    let failed = value(&Reply::Execute(execute(3, ReplyStatus::Error, Some(&e))));
    assert_eq!(
        (&failed["status"], &failed["ename"], &failed["traceback"]),
        (&json!("error"), &json!("E"), &json!(["t"]))
    );
    let aborted = value(&Reply::Execute(execute(3, ReplyStatus::Aborted, None)));
    assert_eq!(aborted["status"], "aborted");
    let incomplete = value(&Reply::IsComplete(IsCompleteReply::incomplete("  ".into())));
    assert_eq!(incomplete, json!({"status": "incomplete", "indent": "  "}));
    assert_eq!(
        value(&Reply::Shutdown(shutdown(true))),
        json!({"status": "ok", "restart": true})
    );
}

#[test]
fn comm_info_lists_the_open_comms_of_a_target() {
    assert_eq!(
        value(&Reply::CommInfo(comm_info(Vec::new(), None))),
        json!({"status": "ok", "comms": {}})
    );
    let open = |id: &str, target: &str| OpenComm {
        comm_id: id.into(),
        target_name: target.into(),
    };
    let comms = vec![open("a", "t1"), open("b", "t2")];
    assert_eq!(
        value(&Reply::CommInfo(comm_info(comms, Some("t2")))),
        json!({"status": "ok", "comms": {"b": {"target_name": "t2"}}})
    );
}

#[test]
fn error_replies_are_named_after_their_request_and_a_history_keeps_its_list() {
    let unsupported = Reply::Error(ErrorReply::new(
        "foo_reply",
        "UnsupportedRequest",
        "no".into(),
    ));
    assert_eq!(unsupported.msg_type(), "foo_reply");
    assert_eq!(
        value(&unsupported),
        json!({"status": "error", "ename": "UnsupportedRequest", "evalue": "no", "traceback": []})
    );
    let history = Reply::Error(ErrorReply::malformed(RequestKind::History, "bad"));
    assert_eq!(history.msg_type(), "history_reply");
    assert_eq!(value(&history)["history"], json!([]));
}

#[test]
fn an_inspection_keeps_its_bundle_sorted() {
    let mut data = MimeBundle::new();
    data.insert("text/plain".into(), json!("p"));
    data.insert("text/html".into(), json!("h"));
    let text = serde_json::to_string(&Reply::Inspect(InspectReply::found(data))).unwrap();
    let html = text.find("text/html").unwrap_or(usize::MAX);
    let plain = text.find("text/plain").unwrap_or(0);
    assert!(html < plain, "sorted: {text}");
    let nothing = value(&Reply::Inspect(InspectReply::not_found()));
    assert_eq!(
        nothing,
        json!({"status": "ok", "found": false, "data": {}, "metadata": {}})
    );
}
