"""The explorer at BERDL's scale, with the default snapshot budget (256 MiB of Spark's estimate):
a 3e7-row and a 1e9-row result, each opened as JupyterLab opens it (a comm the moment the output
renders). For each: the result as a cell (its first page), the view's opening, a `SELECT 1` typed
right after the result rendered (its view opening) next to one with no view, Next page (p50,
p95), the first sorted page and a filtered count; then the server's storage memory and local-dir
bytes before and after opening 20 views of the 1e9-row result.
Usage: bench_explorer_scale.py SPARK_UI_URL SPARK_LOCAL_DIR. Prints figures; asserts nothing."""

import json
import statistics
import subprocess
import sys
import time
import urllib.request

from bench_explorer import MIME, View, ms, run, spread
from bench_kernel import started_kernel

QUERIES = [
    ("3e7 rows", "SELECT id, id % 1000 AS k, sha2(cast(id AS string), 256) AS h, "
                 "repeat('x', 60) AS pad FROM range(30000000)"),
    ("1e9 rows", "SELECT id, id % 1000 AS k, id * 7 % 13 AS m, "
                 "date_add(DATE'2020-01-01', cast(id % 3650 AS int)) AS d FROM range(1000000000)"),
]


def ui(base, path):
    with urllib.request.urlopen(base + "/api/v1/applications") as response:
        app = json.load(response)[0]["id"]
    with urllib.request.urlopen(f"{base}/api/v1/applications/{app}/{path}") as response:
        return json.load(response)


def server_bytes(base, local_dir):
    """(storage memory used, disk used by cached blocks, bytes under spark.local.dir)."""
    driver = [e for e in ui(base, "executors") if e["id"] == "driver"][0]
    du = subprocess.run(["du", "-sb", local_dir], capture_output=True, text=True).stdout
    return driver["memoryUsed"], driver["diskUsed"], int(du.split()[0] if du else 0)


def select_one(kc, rounds=5):
    return statistics.median(run(kc, "SELECT 1")[0] for _ in range(rounds))


def one_result(kc, name, query):
    alone = select_one(kc)
    seconds, data = run(kc, query)
    print(f"{name}: the cell (its first page) {ms(seconds)}")
    view = View(kc, data[MIME]["view"])
    started = time.perf_counter()
    beside = run(kc, "SELECT 1")[0]
    opened = view.event(lambda e: e["event"] in ("live", "ready", "gone", "error"))
    print(f"  SELECT 1 right after it rendered, its view opening: {ms(beside)} "
          f"(with no view: {ms(alone)})")
    print(f"  the view opened in {ms(time.perf_counter() - started)}: {opened['event']}"
          f"{', Spark estimates ' + str(round(opened['estimate'] / 2**30, 1)) + ' GiB' if 'estimate' in opened else ''}")
    times = [view.ask(op="page", start=start, size=100)[0] for start in range(100, 2100, 100)]
    print("  Next page, back to back: " + spread(times))
    sort = {"sort": {"column": 1, "descending": True}, "filters": []}
    print(f"  first sorted page (k descending): {ms(view.ask(op='page', start=0, size=100, state=sort)[0])}")
    filt = {"sort": None, "filters": [{"column": 1, "op": "equals", "value": "7"}]}
    seconds, answer = view.ask(op="count", state=filt)
    print(f"  filtered count (k = 7): {ms(seconds)}, {answer['total']:,} rows")


def main(base, local_dir):
    with started_kernel() as (_, kc):
        run(kc, "SELECT 1")
        for name, query in QUERIES:
            one_result(kc, name, query)
        memory, disk, local = server_bytes(base, local_dir)
        for _ in range(20):
            _, data = run(kc, QUERIES[1][1])
            view = View(kc, data[MIME]["view"])
            view.event(lambda e: e["event"] in ("live", "ready", "gone", "error"))
        time.sleep(2)
        after = server_bytes(base, local_dir)
        print(f"20 views of the 1e9-row result: storage memory {memory / 2**20:.0f} -> "
              f"{after[0] / 2**20:.0f} MiB, cached on disk {disk / 2**20:.0f} -> "
              f"{after[1] / 2**20:.0f} MiB, local dir {local / 2**20:.0f} -> {after[2] / 2**20:.0f} MiB "
              "(budget 256 MiB)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
