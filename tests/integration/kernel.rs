//! The kernel over real ZeroMQ sockets, driven by a test frontend. Each test reads as a
//! transcript of what a Jupyter client sees.

use crate::harness::{execute_content, settings, Frontend};
use serde_json::json;
use spark_sql_kernel::jupyter::Exit;
use std::time::{Duration, Instant};
use zeromq::{SocketRecv, SocketSend};

async fn frontend() -> Frontend {
    Frontend::start(settings(&[])).await
}

#[tokio::test]
async fn kernel_info_is_wrapped_in_busy_and_idle_and_describes_sql() {
    let mut fe = frontend().await;
    let t = fe.request("kernel_info_request", json!({})).await;
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    let info = &t.reply.content;
    assert_eq!(t.reply.msg_type, "kernel_info_reply");
    assert_eq!(info["status"], "ok");
    assert_eq!(info["protocol_version"], "5.4");
    assert_eq!(info["implementation"], "spark-sql-kernel");
    assert_eq!(info["language_info"]["name"], "sql");
    assert_eq!(info["language_info"]["file_extension"], ".sql");
    assert_eq!(info["language_info"]["codemirror_mode"], "sql");
    assert!(info["banner"]
        .as_str()
        .unwrap()
        .contains(env!("CARGO_PKG_VERSION")));
    assert!(info["supported_features"].is_array());
    assert_eq!(t.reply.header["username"], "spark-sql-kernel");
    assert_eq!(t.reply.header["version"], "5.4");
    // Also answered on control, while nothing else runs.
    let t = fe.control_request("kernel_info_request", json!({})).await;
    assert_eq!(t.reply.content["implementation"], "spark-sql-kernel");
}

#[tokio::test]
async fn an_execute_publishes_input_then_outputs_then_replies_and_counts() {
    let mut fe = frontend().await;
    let t = fe.execute("%echo hello, world").await;
    assert_eq!(
        t.kinds(),
        ["status:busy", "execute_input", "stream", "status:idle"]
    );
    assert_eq!(t.outputs("execute_input")[0]["execution_count"], 1);
    assert_eq!(t.stdout(), "hello, world\n");
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.reply.content["execution_count"], 1);
    assert_eq!(t.reply.content["user_expressions"], json!({}));

    let t = fe.execute("%limit").await;
    assert_eq!(
        t.kinds(),
        [
            "status:busy",
            "execute_input",
            "execute_result",
            "status:idle"
        ]
    );
    let result = t.outputs("execute_result")[0];
    assert_eq!(result["execution_count"], 2);
    assert_eq!(result["data"]["text/plain"], "100");
    assert_eq!(t.reply.content["execution_count"], 2);
}

#[tokio::test]
async fn a_failing_cell_shows_one_error_and_replies_error() {
    let mut fe = frontend().await;
    let t = fe.execute("%nosuchmagic").await;
    assert_eq!(
        t.kinds(),
        ["status:busy", "execute_input", "error", "status:idle"]
    );
    let error = t.outputs("error")[0];
    assert_eq!(error["ename"], "UsageError");
    let evalue = error["evalue"].as_str().unwrap();
    assert!(
        evalue.contains("%nosuchmagic") && evalue.contains("%lsmagic"),
        "{evalue}"
    );
    assert_eq!(t.reply.content["status"], "error");
    assert_eq!(t.reply.content["ename"], "UsageError");
    assert_eq!(t.reply.content["execution_count"], 1);
}

#[tokio::test]
async fn silent_executions_publish_nothing_and_do_not_count() {
    let mut fe = frontend().await;
    let mut content = execute_content("%echo quiet");
    content["silent"] = json!(true);
    let t = fe.request("execute_request", content).await;
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    assert_eq!(t.reply.content["status"], "ok");
    let t = fe.execute("%echo loud").await;
    assert_eq!(t.reply.content["execution_count"], 1);
}

#[tokio::test]
async fn after_a_failure_queued_cells_are_aborted_when_stop_on_error() {
    let mut fe = frontend().await;
    let first = fe
        .send_shell("execute_request", execute_content("%sleep 0.3\n%nosuch"))
        .await;
    let second = fe
        .send_shell("execute_request", execute_content("%echo never"))
        .await;
    let info = fe.send_shell("kernel_info_request", json!({})).await;
    let third = fe
        .send_shell("execute_request", execute_content("%echo never either"))
        .await;
    assert_eq!(fe.transcript(&first).await.reply.content["status"], "error");
    let t = fe.transcript(&second).await;
    assert_eq!(t.reply.content["status"], "aborted");
    assert!(t.outputs("stream").is_empty());
    assert_eq!(
        fe.transcript(&third).await.reply.content["status"],
        "aborted"
    );
    // Requests other than executions are still answered.
    assert_eq!(fe.transcript(&info).await.reply.content["status"], "ok");
    // And the kernel runs the next cell normally.
    assert_eq!(fe.execute("%echo again").await.stdout(), "again\n");
}

