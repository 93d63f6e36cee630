//! The transport over real ZeroMQ sockets, serving a stand-in handler ([`Stub`]) and driven by
//! a test frontend: what a Jupyter client sees of framing, signatures, busy/idle, replies,
//! the execute queue, interrupts and shutdown, whatever the kernel behind it does. (The real
//! kernel over sockets: the Spark and auth tests here, and jupyter_kernel_test in Python.)

use crate::harness::stub::Stub;
use crate::harness::{execute_content, Frontend};
use jupyter_kernel::Exit;
use serde_json::json;
use std::time::{Duration, Instant};
use zeromq::{Socket, SocketRecv, SocketSend};

async fn frontend() -> Frontend {
    Frontend::start_with(Stub::default).await
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
    assert_eq!(info["implementation"], "stub");
    assert_eq!(info["language_info"]["name"], "stub");
    assert_eq!(info["banner"], "a stand-in kernel");
    assert_eq!(
        info["help_links"],
        json!([{"text": "help", "url": "https://example.org"}])
    );
    assert!(
        info["supported_features"].is_array(),
        "{:?}",
        info["supported_features"]
    );
    assert_eq!(
        t.reply.header["username"], "stub",
        "headers name the implementation"
    );
    assert_eq!(t.reply.header["version"], "5.4");
    // Also answered on control, while nothing else runs.
    let t = fe.control_request("kernel_info_request", json!({})).await;
    assert_eq!(t.reply.content["implementation"], "stub");
}

#[tokio::test]
async fn an_execute_publishes_input_then_outputs_then_replies_and_counts() {
    let mut fe = frontend().await;
    let t = fe.execute("echo hello, world").await;
    assert_eq!(
        t.kinds(),
        ["status:busy", "execute_input", "stream", "status:idle"]
    );
    assert_eq!(t.outputs("execute_input")[0]["execution_count"], 1);
    assert_eq!(t.stdout(), "hello, world\n");
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.reply.content["execution_count"], 1);
    assert_eq!(t.reply.content["user_expressions"], json!({}));

    let t = fe.execute("result 100").await;
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
    assert_eq!(result["data"], json!({"text/plain": "100"}));
    assert_eq!(result["metadata"], json!({}));
    assert_eq!(t.reply.content["execution_count"], 2);
}

#[tokio::test]
async fn a_failing_cell_shows_one_error_and_replies_error() {
    let mut fe = frontend().await;
    let t = fe.execute("echo before\nfail").await;
    assert_eq!(
        t.kinds(),
        [
            "status:busy",
            "execute_input",
            "stream",
            "error",
            "status:idle"
        ]
    );
    let error = t.outputs("error")[0];
    assert_eq!(error["ename"], "StubError");
    assert_eq!(error["evalue"], "failed on purpose");
    assert_eq!(error["traceback"], json!(["StubError: failed on purpose"]));
    assert_eq!(t.reply.content["status"], "error");
    assert_eq!(t.reply.content["ename"], "StubError");
    assert_eq!(t.reply.content["evalue"], "failed on purpose");
    assert_eq!(t.reply.content["execution_count"], 1);
}

#[tokio::test]
async fn silent_executions_publish_nothing_and_do_not_count() {
    let mut fe = frontend().await;
    let mut content = execute_content("echo quiet");
    content["silent"] = json!(true);
    let t = fe.request("execute_request", content).await;
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    assert_eq!(t.reply.content["status"], "ok");
    let t = fe.execute("echo loud").await;
    assert_eq!(t.reply.content["execution_count"], 1);
}

#[tokio::test]
async fn after_a_failure_queued_cells_are_aborted_when_stop_on_error() {
    let mut fe = frontend().await;
    let first = fe.send_execute("sleep 0.3\nfail").await;
    let second = fe.send_execute("echo never").await;
    let info = fe.send_shell("kernel_info_request", json!({})).await;
    let third = fe.send_execute("echo never either").await;
    assert_eq!(fe.transcript(&first).await.reply.content["status"], "error");
    let t = fe.transcript(&second).await;
    assert_eq!(t.reply.content["status"], "aborted");
    assert!(t.outputs("stream").is_empty(), "{:?}", t.outputs("stream"));
    assert_eq!(
        fe.transcript(&third).await.reply.content["status"],
        "aborted"
    );
    // Requests other than executions are still answered.
    assert_eq!(fe.transcript(&info).await.reply.content["status"], "ok");
    // And the kernel runs the next cell normally.
    assert_eq!(fe.execute("echo again").await.stdout(), "again\n");
}

