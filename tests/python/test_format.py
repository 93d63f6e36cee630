"""Format SQL against a real Spark server: the corpus of tests/format/corpus.sql, formatted by
the JupyterLab extension's own formatter (its unit test, run here with SQL_FORMAT_CORPUS_OUT,
which also checks that formatting twice changes nothing), must give the same analyzed plan as
the statements as written, over the views of tests/format/setup.sql. Scripts are kept as
written."""

import json
import os
import re
import subprocess
import sys
import pathlib

import pytest

from conftest import ROOT

LAB = ROOT / "labextension"
FORMAT = ROOT / "tests" / "format"
JLPM = pathlib.Path(sys.executable).parent / "jlpm"


def formatted_corpus(tmp_path):
    """The corpus and its formatting, from the extension's formatter (under Jest, in Node)."""
    if not (LAB / "node_modules").is_dir():
        pytest.fail("labextension/node_modules is missing: run scripts/test, which builds the extension")
    out = tmp_path / "corpus.json"
    env = dict(os.environ, SQL_FORMAT_CORPUS_OUT=str(out), PATH=f"{JLPM.parent}:{os.environ['PATH']}")
    run = subprocess.run([str(JLPM), "jest", "src/__tests__/sqlformat.spec.ts"], cwd=LAB, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(out.read_text())


def analyzed_plan(spark, statement):
    """EXPLAIN EXTENDED's analyzed plan, with the ids Spark counts per query (expressions'
    `#123`, CTEs' `CTERelationDef 2`, recursion's `UnionLoop 12`) made alike."""
    text = spark.sql(f"EXPLAIN EXTENDED {statement}").collect()[0][0]
    found = re.search(r"== Analyzed Logical Plan ==\n(.*?)\n== Optimized Logical Plan ==", text, re.S)
    assert found, text
    plan = re.sub(r"#\d+L?", "#", found.group(1))
    return re.sub(r"(CTERelation(?:Def|Ref)|UnionLoop(?:Ref)?) \d+", r"\1 N", plan)


@pytest.fixture
def spark():
    from pyspark.sql import SparkSession

    port = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_URL"].rsplit(":", 1)[1]
    token = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_TOKEN"]
    # PySpark uses TLS with a token for every host but the literal `localhost`.
    session = SparkSession.builder.remote(f"sc://localhost:{port}/;token={token}").create()
    for statement in (FORMAT / "setup.sql").read_text().split(";"):
        session.sql(statement)
    yield session
    session.stop()


def test_formatted_statements_keep_their_analyzed_plans(spark, tmp_path):
    corpus = formatted_corpus(tmp_path)
    assert len(corpus) >= 50
    compared, changed = 0, []
    for entry in corpus:
        original, formatted = entry["original"], entry["formatted"]
        assert not entry["unparsed"], f"the formatter could not read:\n{original}"
        if entry["script"]:
            assert formatted == original, "a script is kept as written"
            continue
        before, after = analyzed_plan(spark, original), analyzed_plan(spark, formatted)
        if after != before:
            changed.append(f"{original}\n---\n{formatted}\n---\n{before}\n---\n{after}")
        compared += 1
    assert not changed, "the plan changed:\n\n" + "\n\n".join(changed)
    assert compared >= 50
    assert sum(e["formatted"] != e["original"] for e in corpus) >= 50, "the corpus was formatted"
