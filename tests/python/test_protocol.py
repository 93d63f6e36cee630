"""What a kernel conformance suite checks (runtimed's kernel-testbed, which is on no registry
reachable here), against the installed kernel through jupyter_client: heartbeat, kernel_info,
the status lifecycle, execute_input, results and displays, update_display_data, complete,
inspect, is_complete both ways, history, comms, error replies, the execution count, parent
headers and shutdown. docs/testing.md maps each point to its tests (comms in full:
test_explorer.py; interrupt, and shutdown in more ways: test_client.py).
"""

import time

import zmq

from test_client import TIMEOUT, iopub_of, kernel, run  # noqa: F401 (kernel: a fixture)


def request(kc, msg_type, content, channel="shell"):
    """Sends a request; returns (reply, [its IOPub messages up to idle])."""
    msg = kc.session.msg(msg_type, content)
    getattr(kc, f"{channel}_channel").send(msg)
    get = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
    reply = get(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg["header"]["msg_id"], reply
    return reply, iopub_of(kc, msg["header"]["msg_id"])


def test_the_heartbeat_echoes_bytes(kernel):
    km, kc = kernel
    info = km.get_connection_info()
    socket = zmq.Context.instance().socket(zmq.REQ)
    socket.linger = 0
    socket.connect(f"tcp://{info['ip']}:{info['hb_port']}")
    socket.send(b"ping \x00\xff")
    assert socket.poll(5000), "no heartbeat echo in 5 s"
    assert socket.recv() == b"ping \x00\xff"
    socket.close()


def test_kernel_info_describes_spark_sql(kernel):
    km, kc = kernel
    reply, outputs = request(kc, "kernel_info_request", {})
    content = reply["content"]
    assert content["status"] == "ok"
    assert content["protocol_version"].startswith("5."), content
    language = content["language_info"]
    assert (language["name"], language["file_extension"]) == ("sql", ".sql"), language
    assert language["mimetype"], "language_info names a MIME type"
    assert content["implementation"] == "spark-sql-kernel", content
    assert reply["header"]["username"] == "spark-sql-kernel", reply["header"]


def test_every_request_is_wrapped_in_one_busy_and_one_idle(kernel):
    km, kc = kernel
    for msg_type, content in [
        ("kernel_info_request", {}),
        ("complete_request", {"code": "SEL", "cursor_pos": 3}),
        ("inspect_request", {"code": "%limit", "cursor_pos": 2, "detail_level": 0}),
        ("is_complete_request", {"code": "SELECT 1"}),
        ("history_request", {"hist_access_type": "tail", "n": 3, "output": False, "raw": True}),
        ("comm_info_request", {}),
        ("execute_request", {"code": "%echo x", "silent": False}),
    ]:
        reply, outputs = request(kc, msg_type, content)
        states = [m["content"]["execution_state"] for m in outputs if m["msg_type"] == "status"]
        assert states == ["busy", "idle"], (msg_type, states)
        assert outputs[0]["msg_type"] == "status", (msg_type, outputs[0])
        assert reply["msg_type"] == msg_type.replace("_request", "_reply")


def test_execute_input_results_displays_and_the_count(kernel):
    km, kc = kernel
    first, outputs = run(kc, "%lsmagic\n%limit")
    count = first["content"]["execution_count"]
    kinds = [m["msg_type"] for m in outputs]
    assert kinds == ["status", "execute_input", "display_data", "execute_result", "status"], kinds
    execute_input = outputs[1]["content"]
    assert execute_input == {"code": "%lsmagic\n%limit", "execution_count": count}
    assert "text/html" in outputs[2]["content"]["data"]
    result = outputs[3]["content"]
    assert result["execution_count"] == count
    assert result["data"]["text/plain"] == "100"
    second, _ = run(kc, "%echo again")
    assert second["content"]["execution_count"] == count + 1, "one more per execution"
    run(kc, "%echo quiet", silent=True)
    run(kc, "%echo unstored", store_history=False)
    third, _ = run(kc, "%echo counted")
    assert third["content"]["execution_count"] == count + 2, "silent and unstored do not count"


def test_every_message_of_a_request_carries_its_parent(kernel):
    km, kc = kernel
    msg_id = kc.execute("%lsmagic\n%echo out\n%warn err\n%limit")
    kc.get_shell_msg(timeout=TIMEOUT)
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        seen.append(msg)
        done = msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
        if done and msg["parent_header"].get("msg_id") == msg_id:
            break
    ours = [m for m in seen if m["msg_type"] != "iopub_welcome"]
    strays = [m["msg_type"] for m in ours if m["parent_header"].get("msg_id") != msg_id]
    assert ours and not strays, f"messages without this request as parent: {strays}"
    kinds = [m["msg_type"] for m in ours]
    assert kinds.count("stream") == 2, kinds


def test_complete_inspect_and_is_complete_both_ways(kernel):
    km, kc = kernel
    reply, _ = request(kc, "complete_request", {"code": "SELECT 1 ORD", "cursor_pos": 12})
    content = reply["content"]
    assert "ORDER" in content["matches"], content
    assert (content["cursor_start"], content["cursor_end"]) == (9, 12), content
    reply, _ = request(kc, "inspect_request", {"code": "%limit", "cursor_pos": 3, "detail_level": 0})
    assert reply["content"]["found"] is True, reply["content"]
    assert "%limit" in reply["content"]["data"]["text/plain"]
    for code, status in [("SELECT 1", "complete"), ("SELECT * FROM", "incomplete"),
                         ("SELECT 'open", "incomplete"), ("SELECT 1)", "invalid")]:
        reply, _ = request(kc, "is_complete_request", {"code": code})
        assert reply["content"]["status"] == status, (code, reply["content"])
        if status == "incomplete":
            assert "indent" in reply["content"], reply["content"]


def test_history_lists_what_ran(kernel):
    km, kc = kernel
    run(kc, "%echo first")
    run(kc, "%limit")
    reply, _ = request(kc, "history_request",
                       {"hist_access_type": "tail", "n": 2, "output": False, "raw": True})
    entries = reply["content"]["history"]
    assert [entry[2] for entry in entries] == ["%echo first", "%limit"], entries
    reply, _ = request(kc, "history_request",
                       {"hist_access_type": "search", "pattern": "%echo*", "n": 10,
                        "output": False, "raw": True, "unique": True})
    assert [entry[2] for entry in reply["content"]["history"]] == ["%echo first"]


def test_an_error_reply_names_the_error_and_the_kernel_carries_on(kernel):
    km, kc = kernel
    reply, outputs = run(kc, "%no_such_magic")
    content = reply["content"]
    assert content["status"] == "error", content
    assert content["ename"] and content["evalue"], content
    assert isinstance(content["traceback"], list), content
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == content["ename"]
    reply, _ = run(kc, "%echo still here")
    assert reply["content"]["status"] == "ok"


def test_comm_messages_without_a_target_or_comm_are_answered_on_iopub_only(kernel):
    km, kc = kernel
    for msg_type, content, expected in [
        ("comm_open", {"comm_id": "c-2", "target_name": "nope", "data": {}},
         ["status", "comm_close", "status"]),
        ("comm_msg", {"comm_id": "c-unknown", "data": {"x": 1}}, ["status", "status"]),
        ("comm_close", {"comm_id": "c-unknown", "data": {}}, ["status", "status"]),
    ]:
        msg = kc.session.msg(msg_type, content)
        kc.shell_channel.send(msg)
        kinds = [m["msg_type"] for m in iopub_of(kc, msg["header"]["msg_id"])]
        assert kinds == expected, (msg_type, kinds)
    reply, _ = request(kc, "comm_info_request", {})
    assert reply["content"]["comms"] == {}, "no comm stayed open"


def test_shutdown_replies_on_control_and_the_process_ends(kernel):
    km, kc = kernel
    reply, _ = request(kc, "shutdown_request", {"restart": False}, channel="control")
    assert reply["content"] == {"status": "ok", "restart": False}, reply["content"]
    deadline = time.monotonic() + 10
    while km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not km.is_alive(), "the kernel process ended within 10 s"


def test_a_running_statement_updates_its_line_in_place(spark_kernel):
    km, kc = spark_kernel
    reply, outputs = run(kc, "SELECT reflect('java.lang.Thread', 'sleep', bigint(3500)) AS slept",
                         timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    shown = [m for m in outputs if m["msg_type"] == "display_data"
             and m["content"].get("transient", {}).get("display_id")]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert shown and updates, [m["msg_type"] for m in outputs]
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert all(m["content"]["transient"]["display_id"] == display_id for m in updates)
