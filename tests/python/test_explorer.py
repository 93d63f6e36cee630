"""The result explorer over jupyter_client, against the run's real Spark: a result carries the
explorer's MIME type beside its static table; a comm to it pages exactly over the whole result,
sorts and filters as the same SQL does, counts, summarises, exports, and answers a view the
kernel does not know, an evicted one and an interrupted request as it should."""

import json
import os
import time
import uuid

import pytest

MIME = "application/vnd.kbase.spark-sql-explorer.v1+json"
TARGET = "spark_sql_kbase.explorer"
TIMEOUT = 120
BIG = ("SELECT id, id * 2 AS x, cast(id AS string) AS s, id % 1000 AS g, "
       "date_add(DATE'2020-01-01', cast(id % 3650 AS int)) AS d FROM range(0, 10000000, 1, 8)")


@pytest.fixture(scope="module")
def kernel(spark_env, tmp_path_factory):
    # Snapshots of up to 1 GiB (Spark estimates BIG at 267 MiB), two at most: these tests read
    # snapshots; `live_kernel` has the default budget.
    directory = tmp_path_factory.mktemp("explorer")
    env = dict(spark_env, SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS="2",
               SPARK_SQL_KERNEL_EXPLORER_SNAPSHOT_BYTES=str(1 << 30),
               SPARK_SQL_KERNEL_JOURNAL=str(directory / "journal.sqlite"))
    for km, kc in started(env, directory):
        km.journal_path = directory / "journal.sqlite"  # read by the export's test
        yield km, kc


def exported_files(journal):
    """The files the journal's records say were written, by path."""
    import sqlite3

    if not journal.exists():
        return {}
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as db:
        records = [json.loads(row[0]) for row in db.execute("SELECT record FROM statements")]
    return {f["path"]: f for r in records for f in r["files"]}


