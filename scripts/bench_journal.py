"""What the journal and the result views cost a `SELECT 1` cell, end to end through
jupyter_client, measured in the same run: three kernels side by side, their cells interleaved
so that all see the same machine — as before both (journal off, no views), with the journal
(a SQLite file, written by the kernel's writer thread), and with both (the default).

Usage: bench_journal.py   (the kernel's settings in the environment, set by scripts/bench)
"""

import os
import statistics
import tempfile
import time

from bench_proxy import kernel, timed  # a kernel with extra settings; one timed SELECT 1


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
    samples = {name: [] for name in setups}
    try:
        for _ in range(20):  # warm-up
            for _, kc in kernels.values():
                timed(kc)
        names = list(kernels)
        for round_ in range(20):  # interleaved rounds, each kernel first in turn
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                _, kc = kernels[name]
                for _ in range(10):
                    samples[name].append(timed(kc))
                    time.sleep(0.02)
    finally:
        for km, kc in kernels.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    names = list(setups)
    base = statistics.median(samples[names[0]])
    print("SELECT 1 end to end (jupyter_client), medians of 200, interleaved:")
    for name in names:
        median = statistics.median(samples[name])
        over = "" if name == names[0] else f"  ({median - base:+.2f} ms over the first)"
        print(f"  {name:45s} {median:7.2f} ms{over}")


if __name__ == "__main__":
    main()
