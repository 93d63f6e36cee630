"""The result explorer on a 1e7-row, 6-column result, beside the static table in the same run:
the cell with and without the explorer (its first page is the static rows), the snapshot, next
and previous pages (back to back, and with a reader's pause), the last page, a sort and a
filter next to the same SQL run as a cell, and the kernel's RSS with 20 open views.
Usage: bench_explorer.py [ROUNDS]. Prints figures; asserts nothing about time."""

import os
import statistics
import sys
import time
import uuid

from bench_kernel import proc_status, started_kernel

MIME = "application/vnd.kbase.spark-sql-explorer.v1+json"
TARGET = "spark_sql_kbase.explorer"
QUERY = ("SELECT id, id * 2 AS x, cast(id AS string) AS s, id % 1000 AS g, rand(7) AS r, "
         "date_add(DATE'2020-01-01', cast(id % 3650 AS int)) AS d FROM range(0, 10000000, 1, 8)")
TIMEOUT = 600
# Sorts asked of the view: (column, its name, descending).
SORTS = [(4, "r", True), (4, "r", False), (1, "x", True), (0, "id", False), (3, "g", True)]


def run(kc, code):
    """(seconds, data of the cell's last result)."""
    started = time.perf_counter()
    msg_id = kc.execute(code)
    data = None
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in ("execute_result", "display_data"):
            data = msg["content"]["data"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return time.perf_counter() - started, data


class View:
    """A comm to one view, as the frontend opens it."""

    def __init__(self, kc, view):
        self.kc, self.comm, self.next = kc, uuid.uuid4().hex, 0
        kc.shell_channel.send(kc.session.msg(
            "comm_open", {"comm_id": self.comm, "target_name": TARGET, "data": {"view": view}}))

    def event(self, test):
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            c = msg["content"]
            if msg["msg_type"] == "comm_msg" and c["comm_id"] == self.comm and test(c["data"]):
                return c["data"]

    def ask(self, **request):
        """(seconds, answer)."""
        self.next += 1
        request["id"] = self.next
        started = time.perf_counter()
        self.kc.shell_channel.send(self.kc.session.msg(
            "comm_msg", {"comm_id": self.comm, "data": request}))
        answer = self.event(lambda e: e.get("id") == self.next)
        assert answer["event"] not in ("error", "gone"), answer
        return time.perf_counter() - started, answer


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def spread(times):
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return f"p50 {ms(statistics.median(times))}, p95 {ms(p95)} ({len(times)} pages)"


def pages(view, starts, pause):
    times = []
    for start in starts:
        seconds, _ = view.ask(op="page", start=start, size=100)
        times.append(seconds)
        time.sleep(pause)
    return times


def main(rounds):
    with started_kernel() as (pid, kc):
        for _ in range(3):  # warm-up
            run(kc, "SELECT 1")
            run(kc, "%%explore off\n" + QUERY)
        static = [run(kc, "%%explore off\n" + QUERY)[0] for _ in range(rounds)]
        explored = []
        for _ in range(rounds):
            seconds, data = run(kc, QUERY)
            explored.append(seconds)
        print(f"First page: the static table {ms(statistics.median(static))}; "
              f"with the explorer {ms(statistics.median(explored))} (medians of {rounds}; "
              "the explorer's first page is the static rows)")
        view = View(kc, data[MIME]["view"])
        started = time.perf_counter()
        ready = view.event(lambda e: e["event"] in ("ready", "gone", "error"))
        print(f"Snapshot on the server (count included): {ms(time.perf_counter() - started)}, "
              f"{ready.get('total')} rows")
        print("Next page, back to back:        " + spread(pages(view, range(100, 2100, 100), 0)))
        print("Next page, 0.5 s between clicks: " + spread(pages(view, range(2100, 4100, 100), 0.5)))
        print("Previous page, 0.5 s between:    " + spread(pages(view, range(4000, 2000, -100), 0.5)))
        seconds, _ = view.ask(op="page", start=9_999_900, size=100)
        print(f"Last page: {ms(seconds)}")
        ours, direct, following = [], [], []
        for column, name, descending in SORTS:
            # Each measured with nothing else running on the server (pages fetched ahead done).
            time.sleep(3)
            order = f"{name} {'DESC' if descending else 'ASC'}"
            direct.append(run(kc, f"%%explore off\nSELECT * FROM ({QUERY}) ORDER BY {order} LIMIT 100")[0])
            sort = {"sort": {"column": column, "descending": descending}, "filters": []}
            ours.append(view.ask(op="page", start=0, size=100, state=sort)[0])
            following.append(view.ask(op="page", start=100, size=100, state=sort)[0])
        print(f"Sort of the whole result, first page: {ms(statistics.median(ours))}; "
              f"the same SQL as a cell: {ms(statistics.median(direct))} "
              f"(medians of {len(SORTS)} sorts, each asked once); "
              f"its next page: {ms(statistics.median(following))}")
        filt = {"sort": None, "filters": [{"column": 2, "op": "contains", "value": "777"}]}
        ours = min(view.ask(op="count", state=filt)[0] for _ in range(3))
        direct = min(run(kc, f"%%explore off\nSELECT count(*) FROM ({QUERY}) WHERE contains(s, '777')")[0]
                     for _ in range(3))
        print(f"Filter of the whole result (s contains 777), its count: {ms(ours)}; "
              f"the same SQL as a cell: {ms(direct)} (best of 3)")
    with started_kernel() as (pid, kc):
        small = "SELECT id, id % 7 AS m FROM range(0, 10000000, 1, 8)"
        before = proc_status(pid, "VmRSS")
        for i in range(20):
            _, data = run(kc, small)
            v = View(kc, data[MIME]["view"])
            v.event(lambda e: e["event"] in ("ready", "gone", "error"))
            v.ask(op="page", start=5_000_000, size=100)
        after = proc_status(pid, "VmRSS")
        print(f"Kernel RSS with 20 open views on 1e7-row results: {after / 1e6:.1f} MB "
              f"(before them {before / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