def started(env, cwd):
    """A kernel with `env` in `cwd`, ready: (manager, client) until the fixture ends."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="spark-sql-kbase")
    km.start_kernel(env=env, cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code):
    """Runs `code`; its outputs (IOPub contents by type) once the kernel is idle again."""
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "comm_msg":
            # A view's events that arrive while a cell runs are kept for its Comm.
            content = msg["content"]
            EVENTS.setdefault(content["comm_id"], []).append(content["data"])
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        outputs.append(msg)


def result_of(kc, code):
    results = [m["content"]["data"] for m in run(kc, code)
               if m["msg_type"] in ("execute_result", "display_data")]
    assert results, f"no result for {code!r}"
    return results[-1]


# Events that arrived for each comm, read or not yet (IOPub carries every comm's).
EVENTS = {}


class Comm:
    """A comm to one view, as the explorer's frontend opens it."""

    def __init__(self, kc, view):
        self.kc, self.id, self.next = kc, uuid.uuid4().hex, 0
        self.events = EVENTS.setdefault(self.id, [])
        msg = kc.session.msg("comm_open", {"comm_id": self.id, "target_name": TARGET,
                                           "data": {"view": view}})
        kc.shell_channel.send(msg)

    def send(self, **request):
        self.next += 1
        request["id"] = self.next
        self.kc.shell_channel.send(self.kc.session.msg(
            "comm_msg", {"comm_id": self.id, "data": request}))
        return self.next

    def wait(self, test, timeout=TIMEOUT):
        """The first event (not seen before) for which `test` holds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if test(event):
                    self.events.remove(event)
                    return event
            left = deadline - time.monotonic()
            assert left > 0, f"no such event; seen {self.events}"
            msg = self.kc.get_iopub_msg(timeout=left)
            content = msg["content"]
            if msg["msg_type"] == "comm_msg":
                EVENTS.setdefault(content["comm_id"], []).append(content["data"])
            if msg["msg_type"] == "comm_close":
                EVENTS.setdefault(content["comm_id"], []).append({"event": "closed"})

    def answer(self, request_id, timeout=TIMEOUT):
        return self.wait(lambda e: e.get("id") == request_id, timeout)

    def close(self):
        self.kc.shell_channel.send(self.kc.session.msg("comm_close", {"comm_id": self.id, "data": {}}))


def sql_rows(kc, sql):
    """The rows of `sql` run as a cell, as the explorer shows them (text)."""
    data = result_of(kc, "%%limit 100\n" + sql)
    return data[MIME]["rows"]


def test_a_query_result_carries_the_explorer_beside_its_static_table(kernel):
    km, kc = kernel
    data = result_of(kc, "%%limit 5\n" + BIG)
    assert "text/html" in data and "text/plain" in data
    display = data[MIME]
    assert [c["name"] for c in display["columns"]] == ["id", "x", "s", "g", "d"]
    assert display["columns"][0] == {"name": "id", "type": "bigint", "numeric": True}
    assert display["rows"][0] == ["0", "0", "0", "0", "2020-01-01"]
    assert len(display["rows"]) == 5
    assert display["more"] is True
    assert display["page_size"] == 5


def test_commands_and_cells_with_explore_off_stay_static(kernel):
    km, kc = kernel
    assert MIME not in result_of(kc, "SHOW DATABASES")
    assert MIME not in result_of(kc, "%%explore off\nSELECT 1 AS one")
    assert MIME in result_of(kc, "SELECT 1 AS one")


def test_pages_are_exact_over_the_whole_result(kernel):
    km, kc = kernel
    view = result_of(kc, "%%limit 5\n" + BIG)[MIME]["view"]
    comm = Comm(kc, view)
    ready = comm.wait(lambda e: e["event"] in ("ready", "gone", "error"))
    assert ready["event"] == "ready", ready
    assert ready["total"] == 10_000_000
    page = comm.answer(comm.send(op="page", start=5_000_000, size=3))
    assert page["event"] == "page", page
    assert page["start"] == 5_000_000
    assert [r[0] for r in page["rows"]] == ["5000000", "5000001", "5000002"]
    last = comm.answer(comm.send(op="page", start=9_999_998, size=25))
    assert [r[0] for r in last["rows"]] == ["9999998", "9999999"]
    comm.close()


def test_sort_and_filter_agree_with_the_same_sql(kernel):
    km, kc = kernel
    view = result_of(kc, "%%limit 5\n" + BIG)[MIME]["view"]
    comm = Comm(kc, view)
    state = {"sort": {"column": 1, "descending": True},
             "filters": [{"column": 2, "op": "contains", "value": "777"},
                         {"column": 3, "op": "between", "value": "700", "value2": "800"}]}
    page = comm.answer(comm.send(op="page", start=10, size=20, state=state))
    assert page["event"] == "page", page
    direct = sql_rows(kc, f"SELECT * FROM ({BIG}) WHERE contains(s, '777') AND g BETWEEN 700 AND 800 "
                          "ORDER BY x DESC LIMIT 20 OFFSET 10")
    assert page["rows"] == direct
    # The next page came in the same pass over the snapshot; it agrees too.
    following = comm.answer(comm.send(op="page", start=30, size=20, state=state))
    direct = sql_rows(kc, f"SELECT * FROM ({BIG}) WHERE contains(s, '777') AND g BETWEEN 700 AND 800 "
                          "ORDER BY x DESC LIMIT 20 OFFSET 30")
    assert following["rows"] == direct
    count = comm.answer(comm.send(op="count", state=state))
    expected = sql_rows(kc, f"SELECT count(*) FROM ({BIG}) WHERE contains(s, '777') AND g BETWEEN 700 AND 800")
    assert count["total"] == int(expected[0][0])
    comm.close()


def test_a_summary_counts_nulls_distinct_values_and_bounds(kernel):
    km, kc = kernel
    view = result_of(kc, "SELECT id, IF(id % 4 = 0, NULL, id % 7 + 1) AS v, array(id) AS a FROM range(100)")[MIME]["view"]
    comm = Comm(kc, view)
    summary = comm.answer(comm.send(op="summary"))
    assert summary["event"] == "summary", summary
    assert summary["rows"] == 100
    v = summary["columns"][1]
    assert v["nulls"] == 25
    assert v["min"] == "1"
    assert v["max"] == "7"
    assert 6 <= v["distinct"] <= 8
    assert summary["columns"][2]["distinct"] is None
    comm.close()


def test_an_export_writes_the_sorted_filtered_result(kernel, tmp_path):
    km, kc = kernel
    view = result_of(kc, "SELECT id, id % 3 AS m FROM range(1000)")[MIME]["view"]
    comm = Comm(kc, view)
    target = tmp_path / "out.csv"
    state = {"sort": {"column": 0, "descending": True},
             "filters": [{"column": 1, "op": "equals", "value": "0"}]}
    done = comm.answer(comm.send(op="export", path=str(target), format="csv", state=state))
    assert done["event"] == "exported", done
    assert "334 rows" in done["message"]
    lines = target.read_text().splitlines()
    assert lines[:3] == ["id,m", "999,0", "996,0"]
    assert len(lines) == 335
    comm.close()
    # The journal records the export's statement and the file it wrote.
    journal = km.journal_path
    deadline = time.monotonic() + 10
    while True:
        files = exported_files(journal)
        if str(target) in files:
            break
        assert time.monotonic() < deadline, files
        time.sleep(0.1)
    assert files[str(target)] == {"path": str(target), "format": "csv",
                                  "bytes": target.stat().st_size, "rows": 334}


def test_an_unknown_view_says_to_re_run_and_closes(kernel):
    km, kc = kernel
    comm = Comm(kc, "no-such-view")
    gone = comm.wait(lambda e: e["event"] == "gone")
    assert gone["why"] == "unknown"
    assert "re-run the cell to explore" in gone["message"]
    comm.wait(lambda e: e["event"] == "closed")


def test_snapshots_past_the_cap_evict_the_oldest_with_a_note(kernel):
    km, kc = kernel
    comms = []
    for i in range(3):
        view = result_of(kc, f"SELECT id + {i} AS v FROM range(10)")[MIME]["view"]
        comm = Comm(kc, view)
        assert comm.wait(lambda e: e["event"] in ("ready", "gone"))["event"] == "ready"
        comms.append(comm)
    gone = comms[0].wait(lambda e: e["event"] == "gone")
    assert gone["why"] == "evicted"
    assert "at most 2" in gone["message"]
    failed = comms[0].answer(comms[0].send(op="count"))
    assert failed["event"] == "error"
    assert comms[2].answer(comms[2].send(op="count"))["total"] == 10
    for comm in comms:
        comm.close()


def global_views(kc):
    data = result_of(kc, "%%limit 1000\nSHOW VIEWS IN global_temp")
    return data["text/plain"]


def test_a_snapshot_is_released_when_its_last_comm_closes(kernel):
    km, kc = kernel
    view = result_of(kc, "SELECT id FROM range(50)")[MIME]["view"]
    name = "kbase_explore_" + view.replace("-", "_")
    first, second = Comm(kc, view), Comm(kc, view)
    assert first.wait(lambda e: e["event"] == "ready")["total"] == 50
    assert name in global_views(kc)
    first.close()
    assert second.answer(second.send(op="count"))["total"] == 50
    second.close()
    deadline = time.monotonic() + 30
    while name in global_views(kc):
        assert time.monotonic() < deadline, "the snapshot was not released"
        time.sleep(0.5)


def counting_a_cross_join(kc):
    """A view of a 4e10-row cross join, read live (Spark estimates it at 2.3 TiB), counting its
    rows on both of the server's cores for 3 s now: (its comm, the count's request id)."""
    slow = "SELECT a.id, b.id AS b FROM range(200000) a CROSS JOIN range(200000) b"
    comm = Comm(kc, result_of(kc, slow)[MIME]["view"])
    assert comm.wait(lambda e: e["event"] in ("live", "ready", "gone"))["event"] == "live"
    request = comm.send(op="count")
    time.sleep(3)
    return comm, request


def test_an_interrupt_ends_a_slow_request(kernel):
    km, kc = kernel
    comm, request = counting_a_cross_join(kc)
    started = time.monotonic()
    km.interrupt_kernel()
    answer = comm.answer(request, timeout=30)
    assert answer["event"] == "error", answer
    assert "Interrupted" in answer["message"]
    assert time.monotonic() - started < 10
    # The server ended the work too: the next cell is not kept waiting behind it (the cross
    # join would hold both cores for minutes).
    started = time.monotonic()
    assert "42" in result_of(kc, "SELECT 42 AS answer")["text/plain"]
    took = time.monotonic() - started
    assert took < 20, f"the next cell took {took:.0f} s: the slow request went on"
    comm.close()


def test_a_cell_goes_first_and_the_view_goes_on_after_it(kernel):
    """A cell typed while the explorer counts a large result runs at once: the count's work on
    the server is interrupted, the view hears that it waits, and it goes on when the cell ended."""
    km, kc = kernel
    started = time.monotonic()
    result_of(kc, "SELECT 41 AS alone")
    alone = time.monotonic() - started
    comm, request = counting_a_cross_join(kc)
    started = time.monotonic()
    assert "42" in result_of(kc, "SELECT 42 AS answer")["text/plain"]
    took = time.monotonic() - started
    print(f"a cell beside the explorer's count: {took:.2f} s (alone: {alone:.2f} s)")
    assert took < alone + 2, f"the cell took {took:.1f} s: it waited behind the explorer"
    paused = comm.wait(lambda e: e.get("event") == "paused" and e.get("id") == request, timeout=10)
    assert paused["message"].startswith("Paused while a cell runs"), paused
    comm.wait(lambda e: e.get("event") == "resumed" and e.get("id") == request, timeout=10)
    # The count goes on after the cell: the toolbar's stop ends it.
    time.sleep(1)
    km.interrupt_kernel()
    ended = comm.answer(request, timeout=30)
    assert ended["event"] == "error" and "Interrupted" in ended["message"], ended
    comm.close()


# The explorer at BERDL's scale, with the default snapshot budget (256 MiB of Spark's estimate).
HUGE = ("SELECT id, id % 1000 AS k, sha2(cast(id AS string), 256) AS h, repeat('x', 60) AS pad "
        "FROM range(1000000000)")


@pytest.fixture(scope="module")
def live_kernel(spark_env, tmp_path_factory):
    yield from started(dict(spark_env), tmp_path_factory.mktemp("explorer-live"))


def spark_ui(path):
    """The run's Spark UI REST API (scripts/test turns the UI on for this)."""
    import urllib.request

    base = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_UI"]
    with urllib.request.urlopen(base + "/api/v1/applications") as response:
        app = json.load(response)[0]["id"]
    with urllib.request.urlopen(f"{base}/api/v1/applications/{app}/{path}") as response:
        return json.load(response)


