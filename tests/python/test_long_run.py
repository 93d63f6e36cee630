"""A batch run that lasts (5 minutes here, hours for BERDL's users) through the faults of a
laptop's proxy chain: `jupyter nbconvert --execute` of a notebook while this test closes the
kernel's Spark session on the server, rotates the KBase token (the new one written to the token
file, the old one revoked later), and restarts the HTTP proxy between and during cells.

The chain is a user's, off the cluster: the kernel reaches `sc://spark.longrun.test` only
through pproxy (the name resolves only inside the proxy's mount namespace), then BERDL's pod
interceptors (tests/berdl/proxy.py, validating every call with the Auth2 stand-in), then a
Spark Connect server that checks no token itself (started by scripts/test, as in a pod).

scripts/test runs this file in the background while the Rust tests run (it is mostly waiting).
"""

import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent
TOKEN_A = "LONGRUNA234567ABCDEFGHIJKLMNOPQR"
TOKEN_B = "LONGRUNB234567ABCDEFGHIJKLMNOPQR"
STALE = "LONGRUNSTALE4567ABCDEFGHIJKLMNOP"
PAIRS = 36  # a query of about 4 s and a 4 s pause each: a run of over five minutes
HOST = "spark.longrun.test"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(proc, what):
    line = proc.stdout.readline()
    assert line.startswith("listening on "), f"{what} did not start: {line!r}"
    return line.split()[-1].rstrip("/").rsplit(":", 1)[-1]


class Pproxy:
    """pproxy (from PyPI) as an HTTP proxy on `port`, resolving HOST to 127.0.0.1 only inside
    its own mount namespace (a private /etc/hosts), so nothing reaches HOST without it."""

    def __init__(self, directory, port):
        self.port = port
        self.hosts = directory / "hosts"
        self.hosts.write_text(f"127.0.0.1 {HOST}\n" + pathlib.Path("/etc/hosts").read_text())
        self.proc = None
        self.start()

    def start(self):
        pproxy = BIN / "pproxy"
        command = f"mount --bind {self.hosts} /etc/hosts && exec {pproxy} -l http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(["unshare", "-m", "sh", "-c", command],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        import socket
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.proc.poll() is None, "pproxy exited (unshare and mount need root)"
                assert time.time() < deadline, "pproxy did not start in 20 s"
                time.sleep(0.05)

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def restart(self):
        self.stop()
        self.start()


