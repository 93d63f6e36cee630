"""The comparison figures: PySpark's Connect client, and the kernel end to end through
jupyter_client, on the same Spark Connect server (scripts/bench starts it).

Usage: bench_python.py PORT   (token in env SPARK_SQL_KERNEL_BENCH_TOKEN; for the kernel,
KBASE_AUTH_URL etc. are set by scripts/bench)
"""

import os
import statistics
import sys
import time

QUERY_1E6 = "SELECT id, id * 2 AS x, cast(id AS string) s FROM range(1000000)"


def median_ms(fn, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)  # the same untimed pause between runs as for the Rust client
    return statistics.median(samples)


def pyspark(port, token):
    started = time.perf_counter()
    from pyspark.sql import SparkSession

    # PySpark forces TLS with a token unless the host is literally "localhost".
    spark = SparkSession.builder.remote(f"sc://localhost:{port}/;token={token}").getOrCreate()
    spark.sql("SELECT 1").collect()
    first = (time.perf_counter() - started) * 1000
    for _ in range(20):  # warm-up, as for the other clients
        spark.sql("SELECT 1").collect()
        spark.sql(QUERY_1E6).limit(101).collect()
    select1 = median_ms(lambda: spark.sql("SELECT 1").collect(), 50)
    limited = median_ms(lambda: spark.sql(QUERY_1E6).limit(101).collect(), 30)
    html = median_ms(lambda: spark.sql(QUERY_1E6).limit(100).toPandas().to_html(), 30)
    # Metadata, the peer of completion: a view's columns (a new DataFrame each time, as a
    # notebook's code asks) and the catalogs.
    spark.sql("SELECT 1 AS x").createOrReplaceTempView("bench_view_0")
    columns = median_ms(lambda: spark.table("bench_view_0").columns, 30)
    catalogs = median_ms(lambda: spark.catalog.listCatalogs(), 30)
    print(f"PySpark {spark.version} Connect client (Python), medians:")
    print(f"  import + session + first SELECT 1        {first:8.1f} ms")
    print(f"  SELECT 1 .collect()                      {select1:8.1f} ms")
    print(f"  1e6-row query .limit(101).collect()      {limited:8.1f} ms")
    print(f"  1e6-row query .limit(100).toPandas().to_html() {html:8.1f} ms")
    print(f"  a view's columns (spark.table(v).columns) {columns:7.1f} ms")
    print(f"  spark.catalog.listCatalogs()             {catalogs:8.1f} ms")
    spark.stop()


def cold_start():
    """Kernel start (jupyter_client) to the reply of a first SELECT 1, and then the first Tab
    on a catalog's name (a cold cache: SHOW CATALOGS and SET, asked at once), in ms."""
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="spark-sql-kbase", env=dict(os.environ))
    try:
        reply = kc.execute_interactive("SELECT 1", timeout=120, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        first = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        reply = kc.complete("SELECT * FROM spark_cat", reply=True, timeout=30)
        assert "spark_catalog" in reply["content"]["matches"], reply["content"]
        return first, (time.perf_counter() - started) * 1000
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def kernel():
    from jupyter_client.manager import start_new_kernel

    colds = [cold_start() for _ in range(5)]
    first = sorted(c[0] for c in colds)[2]
    first_tab = sorted(c[1] for c in colds)[2]
    km, kc = start_new_kernel(kernel_name="spark-sql-kbase", env=dict(os.environ))
    try:
        def run(code):
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
            assert reply["content"]["status"] == "ok", reply["content"]

        for _ in range(20):  # warm-up, as for the other clients
            run("SELECT 1")
            run(QUERY_1E6)
        select1 = median_ms(lambda: run("SELECT 1"), 50)
        limited = median_ms(lambda: run(QUERY_1E6), 30)

        def complete(code):
            started = time.perf_counter()
            reply = kc.complete(code, reply=True, timeout=30)
            assert reply["content"]["matches"], reply["content"]
            return (time.perf_counter() - started) * 1000

        # A temporary view empties the catalog cache (DDL); the first completion fills it.
        colds = []
        for i in range(5):
            run(f"CREATE OR REPLACE TEMPORARY VIEW bench_view_{i} AS SELECT 1 AS x")
            colds.append(complete("SELECT x FROM bench_view_0 WHERE x > 0 AND x"))
        colds.sort()
        warm = median_ms(lambda: complete("SELECT x FROM bench_view_0 WHERE x > 0 AND x"), 20)
        print("The kernel end to end (execute_request to reply, table rendered), medians:")
        print(f"  kernel start + first SELECT 1 (median of 5) {first:5.1f} ms")
        print(f"  SELECT 1                                 {select1:8.1f} ms")
        print(f"  1e6-row query shown with limit 100       {limited:8.1f} ms")
        print(f"  completion of a column, cold cache (median of 5) {colds[2]:5.1f} ms")
        print(f"  completion of a column, warm cache       {warm:8.1f} ms")
        print(f"  first Tab of a new kernel, catalog names (median of 5) {first_tab:5.1f} ms")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    pyspark(sys.argv[1], os.environ["SPARK_SQL_KERNEL_BENCH_TOKEN"])
    print()
    kernel()
