"""Exporting 1e7 rows x 3 columns to CSV and to Parquet: the kernel's %%export (the installed
spark-sql-kbase kernelspec through jupyter_client) next to PySpark Connect's
spark.sql(q).toPandas().to_csv() / .to_parquet(), on the same server. Each run is a fresh process
(a fresh kernel), so its peak RSS (VmHWM / ru_maxrss) is its own; the best of RUNS is printed.

Usage: bench_export.py PORT DIR [RUNS]   (token in SPARK_SQL_KERNEL_BENCH_TOKEN; the kernel's
environment is set by scripts/bench)
"""

import os
import subprocess
import sys
import time

from bench_kernel import proc_status, started_kernel

QUERY = "SELECT id, id * 2 AS x, cast(id AS string) AS s FROM range(0, 10000000, 1, 16)"

PYSPARK = """
import resource, sys, time
from pyspark.sql import SparkSession
port, token, path = sys.argv[1:4]
spark = SparkSession.builder.remote(f"sc://localhost:{port}/;token={token}").getOrCreate()
spark.sql("SELECT 1").collect()
started = time.perf_counter()
frame = spark.sql(sys.argv[4]).toPandas()
if path.endswith(".csv"):
    frame.to_csv(path, index=False)
else:
    frame.attrs.clear()  # PySpark 4.0 leaves PlanMetrics there, which to_parquet cannot write
    frame.to_parquet(path)
took = time.perf_counter() - started
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def kernel(path):
    with started_kernel() as (pid, kc):
        kc.execute_interactive("SELECT 1", timeout=120, output_hook=lambda msg: None)
        started = time.perf_counter()
        reply = kc.execute_interactive(f"%%export {path}\n{QUERY}", timeout=600,
                                       output_hook=lambda msg: None)
        took = time.perf_counter() - started
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"the kernel's export failed: {reply['content']}")
        return took, proc_status(pid, "VmHWM")


def pyspark(port, token, path):
    out = subprocess.run([sys.executable, "-c", PYSPARK, port, token, path, QUERY],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def main():
    port, directory = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    token = os.environ["SPARK_SQL_KERNEL_BENCH_TOKEN"]
    mb = 1024 * 1024
    print(f"Export of 1e7 rows x 3 columns ({QUERY}), best of {runs}:")
    for ext in ("csv", "parquet"):
        path = os.path.join(directory, f"bench.{ext}")
        ours = min(kernel(path) for _ in range(runs))
        size = os.path.getsize(path)
        theirs = min(pyspark(port, token, path) for _ in range(runs))
        print(f"  {ext:8s} kernel %%export {ours[0]:6.2f} s, peak RSS {ours[1] / mb:5.0f} MB "
              f"({size / mb:.0f} MB file) | PySpark toPandas().to_{ext}() {theirs[0]:6.2f} s, "
              f"peak RSS {theirs[1] / mb:5.0f} MB | {theirs[0] / ours[0]:.1f}x faster, "
              f"{ours[1] / theirs[1] * 100:.0f}% of the memory")


if __name__ == "__main__":
    main()
