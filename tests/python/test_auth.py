"""KBase identity through real Jupyter clients: %whoami in a batch run, and the token never leaks."""

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


def test_the_token_appears_in_no_message_log_line_file_or_check_output(auth_standin, tmp_path):
    stderr_path = tmp_path / "kernel-stderr.log"
    km = KernelManager(kernel_name="spark-sql-kbase")
    with open(stderr_path, "w") as stderr:
        km.start_kernel(env=kernel_env(auth_standin), stderr=stderr, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT)
            seen = []
            for code in ["%whoami", "SELECT 1", "%nosuchmagic", "%limit 5\nSELECT 'x'", "%lsmagic",
                         f"SELECT '{LEAK_TOKEN[:5]}'"]:
                msg_id = kc.execute(code)
                seen.append(kc.get_shell_msg(timeout=TIMEOUT))
                while True:
                    msg = kc.get_iopub_msg(timeout=TIMEOUT)
                    seen.append(msg)
                    if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                            and msg["content"]["execution_state"] == "idle"):
                        break
            for msg in seen:
                assert LEAK_TOKEN not in repr(msg), msg["msg_type"]
            whoami = [m for m in seen if m["msg_type"] == "execute_result"][0]
            assert "alice_smith" in whoami["content"]["data"]["text/plain"]
        finally:
            kc.stop_channels()
            km.shutdown_kernel()
    log = stderr_path.read_text()
    assert "authenticated as alice_smith" in log, log[-2000:]
    assert LEAK_TOKEN not in log
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert LEAK_TOKEN not in path.read_text(errors="replace"), path
    check = subprocess.run([str(ROOT / "target" / "debug" / "spark-sql-kernel"), "check"],
                           capture_output=True, text=True, timeout=60, env=kernel_env(auth_standin))
    assert "alice_smith" in check.stdout
    assert LEAK_TOKEN not in check.stdout + check.stderr