def test_opening_a_billion_row_view_starts_no_spark_job(live_kernel):
    km, kc = live_kernel
    view = result_of(kc, HUGE)[MIME]["view"]
    time.sleep(1)
    jobs = len(spark_ui("jobs"))
    comm = Comm(kc, view)
    live = comm.wait(lambda e: e["event"] in ("live", "ready", "gone", "error"))
    assert live["event"] == "live", live
    assert live["estimate"] > 1 << 30, live
    assert "live tables" in live["message"], live
    time.sleep(3)
    assert len(spark_ui("jobs")) == jobs, "opening the view ran a Spark job"
    # Rows near the start come from the live statement, which Spark stops early.
    page = comm.answer(comm.send(op="page", start=200, size=100), timeout=60)
    assert page["event"] == "page", page
    assert [r[0] for r in page["rows"][:2]] == ["200", "201"], page["rows"][:2]
    comm.close()


def test_a_large_result_pages_live_counts_on_demand_and_keeps_a_copy_when_asked(live_kernel):
    km, kc = live_kernel
    view = result_of(kc, BIG)[MIME]["view"]
    comm = Comm(kc, view)
    live = comm.wait(lambda e: e["event"] in ("live", "ready", "gone", "error"))
    assert live["event"] == "live", live
    # Page 3 is the same LIMIT … OFFSET run as a cell.
    page = comm.answer(comm.send(op="page", start=200, size=100))
    assert page["event"] == "page", page
    assert page["rows"] == sql_rows(kc, BIG + " LIMIT 100 OFFSET 200")
    count = comm.answer(comm.send(op="count"))
    assert count["total"] == 10_000_000, count
    # Keep a stable copy: a snapshot, whatever the budget.
    comm.send(op="keep")
    ready = comm.wait(lambda e: e["event"] in ("ready", "gone", "error") and e.get("id", 0) == 0)
    assert ready["event"] == "ready" and ready["total"] == 10_000_000, ready
    page = comm.answer(comm.send(op="page", start=5_000_000, size=2))
    assert [r[0] for r in page["rows"]] == ["5000000", "5000001"]
    comm.close()


