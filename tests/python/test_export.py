"""%%export against the run's Spark: whole results written to CSV, TSV, JSON lines and Parquet,
read back with pandas and pyarrow; an interrupted export leaves no file; memory stays bounded."""

import json
import threading
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest
from jupyter_client import KernelManager

from test_client import KERNEL, TIMEOUT, run
from test_memory import MB, status

ROWS = 1_000_000
# NULLs, commas, quotes, newlines, non-ASCII text, dates, doubles and decimals.
QUERY = f"""SELECT id,
  CASE WHEN id % 7 = 0 THEN NULL ELSE concat('gene, "', id, '"') END AS label,
  CASE WHEN id % 1000 = 1 THEN 'two\\nlines é' ELSE 'plain' END AS note,
  date_add(DATE'2020-01-01', CAST(id % 1000 AS INT)) AS day,
  id / 4.0 AS ratio,
  CAST(id AS DECIMAL(20, 2)) AS amount
FROM range({ROWS})"""


@pytest.fixture(scope="module")
def kernel(spark_env, tmp_path_factory):
    km = KernelManager(kernel_name=KERNEL)
    cwd = tmp_path_factory.mktemp("export")
    km.start_kernel(env=spark_env, cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    yield km, kc, cwd
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def export(kc, target, query=QUERY):
    reply, outputs = run(kc, f"%%export {target}\n{query}", timeout=300)
    assert reply["content"]["status"] == "ok", reply["content"]
    said = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
    tables = [m for m in outputs if m["msg_type"] == "execute_result"]
    assert tables, "the first rows are shown as a table"
    return said, outputs


def check_frame(df):
    assert len(df) == ROWS
    assert list(df.columns) == ["id", "label", "note", "day", "ratio", "amount"]
    row = df[df["id"] == 22].iloc[0]
    assert row["label"] == 'gene, "22"'
    assert df[df["id"] == 21]["label"].isna().all()
    assert df[df["id"] == 1001]["note"].iloc[0] == "two\nlines é"
    assert str(df[df["id"] == 999]["day"].iloc[0])[:10] == "2022-09-26"
    assert float(df[df["id"] == 10]["ratio"].iloc[0]) == 2.5


@pytest.mark.parametrize("name", ["genes.csv", "genes.tsv", "genes.jsonl", "genes.parquet"])
def test_a_million_rows_export_and_read_back(kernel, name):
    km, kc, cwd = kernel
    said, _ = export(kc, name)
    path = cwd / name
    assert f"Exported {ROWS} rows" in said and str(path) in said, said
    if name.endswith(".csv") or name.endswith(".tsv"):
        df = pd.read_csv(path, sep="," if name.endswith(".csv") else "\t")
    elif name.endswith(".jsonl"):
        df = pd.read_json(path, lines=True)
        first = json.loads(path.read_text().split("\n", 1)[0])
        assert set(first) == {"id", "label", "note", "day", "ratio", "amount"}
    else:
        table = pq.read_table(path)
        types = {f.name: str(f.type) for f in table.schema}
        assert types["id"] == "int64" and types["day"] == "date32[day]", types
        assert types["amount"] == "decimal128(20, 2)", types
        df = table.to_pandas()
    check_frame(df)
    assert [p.name for p in cwd.iterdir() if p.name.startswith(".")] == [], "no partial file left"


def test_a_rerun_replaces_the_file_and_errors_are_clear(kernel):
    km, kc, cwd = kernel
    export(kc, "small.csv", "SELECT 1 AS a")
    export(kc, "small.csv", "SELECT 2 AS a UNION ALL SELECT 3")
    assert (cwd / "small.csv").read_text() == "a\n2\n3\n"
    for target, expected in [("/nonexistent-dir/x.csv", "does not exist"),
                             ("x.xlsx", "cannot tell the format"),
                             ("/proc/x.csv", "cannot write")]:
        reply, _ = run(kc, f"%%export {target}\nSELECT 1")
        assert reply["content"]["status"] == "error"
        assert expected in reply["content"]["evalue"], reply["content"]


def test_an_interrupted_export_leaves_no_file_and_the_next_cell_works(kernel):
    km, kc, cwd = kernel
    slow = ("SELECT id FROM range(0, 40, 1, 1) "
            "WHERE reflect('java.lang.Thread', 'sleep', bigint(500)) IS NOT NULL")
    threading.Timer(3, km.interrupt_kernel).start()
    reply, _ = run(kc, f"%%export slow.parquet\n{slow}", timeout=60)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt", reply["content"]
    assert list(cwd.glob("*slow*")) == [] and list(cwd.glob(".slow*")) == []
    reply, _ = run(kc, "SELECT 1")
    assert reply["content"]["status"] == "ok"


def test_ten_million_rows_export_in_bounded_memory(kernel):
    km, kc, cwd = kernel
    pid = km.provisioner.process.pid
    before = status(pid, "VmRSS")
    started = time.monotonic()
    said, _ = export(kc, "big.csv", "SELECT id, id * 2 AS x, cast(id AS string) AS s FROM range(0, 10000000, 1, 16)")
    took = time.monotonic() - started
    peak = status(pid, "VmHWM")
    size = (cwd / "big.csv").stat().st_size
    print(f"10,000,000 rows x 3 to CSV: {took:.1f} s, {size / MB:.0f} MB, "
          f"kernel RSS before {before / MB:.0f} MB, peak {peak / MB:.0f} MB")
    assert "Exported 10000000 rows" in said, said
    assert peak < 600 * MB, peak
