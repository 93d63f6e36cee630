"""User-defined types as BERDL users meet them: a table of MLlib vectors made by PySpark's own
Connect client on the run's server (a global temporary view), then read by the kernel through
jupyter_client. The header names the UDT; the values read as Spark prints vectors."""

import os
import re

import pytest

TIMEOUT = 60


@pytest.fixture(scope="module")
def vectors_view():
    """`global_temp.kernel_vectors`: a dense and a sparse vector, made with PySpark Connect."""
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession

    port = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_URL"].rsplit(":", 1)[1]
    token = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_TOKEN"]
    # PySpark uses TLS with a token for every host but the literal `localhost`.
    spark = SparkSession.builder.remote(f"sc://localhost:{port}/;token={token}").getOrCreate()
    frame = spark.createDataFrame(
        [(1, Vectors.dense([1.0, 2.5])), (2, Vectors.sparse(4, [0, 3], [1.0, -2.0]))],
        ["id", "v"],
    )
    frame.createOrReplaceGlobalTempView("kernel_vectors")
    yield "global_temp.kernel_vectors"
    spark.catalog.dropGlobalTempView("kernel_vectors")
    spark.stop()


def test_vectors_show_their_udt_name_and_readable_values(spark_kernel, vectors_view):
    _, kc = spark_kernel
    results = []
    reply = kc.execute_interactive(
        f"SELECT id, v FROM {vectors_view} ORDER BY id",
        timeout=TIMEOUT,
        output_hook=lambda m: results.append(m) if m["msg_type"] == "execute_result" else None,
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    data = results[0]["content"]["data"]
    text = data["text/plain"]
    assert re.search(r"\|\s+1 \| \[1\.0,2\.5\]\s+\|", text), text
    assert re.search(r"\|\s+2 \| \(4,\[0,3\],\[1\.0,-2\.0\]\)\s+\|", text), text
    assert '<small class="spark-sql-type">VectorUDT</small>' in data["text/html"]
