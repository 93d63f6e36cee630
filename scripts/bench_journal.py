"""What the journal and the result views cost a `SELECT 1` cell, end to end through
jupyter_client, measured in the same run: three kernels side by side, their cells interleaved
so that all see the same machine — as before both (journal off, no views), with the journal
(a SQLite file, written by the kernel's writer thread), and with both (the default).

Usage: bench_journal.py   (the kernel's settings in the environment, set by scripts/bench)
"""

import os
import statistics
import tempfile

from bench_proxy import interleaved, kernel  # kernels with extra settings, timed side by side


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


if __name__ == "__main__":
    main()
