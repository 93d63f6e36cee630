"""The journal with real kernel processes through jupyter_client: 16 kernels writing at once,
a kernel killed with SIGKILL mid-run, a read-only and a full file system (small tmpfs mounts
made by the test), receipts resolved by the command after the kernel is gone and matching the
documented JSON Schema, and history across a kernel restart."""

import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import time

import jsonschema
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from conftest import KERNEL_NAME, ROOT


def start(env, journal, notebook=None, **extra):
    env = dict(env)
    env["SPARK_SQL_KERNEL_JOURNAL"] = str(journal)
    env.pop("JPY_SESSION_NAME", None)
    if notebook:
        env["JPY_SESSION_NAME"] = notebook
    env.update(extra)
    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def run(kc, code, timeout=120):
    """The reply's status, the text of each result, and stderr."""
    texts, errs = [], []

    def hook(msg):
        content = msg["content"]
        if msg["msg_type"] in ("execute_result", "display_data"):
            texts.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "stream" and content["name"] == "stderr":
            errs.append(content["text"])

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"]["status"], texts, "".join(errs)


def receipt_in(text):
    footer = text.strip().splitlines()[-1]
    found = [part for part in footer.split(" · ") if part.startswith("q-")]
    assert len(found) == 1, footer
    return found[0]


def kernel_binary():
    return KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv[0]


def records(journal):
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [json.loads(row[0]) for row in db.execute("SELECT record FROM statements")]


def test_sixteen_kernels_write_fifty_statements_each_at_once(spark_env, tmp_path):
    journal = tmp_path / "journal.sqlite"
    kernels = [start(spark_env, journal, f"work/k{k}.ipynb") for k in range(16)]
    try:
        cells = []
        for k, (_, kc) in enumerate(kernels):
            code = "\n".join(f"SELECT {k} AS kernel, {i} AS i;" for i in range(50))
            cells.append(kc.execute(code))
        for (_, kc), msg_id in zip(kernels, cells):
            while True:
                reply = kc.get_shell_msg(timeout=300)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        for km, kc in kernels:
            stop(km, kc)
    found = records(journal)
    assert len(found) == 16 * 50
    assert len({r["kernel"] for r in found}) == 16
    seen = {(r["notebook"], r["statement"]) for r in found}
    assert len(seen) == 800, "every statement once"
    for r in found:
        import hashlib
        assert r["statement_sha256"] == hashlib.sha256(r["statement"].encode()).hexdigest()
        assert r["outcome"] == {"status": "ok"} and r["rows_received"] == 1
    token = spark_env["KBASE_AUTH_TOKEN"].encode()
    for path in tmp_path.iterdir():
        assert token not in path.read_bytes(), f"the token is in {path.name}"


