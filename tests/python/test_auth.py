"""KBase identity through real Jupyter clients: %whoami in a batch run, and the token never leaks."""

import datetime
import json
import os
import pathlib
import subprocess
import sys

import nbformat
from conftest import LEAK_TOKEN, ROOT
from jupyter_client import KernelManager

BIN = pathlib.Path(sys.executable).parent
TIMEOUT = 15


def kernel_env(auth_url, **extra):
    env = dict(os.environ)
    env.update({"KBASE_AUTH_URL": auth_url, "KBASE_AUTH_TOKEN": LEAK_TOKEN,
                "KBASE_TOKEN_FILE": "/nonexistent/token", "SPARK_SQL_KERNEL_LOG": "trace"})
    env.update(extra)
    return env


def test_whoami_in_a_notebook_run_by_nbconvert_shows_the_user(auth_standin, tmp_path, notebooks):
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(tmp_path), str(notebooks / "whoami.ipynb")],
        capture_output=True, text=True, timeout=300, env=kernel_env(auth_standin),
    )
    assert run.returncode == 0, run.stderr
    nb = nbformat.read(str(tmp_path / "whoami.ipynb"), as_version=4)
    result = nb.cells[0].outputs[0]
    assert result["output_type"] == "execute_result"
    text = result["data"]["text/plain"]
    assert "alice_smith" in text and "Alice Smith" in text and "BERDL_USER" in text
    assert LEAK_TOKEN not in (tmp_path / "whoami.ipynb").read_text()


def test_a_batch_run_with_the_default_log_level_prints_no_info_lines_and_no_colours(
        auth_standin, tmp_path, notebooks):
    env = kernel_env(auth_standin)
    del env["SPARK_SQL_KERNEL_LOG"]
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(tmp_path), str(notebooks / "whoami.ipynb")],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr
    # The kernel's stderr is nbconvert's: the default level is warn, and a pipe gets no ANSI.
    assert "authenticated as" not in run.stderr, run.stderr
    assert " INFO " not in run.stderr and "\x1b[" not in run.stderr, run.stderr
    # The same run at info level does log (so the check above can fail).
    env["SPARK_SQL_KERNEL_LOG"] = "info"
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(tmp_path / "info"), str(notebooks / "whoami.ipynb")],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "authenticated as alice_smith" in run.stderr and "\x1b[" not in run.stderr, run.stderr


def run_and_collect(env, tmp_path, codes):
    """Runs `codes` in a kernel started by jupyter_client; returns every message and the stderr log."""
    stderr_path = tmp_path / "kernel-stderr.log"
    km = KernelManager(kernel_name="spark-sql-kbase")
    with open(stderr_path, "w") as stderr:
        km.start_kernel(env=env, stderr=stderr, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT)
            seen = []
            for code in codes:
                msg_id = kc.execute(code)
                seen.append(kc.get_shell_msg(timeout=60))
                while True:
                    msg = kc.get_iopub_msg(timeout=60)
                    seen.append(msg)
                    if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                            and msg["content"]["execution_state"] == "idle"):
                        break
        finally:
            kc.stop_channels()
            km.shutdown_kernel()
    return seen, stderr_path.read_text()


def assert_nowhere(token, seen, log, tmp_path):
    for msg in seen:
        assert token not in repr(msg), msg["msg_type"]
    assert token not in log
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace"), path


def test_the_token_appears_in_no_message_log_line_file_or_check_output(auth_standin, tmp_path):
    seen, log = run_and_collect(kernel_env(auth_standin), tmp_path, [
        "%whoami", "SELECT 1", "%nosuchmagic", "%limit 5\nSELECT 'x'", "%lsmagic",
        f"SELECT '{LEAK_TOKEN[:5]}'"])
    whoami = [m for m in seen if m["msg_type"] == "execute_result"][0]
    assert "alice_smith" in whoami["content"]["data"]["text/plain"]
    assert "authenticated as alice_smith" in log, log[-2000:]
    assert_nowhere(LEAK_TOKEN, seen, log, tmp_path)
    check = subprocess.run([str(ROOT / "target" / "debug" / "spark-sql-kernel"), "check"],
                           capture_output=True, text=True, timeout=60, env=kernel_env(auth_standin))
    assert "alice_smith" in check.stdout
    assert LEAK_TOKEN not in check.stdout + check.stderr


def test_the_token_sent_to_spark_appears_in_no_message_or_trace_log(spark_env, tmp_path):
    """With Spark: every gRPC call carries the token, and the log level is trace for every crate
    (tonic, h2, hyper included)."""
    token = spark_env["KBASE_AUTH_TOKEN"]
    env = dict(spark_env, SPARK_SQL_KERNEL_LOG="trace")
    seen, log = run_and_collect(env, tmp_path, [
        "SELECT 1 AS one", "SELECT nope", "%conf spark.sql.shuffle.partitions=3", "%conf",
        "%whoami", "%reconnect", "SELECT 2 AS two"])
    results = [m["content"]["data"]["text/plain"] for m in seen if m["msg_type"] == "execute_result"]
    assert any("| one |" in r for r in results) and any("| two |" in r for r in results), results
    errors = [m for m in seen if m["msg_type"] == "error"]
    assert [e["content"]["ename"] for e in errors] == ["AnalysisException"]
    assert "authenticated as alice_smith" in log and len(log) > 10_000, "a trace log was written"
    assert "released Spark session" in log, "shutdown ends the server-side session"
    assert_nowhere(token, seen, log, tmp_path)
    check = subprocess.run([str(ROOT / "target" / "debug" / "spark-sql-kernel"), "check"],
                           capture_output=True, text=True, timeout=60,
                           env=dict(spark_env, SPARK_SQL_KERNEL_LOG="trace"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Spark 4.1.3" in check.stdout
    assert token not in check.stdout + check.stderr


def test_the_activity_log_writes_berdls_json_lines_on_stderr_and_never_the_token(spark_env, tmp_path):
    token = spark_env["KBASE_AUTH_TOKEN"]
    env = dict(spark_env, SPARK_SQL_KERNEL_ACTIVITY_LOG="1", NB_USER="alice_smith", USER="jovyan",
               SPARK_SQL_KERNEL_LOG="info")
    seen, log = run_and_collect(env, tmp_path, ["SELECT 1 AS one", "   ", "SELECT nope"])
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [line["type"] for line in lines] == [
        "session_start", "cell_execution", "cell_execution", "cell_error"], lines
    assert {line["user"] for line in lines} == {"alice_smith"}
    assert lines[0]["message"] == "Activity logging enabled (container stderr)"
    assert lines[1]["code"] == "SELECT 1 AS one" and lines[2]["code"] == "SELECT nope"
    assert lines[3]["error_type"] == "AnalysisException"
    assert "UNRESOLVED_COLUMN" in lines[3]["error_message"]
    for line in lines:
        assert datetime.datetime.fromisoformat(line["timestamp"]).utcoffset() == datetime.timedelta(0)
    # Never in the notebook, never the token.
    assert not any("cell_execution" in repr(m["content"]) for m in seen)
    assert token not in log
    # Off by default.
    env.pop("SPARK_SQL_KERNEL_ACTIVITY_LOG")
    (tmp_path / "off").mkdir()
    _, log = run_and_collect(env, tmp_path / "off", ["SELECT 1 AS one"])
    assert not any(line.startswith("{") for line in log.splitlines()), log
