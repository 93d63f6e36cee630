"""What the journal and the result views cost a `SELECT 1` cell, end to end through
jupyter_client, measured in the same run: three kernels side by side, their cells interleaved
so that all see the same machine — as before both (journal off, no views), with the journal
(a SQLite file, written by the kernel's writer thread), and with both (the default); then a
`SELECT 1` sent right after a cell with a 1e9-row result, with the journal off and on (the
journal then asks Spark, beside the cells, which tables that statement read).

Usage: bench_journal.py   (the kernel's settings in the environment, set by scripts/bench)
"""

import os
import statistics
import tempfile

from bench_proxy import interleaved, kernel, timed  # kernels with extra settings; one SELECT 1

BIG = "SELECT id, id % 7 AS g FROM range(0, 1000000000, 1, 8)"


def after_a_billion_rows(setups):
    """SELECT 1 sent right after a 1e9-row result's cell (shown with limit 100), while the
    journal looks up that statement's tables beside it: medians of 20 per kernel."""
    kernels = {name: kernel(extra) for name, extra in setups.items()}
    samples = {name: [] for name in kernels}
    try:
        for _ in range(20):
            for name, (_, kc) in kernels.items():
                reply = kc.execute_interactive(BIG, timeout=300, output_hook=lambda msg: None)
                assert reply["content"]["status"] == "ok", reply["content"]
                samples[name].append(timed(kc))
    finally:
        for km, kc in kernels.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    print("SELECT 1 right after a cell with a 1e9-row result, medians of 20:")
    for name, values in samples.items():
        print(f"  {name:45s} {statistics.median(values):7.2f} ms")


def main():
    directory = tempfile.mkdtemp(prefix="bench-journal-")
    journal = os.path.join(directory, "journal.sqlite")
    setups = {
        "journal off, no result views": {"SPARK_SQL_KERNEL_JOURNAL": "off",
                                         "SPARK_SQL_KERNEL_RESULT_VIEWS": "off"},
        "journal on, no result views": {"SPARK_SQL_KERNEL_JOURNAL": journal,
                                        "SPARK_SQL_KERNEL_RESULT_VIEWS": "off"},
        "journal on, results as views _N (default)": {"SPARK_SQL_KERNEL_JOURNAL": journal},
    }
    kernels = {name: kernel(extra) for name, extra in setups.items()}
    samples = interleaved(kernels, rounds=20)
    names = list(setups)
    base = statistics.median(samples[names[0]])
    print("SELECT 1 end to end (jupyter_client), medians of 200, interleaved:")
    for name in names:
        median = statistics.median(samples[name])
        over = "" if name == names[0] else f"  ({median - base:+.2f} ms over the first)"
        print(f"  {name:45s} {median:7.2f} ms{over}")
    after_a_billion_rows({name: setups[name] for name in (names[0], names[2])})


if __name__ == "__main__":
    main()