#[tokio::test]
async fn without_stop_on_error_queued_cells_run() {
    let mut fe = frontend().await;
    let mut failing = execute_content("%sleep 0.2\n%nosuch");
    failing["stop_on_error"] = json!(false);
    let first = fe.send_shell("execute_request", failing).await;
    let second = fe
        .send_shell("execute_request", execute_content("%echo ran"))
        .await;
    assert_eq!(fe.transcript(&first).await.reply.content["status"], "error");
    assert_eq!(fe.transcript(&second).await.stdout(), "ran\n");
}

#[tokio::test]
async fn an_interrupt_on_control_stops_the_running_cell() {
    let mut fe = frontend().await;
    let started = Instant::now();
    let cell = fe
        .send_shell("execute_request", execute_content("%sleep 30"))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = fe.control_request("interrupt_request", json!({})).await;
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    let t = fe.transcript(&cell).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(t.reply.content["status"], "error");
    assert_eq!(t.outputs("error")[0]["ename"], "KeyboardInterrupt");
    assert_eq!(fe.execute("%echo next").await.stdout(), "next\n");
}

#[tokio::test]
async fn shutdown_with_restart_replies_and_stops_the_kernel() {
    let mut fe = frontend().await;
    let t = fe
        .control_request("shutdown_request", json!({ "restart": true }))
        .await;
    assert_eq!(t.reply.content, json!({ "status": "ok", "restart": true }));
    assert_eq!(fe.exit().await, Exit::Shutdown { restart: true });
}

#[tokio::test]
async fn a_forged_message_is_dropped_and_never_executed() {
    let mut fe = frontend().await;
    let (forged_id, frames) = fe.frames(
        "execute_request",
        &execute_content("%echo forged"),
        Some("00ff"),
    );
    fe.shell.send(frames).await.unwrap();
    let t = fe.execute("%echo genuine").await;
    assert_eq!(
        t.reply.content["execution_count"], 1,
        "the forged cell must not count"
    );
    assert_eq!(t.stdout(), "genuine\n");
    let history = fe
        .request(
            "history_request",
            json!({ "hist_access_type": "tail", "n": 10, "output": false, "raw": true }),
        )
        .await;
    assert_eq!(
        history.reply.content["history"],
        json!([[1, 1, "%echo genuine"]])
    );
    assert!(fe.iopub_until_idle_is_empty(&forged_id));
}

#[tokio::test]
async fn garbage_on_the_shell_socket_leaves_the_kernel_answering() {
    let mut fe = frontend().await;
    fe.shell
        .send(zeromq::ZmqMessage::from(b"not a jupyter message".to_vec()))
        .await
        .unwrap();
    fe.shell
        .send(zeromq::ZmqMessage::from(b"<IDS|MSG>".to_vec()))
        .await
        .unwrap();
    let t = fe.request("kernel_info_request", json!({})).await;
    assert_eq!(t.reply.content["status"], "ok");
}

#[tokio::test]
async fn odd_requests_still_get_answers() {
    let mut fe = frontend().await;
    // A search without `n` (jupyter_client's own default omits nothing, others do).
    let t = fe
        .request(
            "history_request",
            json!({ "hist_access_type": "search", "pattern": "*" }),
        )
        .await;
    assert_eq!(t.reply.content["status"], "ok");
    // Not valid at all: still a reply, with an error.
    let t = fe.request("history_request", json!({})).await;
    assert_eq!(t.reply.content["status"], "error");
    let t = fe
        .request("execute_request", json!({ "silent": false }))
        .await;
    assert_eq!(t.reply.content["status"], "error");
    let t = fe.request("made_up_request", json!({})).await;
    assert_eq!(t.reply.msg_type, "made_up_reply");
    assert_eq!(t.reply.content["status"], "error");
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    let t = fe.request("comm_info_request", json!({})).await;
    assert_eq!(t.reply.content, json!({ "status": "ok", "comms": {} }));
}

#[tokio::test]
async fn is_complete_complete_and_inspect_answer() {
    let mut fe = frontend().await;
    let status =
        |t: &crate::harness::Transcript| t.reply.content["status"].as_str().unwrap().to_owned();
    let t = fe
        .request("is_complete_request", json!({ "code": "SELECT 'open" }))
        .await;
    assert_eq!(status(&t), "incomplete");
    let t = fe
        .request("is_complete_request", json!({ "code": "SELECT 1" }))
        .await;
    assert_eq!(status(&t), "complete");
    let t = fe
        .request(
            "complete_request",
            json!({ "code": "%ls", "cursor_pos": 3 }),
        )
        .await;
    assert_eq!(t.reply.content["matches"], json!(["%lsmagic"]));
    assert_eq!(t.reply.content["cursor_start"], 0);
    let t = fe
        .request(
            "inspect_request",
            json!({ "code": "SELECT", "cursor_pos": 3, "detail_level": 0 }),
        )
        .await;
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.reply.content["found"], false);
}

#[tokio::test]
async fn the_heartbeat_echoes_what_it_receives() {
    let mut fe = frontend().await;
    fe.heartbeat
        .send(zeromq::ZmqMessage::from(b"ping-42".to_vec()))
        .await
        .unwrap();
    let echo = tokio::time::timeout(crate::harness::TIMEOUT, fe.heartbeat.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echo.into_vec()[0].as_ref(), b"ping-42");
}