def notebook():
    cells = [nbformat.v4.new_code_cell("%conf spark.sql.shuffle.partitions=7")]
    for step in range(1, PAIRS + 1):
        cells.append(nbformat.v4.new_code_cell(
            f"SELECT {step} AS step, count(*) AS n, current_timezone() AS tz,\n"
            "       '${spark.sql.shuffle.partitions}' AS parts\n"
            "FROM range(0, 4, 1, 1)\n"
            "WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL"))
        cells.append(nbformat.v4.new_code_cell("%sleep 4"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "spark-sql-kbase", "display_name": "Spark SQL (KBase)",
                                 "language": "sql"}
    return nb


def close_session(spark_port, sessions_file):
    """Releases the kernel's newest Spark session on the server, as a server that closes idle
    sessions does (pyspark's own client, straight to the server)."""
    from pyspark.sql.connect.client import SparkConnectClient

    session = sessions_file.read_text().split()[-1]
    client = SparkConnectClient(f"sc://127.0.0.1:{spark_port}/;session_id={session};user_id=alice_smith")
    client.release_session()
    client.close()


def test_a_five_minute_batch_run_absorbs_lost_sessions_rotated_tokens_and_proxy_restarts(tmp_path):
    url = os.environ.get("SPARK_SQL_KERNEL_TEST_OPEN_URL")
    if not url:
        pytest.fail("SPARK_SQL_KERNEL_TEST_OPEN_URL is not set: run scripts/test, which starts the server")
    spark_port = url.rsplit(":", 1)[-1]
    config = tmp_path / "standin.json"
    tokens = {t: {"user": "alice_smith", "type": "Login", "mfa": "Used"} for t in (TOKEN_A, TOKEN_B)}
    config.write_text(json.dumps({"tokens": tokens, "users": {"alice_smith": {"display": "Alice"}}}))
    standin = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "kbase_auth_standin.py"),
                                "--config", str(config)], stdout=subprocess.PIPE, text=True)
    auth_url = f"http://127.0.0.1:{listening(standin, 'the Auth2 stand-in')}/"
    sessions = tmp_path / "sessions"
    pod = subprocess.Popen([sys.executable, str(ROOT / "tests" / "berdl" / "proxy.py"),
                            "--backend", f"127.0.0.1:{spark_port}", "--auth-url", auth_url,
                            "--mode", "pod", "--owner", "alice_smith", "--sessions", str(sessions)],
                           stdout=subprocess.PIPE, text=True)
    pod_port = listening(pod, "the pod's interceptors")
    proxy = Pproxy(tmp_path, free_port())
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN_A)
    env = dict(os.environ)
    env.update({
        "KBASE_AUTH_URL": auth_url,
        "KBASE_TOKEN_FILE": str(token_file),
        "KBASE_AUTH_TOKEN": STALE,  # older than the file: Auth2 does not know it
        "SPARK_CONNECT_URL": f"sc://{HOST}:{pod_port}",
        "SPARK_CONNECT_CONF": json.dumps({"spark.sql.session.timeZone": "Asia/Tokyo"}),
        "grpc_proxy": f"http://127.0.0.1:{proxy.port}",
        "no_proxy": "127.0.0.1,localhost",
    })
    path = tmp_path / "long.ipynb"
    nbformat.write(notebook(), str(path))

    def rotate():
        token_file.write_text(TOKEN_B)

    def revoke():
        config.write_text(json.dumps({"tokens": {TOKEN_B: tokens[TOKEN_B]},
                                      "users": {"alice_smith": {"display": "Alice"}}}))

    schedule = [(25, proxy.restart), (55, lambda: close_session(spark_port, sessions)),
                (90, rotate), (130, revoke), (150, proxy.restart),
                (185, lambda: close_session(spark_port, sessions)), (215, proxy.restart),
                (250, lambda: close_session(spark_port, sessions))]
    done, faults = threading.Event(), []

    def inject():
        started = time.time()
        for at, fault in schedule:
            if done.wait(max(0, started + at - time.time())):
                return
            fault()
            faults.append(round(time.time() - started))

    injector = threading.Thread(target=inject)
    try:
        injector.start()
        run = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                              "--ExecutePreprocessor.timeout=600", "--output-dir", str(tmp_path / "out"),
                              str(path)], capture_output=True, text=True, timeout=900, env=env)
    finally:
        done.set()
        injector.join()
        proxy.stop()
        for proc in (pod, standin):
            proc.kill()
            proc.wait()
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(faults) == len(schedule), f"the run ended before every fault: {faults}"
    nb = nbformat.read(str(tmp_path / "out" / "long.ipynb"), as_version=4)
    check_outputs(nb)


def check_outputs(nb):
    """Every query cell shows its own right row; the notebook says where the session was lost."""
    notices = []
    for index, cell in enumerate(nb.cells[1:], start=1):
        texts = [o.get("text", "") if o["output_type"] == "stream" else o.get("data", {}).get("text/plain", "")
                 for o in cell.outputs]
        assert not [o for o in cell.outputs if o["output_type"] == "error"], (index, cell.outputs)
        notices += [t for t in texts if "fresh session" in t]
        if cell.source.startswith("SELECT"):
            step = (index + 1) // 2
            table = [t for t in texts if "step" in t and "parts" in t]
            assert len(table) == 1, (index, texts)
            rows = [[c.strip() for c in line.strip().strip("|").split("|")]
                    for line in table[0].splitlines() if line.startswith("|")]
            assert rows[0] == ["step", "n", "tz", "parts"], (index, table[0])
            assert rows[1:] == [[str(step), "4", "Asia/Tokyo", "7"]], (index, table[0])
    assert len(notices) >= 2, "the lost sessions were not told"
    assert all("%conf" in n and "SPARK_CONNECT_CONF" in n for n in notices), notices