#[tokio::test]
async fn without_stop_on_error_queued_cells_run() {
    let mut fe = frontend().await;
    let mut failing = execute_content("sleep 0.2\nfail");
    failing["stop_on_error"] = json!(false);
    let first = fe.send_shell("execute_request", failing).await;
    let second = fe.send_execute("echo ran").await;
    assert_eq!(fe.transcript(&first).await.reply.content["status"], "error");
    assert_eq!(fe.transcript(&second).await.stdout(), "ran\n");
}

#[tokio::test]
async fn an_interrupt_on_control_stops_the_running_cell() {
    let mut fe = frontend().await;
    let started = Instant::now();
    let cell = fe.send_execute("sleep 30").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = fe.control_request("interrupt_request", json!({})).await;
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.kinds(), ["status:busy", "status:idle"]);
    let t = fe.transcript(&cell).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?} < {:?}",
        started.elapsed(),
        Duration::from_secs(5)
    );
    assert_eq!(t.reply.content["status"], "error");
    assert_eq!(t.outputs("error")[0]["ename"], "KeyboardInterrupt");
    assert_eq!(fe.execute("echo next").await.stdout(), "next\n");
}

#[tokio::test]
async fn the_callers_stop_ends_a_running_cell_and_the_kernel() {
    let mut fe = frontend().await;
    let cell = fe.send_execute("sleep 60").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = Instant::now();
    // As SIGTERM or a parent that is gone do: the cell must not hold the kernel.
    fe.stop.cancel();
    let t = fe.transcript(&cell).await;
    assert_eq!(
        t.outputs("error")[0]["ename"],
        "KeyboardInterrupt",
        "{:?}",
        t.kinds()
    );
    assert_eq!(fe.exit().await, Exit::Stopped);
    let took = stopped.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the kernel took {took:?} to stop"
    );
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
        &execute_content("echo forged"),
        Some("00ff"),
    );
    fe.shell.send(frames).await.unwrap();
    let t = fe.execute("echo genuine").await;
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
        json!([[1, 1, "echo genuine"]])
    );
    assert!(
        fe.iopub_until_idle_is_empty(&forged_id),
        "a forged request publishes nothing"
    );
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
async fn a_comm_for_an_unknown_target_is_closed_at_once() {
    let mut fe = frontend().await;
    let open = json!({ "comm_id": "c1", "target_name": "nope", "data": {} });
    let id = fe.send_shell("comm_open", open).await;
    let iopub = fe.iopub_until_idle(&id).await;
    let kinds: Vec<&str> = iopub.iter().map(|m| m.msg_type.as_str()).collect();
    assert_eq!(kinds, ["status", "comm_close", "status"]);
    assert_eq!(iopub[1].content["comm_id"], "c1");
    // No reply, and the kernel goes on.
    let t = fe.execute("echo 1").await;
    assert_eq!(t.reply.content["status"], "ok");
}

#[tokio::test]
async fn a_comm_message_to_no_comm_is_dropped_within_busy_and_idle() {
    let mut fe = frontend().await;
    for (msg_type, content) in [
        ("comm_msg", json!({ "comm_id": "none", "data": {} })),
        ("comm_close", json!({ "comm_id": "none", "data": {} })),
        ("comm_msg", json!({ "data": {} })),
    ] {
        let id = fe.send_shell(msg_type, content).await;
        let iopub = fe.iopub_until_idle(&id).await;
        let kinds: Vec<&str> = iopub.iter().map(|m| m.msg_type.as_str()).collect();
        assert_eq!(kinds, ["status", "status"], "{msg_type}");
    }
    let t = fe
        .request("comm_info_request", json!({ "target_name": "nope" }))
        .await;
    assert_eq!(t.reply.content, json!({ "status": "ok", "comms": {} }));
}

