"""Big results: what one result sends to the front end is bounded, and the kernel gives the
memory of a big cell back (its RSS returns near its level before the cell)."""

import time


from test_client import run

BIG = "SELECT id, repeat('x', 40) AS s, id * 2 AS d FROM range(1000000)"
MB = 1024 * 1024


def status(pid, field):
    """A field of /proc/PID/status in bytes (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def test_a_million_rows_send_a_bounded_table_and_memory_comes_back(spark_kernel):
    km, kc = spark_kernel
    pid = km.provisioner.process.pid
    reply, _ = run(kc, "SELECT 1")
    assert reply["content"]["status"] == "ok", reply["content"]
    run(kc, "%limit 1000000")
    time.sleep(1)
    before = status(pid, "VmRSS")
    for round in range(3):
        reply, outputs = run(kc, BIG, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        result = [m for m in outputs if m["msg_type"] == "execute_result"][0]
        data = result["content"]["data"]
        sent = len(data["text/plain"]) + len(data["text/html"])
        assert sent < 12_000_000, sent
        last = data["text/plain"].splitlines()[-1]
        assert "of 1000000 rows" in last and "SPARK_SQL_KERNEL_MAX_OUTPUT_MB" in last, last
        time.sleep(1)
        after, peak = status(pid, "VmRSS"), status(pid, "VmHWM")
        print(f"round {round}: sent {sent / MB:.1f} MB; RSS before {before / MB:.0f} MB, "
              f"after {after / MB:.0f} MB, peak {peak / MB:.0f} MB")
        assert after - before < 50 * MB, (before, after)
    # The kernel still answers normally.
    reply, outputs = run(kc, "SELECT 42 AS answer")
    assert reply["content"]["status"] == "ok"