def test_a_small_result_gets_its_snapshot_at_once(live_kernel):
    km, kc = live_kernel
    view = result_of(kc, "SELECT id, id % 1000 AS g FROM range(0, 1000000, 1, 4)")[MIME]["view"]
    comm = Comm(kc, view)
    ready = comm.wait(lambda e: e["event"] in ("live", "ready", "gone", "error"))
    assert ready["event"] == "ready" and ready["total"] == 1_000_000, ready
    comm.close()


def test_twenty_views_keep_the_servers_cache_within_the_budget(live_kernel):
    km, kc = live_kernel
    budget = 256 << 20
    comms, views = [], []
    for i in range(20):
        # Tens of MiB each, as Spark estimates it: a few fit the budget, the others are evicted.
        sql = f"SELECT id + {i} AS v, id % 7 AS w, repeat('y', 10) AS z FROM range(0, 1000000, 1, 2)"
        views.append(result_of(kc, sql)[MIME]["view"])
        comm = Comm(kc, views[-1])
        first = comm.wait(lambda e: e["event"] in ("live", "ready", "gone", "error"))
        assert first["event"] == "ready", first
        comms.append(comm)
    time.sleep(3)
    names = {"In-memory table global_temp.kbase_explore_" + v.replace("-", "_") for v in views}
    cached = [r for r in spark_ui("storage/rdd") if r["name"] in names]
    held = sum(r.get("memoryUsed", 0) + r.get("diskUsed", 0) for r in cached)
    print(f"20 views: {len(cached)} cached, {held / 2**20:.0f} MiB held (budget {budget >> 20} MiB)")
    assert 0 < len(cached) < 20, f"{len(cached)} of the 20 views' snapshots are cached"
    assert held <= budget, f"{held} bytes cached for 20 views"
    evicted = comms[0].wait(lambda e: e["event"] == "gone", timeout=10)
    assert evicted["why"] == "evicted", evicted
    for comm in comms:
        comm.close()
