"""A real JupyterLab (from the test venv) in Debian's chromium, driven by playwright-core
(tests/browser/jupyterlab.cjs): the Launcher card with the logo, a query against the run's Spark
server as a table, an interrupt from the toolbar. Screenshots go to artifacts/browser/."""

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys

import pytest

from conftest import ROOT, wait_for_http

BIN = pathlib.Path(sys.executable).parent
ARTIFACTS = ROOT / "artifacts" / "browser"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(spark_env, tmp_path):
    """JupyterLab on loopback with the kernel's environment; yields (url, token, log path)."""
    port, token = free_port(), secrets.token_hex(16)
    root = tmp_path / "lab"
    root.mkdir()
    log = tmp_path / "jupyterlab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=spark_env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/api/status?token={token}", proc, log, "JupyterLab")
    yield url, token, log
    stop(proc)


def stop(proc):
    """Ends a Jupyter server: politely, then for good after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_jupyterlab_in_chromium_runs_sql_shows_the_table_and_interrupts(jupyterlab, spark_env):
    playwright = os.environ.get("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT")
    if not playwright or not pathlib.Path(playwright).is_dir():
        pytest.fail("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT not set: run scripts/test, which installs playwright-core")
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: scripts/test installs Debian's chromium"
    url, token, log = jupyterlab
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    env = dict(os.environ, LAB_URL=url, LAB_TOKEN=token, OUT_DIR=str(ARTIFACTS), MODE="test",
               CHROMIUM=chromium)
    run = subprocess.run(["node", str(ROOT / "tests" / "browser" / "jupyterlab.cjs")],
                         capture_output=True, text=True, timeout=300, env=env)
    print(run.stdout)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- JupyterLab log ---\n{log.read_text()[-4000:]}"
    for name in ("1-launcher.png", "2-table.png", "3-interrupted.png", "4-completion.png", "5-progress.png",
                 "6-chart.png", "7-format.png", "8-catalog.png", "9-catalog-dark.png", "10-history.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
    assert (ARTIFACTS / "explorer.png").stat().st_size > 10_000
    kbase_token = spark_env["KBASE_AUTH_TOKEN"]
    assert kbase_token not in log.read_text()


def test_notebook_7_in_chromium_explores_a_result(spark_env, tmp_path):
    """Notebook 7 (the notebook package) with the kernel's explorer extension: a 1e6-row
    result pages and sorts on the server."""
    import json

    playwright = os.environ.get("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT")
    if not playwright or not pathlib.Path(playwright).is_dir():
        pytest.fail("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT not set: run scripts/test, which installs playwright-core")
    root = tmp_path / "nb"
    root.mkdir()
    (root / "explore.ipynb").write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "spark-sql-kbase", "display_name": "Spark SQL (KBase)",
                                    "language": "sql"}},
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": "SELECT id FROM range(1000000)"}],
    }))
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "notebook.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "jupyter"), "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}"],
            env=spark_env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/status?token={token}", proc, log, "Notebook 7")
        env = dict(os.environ, LAB_URL=url, LAB_TOKEN=token, OUT_DIR=str(ARTIFACTS), MODE="notebook7",
                   CHROMIUM=shutil.which("chromium") or "")
        run = subprocess.run(["node", str(ROOT / "tests" / "browser" / "jupyterlab.cjs")],
                             capture_output=True, text=True, timeout=300, env=env)
        print(run.stdout)
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- log ---\n{log.read_text()[-4000:]}"
        assert (ARTIFACTS / "notebook7-explorer.png").stat().st_size > 10_000
    finally:
        stop(proc)
