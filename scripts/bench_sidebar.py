"""The catalog sidebar timed in chromium: JupyterLab from the venv with the kernel on the bench's
Spark server (whose `many` catalog holds 1,000 namespaces of 20 tables), driven by
tests/browser/jupyterlab.cjs in mode "bench-sidebar": a cached namespace opened in the sidebar
(click to its first table drawn, p50 of 21) next to SHOW TABLES of it run as a cell.

Usage: bench_sidebar.py   (KBASE_AUTH_URL etc. set by scripts/bench; playwright-core from
SPARK_SQL_KERNEL_TEST_PLAYWRIGHT; Debian's chromium)
"""

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port, token = free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as root:
        lab = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            env = dict(os.environ, LAB_URL=url, LAB_TOKEN=token, OUT_DIR=root, MODE="bench-sidebar",
                       CHROMIUM=shutil.which("chromium") or "/usr/bin/chromium")
            run = subprocess.run(["node", str(ROOT / "tests" / "browser" / "jupyterlab.cjs")],
                                 capture_output=True, text=True, timeout=600, env=env)
            print(run.stdout, end="")
            if run.returncode != 0:
                print(run.stderr[-2000:], file=sys.stderr)
                sys.exit(run.returncode)
        finally:
            lab.terminate()
            lab.wait(timeout=15)


if __name__ == "__main__":
    main()
