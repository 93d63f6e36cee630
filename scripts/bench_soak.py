"""The 1,000-cell soak: one kernel (the installed spark-sql-kbase kernelspec, through
jupyter_client) runs 1,000 cells of a mix (SELECT 1, a 10,000-row result shown whole, %conf,
a temporary view); prints RSS, open file descriptors and cell-time percentiles at the start
and the end. The kernel's environment (token, Spark Connect URL) comes from the caller.

Usage: bench_soak.py [CELLS]
"""

import os
import statistics
import sys
import time

from bench_kernel import proc_status, started_kernel

MIX = [
    "SELECT 1 AS one",
    "%%limit 10000\nSELECT id, id * 2 AS twice, concat('row ', id) AS label FROM range(10000)",
    "%conf spark.sql.shuffle.partitions",
    "CREATE OR REPLACE TEMPORARY VIEW soak AS SELECT id FROM range(10)",
]


def rss_mb(pid):
    return proc_status(pid, "VmRSS") / (1024 * 1024)


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def run(kc, code):
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=120)
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"cell failed: {code!r}: {reply['content']}")


def percentiles(times):
    ordered = sorted(times)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return (f"p50 {statistics.median(ordered):.1f} ms, p90 {at(0.9):.1f} ms, "
            f"p99 {at(0.99):.1f} ms, max {ordered[-1]:.1f} ms")


def main():
    cells = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with started_kernel() as (pid, kc):
        run(kc, MIX[0])
        times = []
        marks = []
        for i in range(cells):
            if i in (0, cells - 1):
                marks.append((i, rss_mb(pid), fds(pid)))
            started = time.perf_counter()
            run(kc, MIX[i % len(MIX)])
            times.append((time.perf_counter() - started) * 1000)
        time.sleep(1)
        marks.append((cells, rss_mb(pid), fds(pid)))
    print(f"soak: {cells} cells ({', '.join(m.splitlines()[-1][:30] for m in MIX)})")
    for i, rss, n in marks:
        print(f"  after {i:4d} cells: RSS {rss:6.1f} MB, {n} open fds")
    tenth = max(1, cells // 10)
    print(f"  cell times, first {tenth}: {percentiles(times[:tenth])}")
    print(f"  cell times, last {tenth}:  {percentiles(times[-tenth:])}")


if __name__ == "__main__":
    main()