#[tokio::test]
async fn is_complete_complete_and_inspect_answer() {
    let mut fe = frontend().await;
    let t = fe
        .request("is_complete_request", json!({ "code": "echo 'open" }))
        .await;
    assert_eq!(
        t.reply.content,
        json!({"status": "incomplete", "indent": ""})
    );
    let t = fe
        .request("is_complete_request", json!({ "code": "echo 1" }))
        .await;
    assert_eq!(t.reply.content["status"], "complete");
    let t = fe
        .request(
            "complete_request",
            json!({ "code": "echo ü wor", "cursor_pos": 10 }),
        )
        .await;
    assert_eq!(t.reply.content["matches"], json!(["completed"]));
    assert_eq!(
        (
            t.reply.content["cursor_start"].clone(),
            t.reply.content["cursor_end"].clone()
        ),
        (json!(7), json!(10))
    );
    // Without a cursor: the end of the code, in code points.
    let t = fe
        .request("complete_request", json!({ "code": "ü x" }))
        .await;
    assert_eq!(t.reply.content["cursor_end"], 3);
    let t = fe
        .request(
            "inspect_request",
            json!({ "code": "known", "cursor_pos": 3, "detail_level": 1 }),
        )
        .await;
    assert_eq!(t.reply.content["found"], true);
    assert_eq!(
        t.reply.content["data"],
        json!({"text/plain": "a known thing"})
    );
    let t = fe
        .request(
            "inspect_request",
            json!({ "code": "other", "cursor_pos": 3, "detail_level": 0 }),
        )
        .await;
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(t.reply.content["found"], false);
}

/// Sends `bytes` on the heartbeat and checks they come back as they went.
async fn assert_heartbeat_echoes(fe: &mut Frontend, bytes: &[u8]) {
    fe.heartbeat
        .send(zeromq::ZmqMessage::from(bytes.to_vec()))
        .await
        .unwrap();
    let echo = tokio::time::timeout(crate::harness::TIMEOUT, fe.heartbeat.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echo.into_vec()[0].as_ref(), bytes);
}

#[tokio::test]
async fn the_heartbeat_echoes_what_it_receives() {
    let mut fe = frontend().await;
    assert_heartbeat_echoes(&mut fe, b"ping-42").await;
}

/// A ZMTP 3.0 greeting (NULL mechanism), then a frame header announcing `length` bytes.
fn hostile_bytes(length: u64) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 0];
    bytes.extend_from_slice(b"NULL");
    bytes.resize(64, 0);
    bytes.push(0x02);
    bytes.extend_from_slice(&length.to_be_bytes());
    bytes
}

#[tokio::test]
async fn frames_announcing_huge_lengths_on_every_port_are_dropped_and_the_kernel_lives() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut fe = frontend().await;
    for length in [1u64 << 62, 1 << 40] {
        for port in fe.ports.clone() {
            let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            raw.write_all(&hostile_bytes(length)).await.unwrap();
            // The guard closes the connection: the read ends (EOF or reset) instead of hanging.
            let mut rest = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut rest)).await;
            assert!(
                read.is_ok(),
                "port {port} kept a connection that announced {length} bytes"
            );
        }
    }
    // Everyone else is still served.
    let t = fe.request("kernel_info_request", json!({})).await;
    assert_eq!(t.reply.content["status"], "ok");
    assert_eq!(fe.execute("echo alive").await.stdout(), "alive\n");
    assert_heartbeat_echoes(&mut fe, b"ping").await;
}

#[tokio::test]
async fn each_iopub_subscription_is_welcomed_as_jep_65_asks() {
    let fe = frontend().await;
    let url = format!("tcp://127.0.0.1:{}", fe.ports[1]);
    // Two clients, as a notebook and a console on one kernel: each is welcomed.
    for _ in 0..2 {
        let topic = "";
        let mut socket = zeromq::SubSocket::new();
        socket.subscribe(topic).await.unwrap();
        socket.connect(&url).await.unwrap();
        let frames = tokio::time::timeout(Duration::from_secs(5), socket.recv())
            .await
            .unwrap_or_else(|_| panic!("no iopub_welcome for the subscription {topic:?} in 5 s"))
            .unwrap();
        let welcome = Frontend::parse(frames);
        assert_eq!(
            welcome.msg_type, "iopub_welcome",
            "the first message a new subscriber gets"
        );
        assert_eq!(welcome.content, json!({ "subscription": topic }));
        assert_eq!(welcome.parent_id, "", "a welcome answers no request");
    }
}
