"""The kernel as jupyter_client sees it: signatures, garbage, interrupt, restart."""

import json
import os
import time

import pytest
import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

KERNEL = "spark-sql-kbase"
TIMEOUT = 15


@pytest.fixture
def kernel(tmp_path):
    # A journal of its own: history starts with this kernel's cells.
    env = dict(os.environ, SPARK_SQL_KERNEL_JOURNAL=str(tmp_path / "journal.sqlite"))
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code, timeout=TIMEOUT, **kwargs):
    """Executes code; returns (reply, [iopub messages of this request up to idle])."""
    msg_id = kc.execute(code, **kwargs)
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply, iopub_of(kc, msg_id, timeout)


def iopub_of(kc, msg_id, timeout=TIMEOUT):
    """The IOPub messages of request `msg_id`, up to its idle."""
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        outputs.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return outputs


def stdout(outputs):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")


def test_a_message_with_a_forged_signature_is_not_executed(kernel):
    km, kc = kernel
    forger = Session(key=b"not-the-real-key", username="mallory")
    stream = kc.shell_channel.socket
    forged = forger.msg("execute_request", content={
        "code": "%echo forged", "silent": False, "store_history": True,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
    })
    forger.send(stream, forged)
    time.sleep(0.5)
    reply, outputs = run(kc, "%echo genuine")
    assert reply["content"]["execution_count"] == 1, "the forged cell must not count"
    assert stdout(outputs) == "genuine\n"
    assert kc.is_alive()
    # Nothing on IOPub ever names the forged request.
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=0.3)
        except Exception:
            break
        assert msg["parent_header"].get("msg_id") != forged["header"]["msg_id"]


def test_garbage_on_the_shell_socket_leaves_the_kernel_answering(kernel):
    km, kc = kernel
    info = km.get_connection_info()
    ctx = zmq.Context.instance()
    raw = ctx.socket(zmq.DEALER)
    raw.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    raw.send_multipart([b"garbage"])
    raw.send_multipart([b"<IDS|MSG>", b"nosig", b"{", b"}", b"{}", b"{}"])
    raw.send_multipart([b"<IDS|MSG>"])
    raw.close()
    time.sleep(0.3)
    reply = kc.kernel_info(reply=True, timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    reply, outputs = run(kc, "%echo still here")
    assert stdout(outputs) == "still here\n"


def test_interrupt_stops_a_running_cell_and_the_kernel_carries_on(kernel):
    km, kc = kernel
    msg_id = kc.execute("%sleep 60")
    time.sleep(0.5)
    started = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert time.monotonic() - started < 2
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    reply, outputs = run(kc, "%echo after")
    assert stdout(outputs) == "after\n"


def test_restart_gives_a_fresh_kernel(kernel):
    km, kc = kernel
    run(kc, "%limit 7")
    first_pid = km.provisioner.process.pid
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=TIMEOUT)
    assert km.provisioner.process.pid != first_pid
    reply, outputs = run(kc, "%limit")
    results = [m for m in outputs if m["msg_type"] == "execute_result"]
    assert results[0]["content"]["data"]["text/plain"] == "100", "a restart starts from scratch"
    assert reply["content"]["execution_count"] == 1


def test_shutdown_ends_the_process(kernel):
    km, kc = kernel
    process = km.provisioner.process
    reply = kc.shutdown(restart=False)
    msg = kc.get_control_msg(timeout=TIMEOUT) if hasattr(kc, "get_control_msg") else None
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() == 0
    if msg is not None:
        assert msg["content"]["status"] == "ok"


PARENT = """
import sys, time
from jupyter_client import KernelManager
km = KernelManager(kernel_name="spark-sql-kbase")
km.start_kernel(stderr=open(sys.argv[1], "w"))
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=30)
kc.execute_interactive("SELECT 1 AS one", timeout=120, output_hook=lambda msg: None)
print(km.provisioner.process.pid, flush=True)
time.sleep(600)
"""


def gone(pid):
    """The process no longer runs (it exited, or only its zombie waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_the_kernel_stops_cleanly_when_the_process_that_started_it_is_killed(spark_env, tmp_path):
    import subprocess
    import sys

    script, log = tmp_path / "parent.py", tmp_path / "kernel.log"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(log)], stdout=subprocess.PIPE, text=True,
                              env=dict(spark_env, SPARK_SQL_KERNEL_LOG="info"))
    pid = int(parent.stdout.readline())
    assert not gone(pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while not gone(pid):
        assert time.monotonic() < deadline, "the kernel outlived its parent by 10 s"
        time.sleep(0.2)
    text = log.read_text()
    assert "the process that started the kernel is gone" in text, text[-2000:]
    assert "released Spark session" in text, text[-2000:]


def test_a_token_file_that_blocks_on_read_never_wedges_the_kernel(spark_env, tmp_path):
    fifo = tmp_path / "berdl_kbase_session"
    os.mkfifo(fifo)
    env = dict(spark_env, KBASE_TOKEN_FILE=str(fifo))
    env.pop("KBASE_AUTH_TOKEN")
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        for _ in range(2):
            started = time.monotonic()
            reply, msgs = run(kc, "SELECT 1")
            assert time.monotonic() - started < 6
            assert reply["content"]["status"] == "error"
            evalue = reply["content"]["evalue"]
            assert "berdl_kbase_session" in evalue and ("took longer than 2 s" in evalue
                                                        or "has not ended" in evalue), evalue
        # Other requests are answered meanwhile.
        assert kc.kernel_info(reply=True, timeout=TIMEOUT)["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
    started = time.monotonic()
    km.shutdown_kernel(now=False)
    assert time.monotonic() - started < 10
    assert not km.is_alive()


def test_a_comm_for_a_target_the_kernel_does_not_have_is_closed(kernel):
    km, kc = kernel
    msg = kc.session.msg("comm_open", content={"comm_id": "c-1", "target_name": "nope", "data": {}})
    kc.shell_channel.send(msg)
    types = [m["msg_type"] for m in iopub_of(kc, msg["header"]["msg_id"])]
    assert types == ["status", "comm_close", "status"]
    reply, outputs = run(kc, "%echo still here")
    assert stdout(outputs) == "still here\n"


def test_comm_info_lists_no_comms(kernel):
    km, kc = kernel
    msg_id = kc.comm_info(target_name="nope")
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"] == {"status": "ok", "comms": {}}