def test_a_kernel_killed_mid_run_leaves_a_readable_journal(spark_env, tmp_path):
    journal = tmp_path / "journal.sqlite"
    code = "\n".join(f"SELECT {i} AS i;" for i in range(400))
    for delay in (1.0, 1.7, 2.4):
        km, kc = start(spark_env, journal, "work/killed.ipynb")
        try:
            kc.execute(code)
            time.sleep(delay)
            os.kill(km.provisioner.process.pid, signal.SIGKILL)
            km.provisioner.process.wait(timeout=10)
        finally:
            kc.stop_channels()
            km.cleanup_resources()
    found = records(journal)
    assert found, "records written before the kill"
    for r in found:
        jsonschema.validate(r, json.loads((ROOT / "docs" / "receipt.schema.json").read_text()))
    last = found[-1]["receipt"]
    out = subprocess.run([kernel_binary(), "receipt", last, "--journal", str(journal)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["receipt"] == last


def mount_tmpfs(directory, options):
    directory.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"cannot mount a tmpfs (the test needs root): {done.stderr}"


@pytest.mark.parametrize("trouble", ["read-only", "full"])
def test_a_journal_that_cannot_be_written_warns_once_and_cells_run(spark_env, tmp_path, trouble):
    place = tmp_path / trouble
    mount_tmpfs(place, "size=256k,ro" if trouble == "read-only" else "size=64k")
    said = "cannot be written there" if trouble == "read-only" else "the disk is full"
    try:
        if trouble == "full":
            filler = os.open(place / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(filler, b"\0" * 4096):
                    pass
            except OSError:
                pass  # full
            finally:
                os.close(filler)
        km, kc = start(spark_env, place / "journal.sqlite", "work/full.ipynb")
        try:
            warnings = []
            for i in range(4):
                status, texts, err = run(kc, f"SELECT {i} AS i")
                assert status == "ok" and f"| {i} |" in texts[0], texts
                warnings.append(err)
                time.sleep(0.3)
        finally:
            stop(km, kc)
        told = "".join(warnings)
        assert told.count("could not be written") == 1, warnings
        assert said in told, told
    finally:
        subprocess.run(["umount", str(place)], check=True)


def test_receipts_resolve_after_the_kernel_is_gone_and_match_the_schema(spark_env, tmp_path):
    journal = tmp_path / "journal.sqlite"
    exported = tmp_path / "genes.csv"
    km, kc = start(spark_env, journal, "work/genes.ipynb")
    try:
        status, texts, _ = run(kc, f"%%export {exported}\nSELECT id, id % 3 AS g FROM range(25)")
        assert status == "ok"
        receipt = receipt_in(texts[0])
        status, texts, _ = run(kc, f"%receipt {receipt}")
        assert status == "ok" and str(exported) in texts[0], texts
    finally:
        stop(km, kc)
    out = subprocess.run([kernel_binary(), "receipt", receipt, "--journal", str(journal)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    jsonschema.validate(record, json.loads((ROOT / "docs" / "receipt.schema.json").read_text()))
    assert record["notebook"] == "work/genes.ipynb"
    assert record["rows_total"] == 25, "the export wrote them all"
    assert record["files"] == [{"path": str(exported), "format": "csv",
                                "bytes": exported.stat().st_size, "rows": 25}]
    missing = subprocess.run([kernel_binary(), "receipt", "q-000000000000", "--journal",
                              str(journal)], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "no receipt q-000000000000" in missing.stderr


def history(kc, **query):
    msg_id = kc.history(raw=True, output=False, **query)
    while True:
        reply = kc.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            return [tuple(entry) for entry in reply["content"]["history"]]


def test_history_spans_kernel_restarts(spark_env, tmp_path):
    journal = tmp_path / "journal.sqlite"
    km, kc = start(spark_env, journal, "work/a.ipynb")
    try:
        assert run(kc, "SELECT 'first run' AS x")[0] == "ok"
        assert run(kc, "%limit 5")[0] == "ok"
    finally:
        stop(km, kc)
    km, kc = start(spark_env, journal, "work/other.ipynb")
    try:
        assert run(kc, "SELECT 'elsewhere' AS x")[0] == "ok"
    finally:
        stop(km, kc)
    km, kc = start(spark_env, journal, "work/a.ipynb")
    try:
        assert run(kc, "SELECT 'second run' AS x")[0] == "ok"
        tail = history(kc, hist_access_type="tail", n=10)
        assert tail == [(1, 1, "SELECT 'first run' AS x"), (1, 2, "%limit 5"),
                        (2, 1, "SELECT 'second run' AS x")], tail
        previous = history(kc, hist_access_type="range", session=-1, start=1, stop=3)
        assert [entry[2] for entry in previous] == ["SELECT 'first run' AS x", "%limit 5"]
        found = history(kc, hist_access_type="search", pattern="*run*", n=10)
        assert len(found) == 2, found
        status, texts, _ = run(kc, "%history run")
        assert status == "ok" and "first run" in texts[0] and "elsewhere" not in texts[0]
        status, texts, _ = run(kc, "%history --all")
        assert "elsewhere" in texts[0], texts
    finally:
        stop(km, kc)


def test_a_journal_locked_longer_than_a_second_warns_once_and_loses_nothing(spark_env, tmp_path):
    journal = tmp_path / "journal.sqlite"
    km, kc = start(spark_env, journal, "work/locked.ipynb")
    try:
        assert run(kc, "SELECT 0 AS i")[0] == "ok"
        deadline = time.monotonic() + 10
        while not journal.exists():
            assert time.monotonic() < deadline, "the journal was never made"
            time.sleep(0.1)
        # Another process holds the journal locked for about 3 s.
        holder = sqlite3.connect(journal, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        warnings = []
        try:
            for i in range(1, 7):
                status, texts, err = run(kc, f"SELECT {i} AS i")
                assert status == "ok" and f"| {i} |" in texts[0], texts
                warnings.append(err)
                time.sleep(0.5)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        told = "".join(warnings)
        assert told.count("could not be written") == 1, warnings
        assert "locked" in told, told
        assert run(kc, "SELECT 99 AS i")[0] == "ok"
    finally:
        stop(km, kc)
    # Once the lock is gone, what was run under it is written too: nothing is lost.
    recorded = {r["statement"] for r in records(journal)}
    for i in [*range(7), 99]:
        assert f"SELECT {i} AS i" in recorded, sorted(recorded)


def test_a_billion_row_result_is_journaled_without_a_spark_job_beside_the_cells(spark_env, tmp_path):
    """What the journal does after a cell (Spark's analysis of the statement for the tables it
    read) starts no Spark job, even for a 1e9-row result; the record holds the rows received."""
    from test_explorer import spark_ui

    journal = tmp_path / "journal.sqlite"
    big = "SELECT id, id % 7 AS g FROM range(0, 1000000000, 1, 8)"
    km, kc = start(spark_env, journal, "work/billion.ipynb")
    try:
        status, texts, _ = run(kc, big)
        assert status == "ok" and "more exist" in texts[0], texts
        jobs = len(spark_ui("jobs"))
        deadline = time.monotonic() + 30
        while True:
            found = [r for r in records(journal) if r["statement"] == big] if journal.exists() else []
            if found and found[0]["tables"] is not None:
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.2)
        assert len(spark_ui("jobs")) == jobs, "the tables' lookup ran a Spark job"
        record = found[0]
        assert record["tables"] == [] and record["rows_received"] == 100
        assert record["rows_total"] is None, "the whole count is not known, and not asked for"
    finally:
        stop(km, kc)
