"""%%chart against the run's Spark: every kind on real results, each spec compiled and rendered by
Vega-Lite's own compiler (vl-convert), each SVG parsed as XML; errors, the row cap, completion and
inspection through jupyter_client; nbconvert's HTML export of a chart notebook shows the SVG."""

import base64
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import nbformat
import pytest
import vl_convert
from jupyter_client import KernelManager

from test_client import KERNEL, TIMEOUT, run

VIEW = """CREATE OR REPLACE TEMPORARY VIEW chart_genomes AS
SELECT concat('phylum ', id % 4) AS phylum, id AS n, 0.3 + (id % 17) / 40.0 AS gc,
  CAST(id % 3 AS DECIMAL(5, 1)) AS weight,
  date_add(DATE'2024-01-01', CAST(id % 10 AS INT)) AS day,
  TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, CAST(id AS INT), 0, 0) AS seen,
  id % 2 = 0 AS even
FROM range(40)"""

KINDS = {
    "bar": "x=phylum y=n color=even",
    "line": "x=day y=gc color=phylum",
    "area": "x=seen y=weight",
    "point": "x=gc y=n color=n",
    "histogram": "x=gc",
    "heatmap": "x=phylum y=day color=gc",
}


@pytest.fixture(scope="module")
def kernel(spark_env):
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(env=spark_env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    reply, _ = run(kc, VIEW, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def chart_cell(kc, code):
    reply, outputs = run(kc, code, timeout=120)
    displays = [m["content"] for m in outputs if m["msg_type"] == "display_data"]
    charts = [d for d in displays if "application/vnd.vegalite.v5+json" in d["data"]]
    return reply, outputs, displays, charts


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_draws_a_spec_vega_lite_compiles_and_an_svg(kernel, kind):
    reply, outputs, displays, charts = chart_cell(
        kernel, f'%%chart {kind} {KINDS[kind]} title="{kind} <of> genomes"\nSELECT * FROM chart_genomes')
    assert reply["content"]["status"] == "ok", reply["content"]
    tables = [d for d in displays if "text/html" in d["data"] and "spark-sql-table" in d["data"]["text/html"]]
    assert tables, "the table is shown first"
    assert len(charts) == 1 and displays[-1] is charts[0], "the chart is one display_data after the table"
    data = charts[0]["data"]
    spec = data["application/vnd.vegalite.v5+json"]
    assert len(spec["data"]["values"]) == 40
    assert spec["title"] == f"{kind} <of> genomes"
    # Vega-Lite's own compiler takes the spec, and its renderer draws marks from our rows.
    vega = vl_convert.vegalite_to_vega(spec)
    assert vega["marks"], vega
    rendered = vl_convert.vegalite_to_svg(spec)
    ET.fromstring(rendered)
    assert rendered.count("<path") + rendered.count("<rect") > 5
    ours = data["image/svg+xml"]
    root = ET.fromstring(ours)
    assert root.tag.endswith("svg")
    assert "<script" not in ours
    assert "&lt;of&gt;" in ours, "the title is in the SVG, escaped"
    assert data["text/plain"].endswith("40 rows."), data["text/plain"]


def test_times_are_drawn_at_the_session_time_zones_wall_clock(kernel):
    reply, _, _, charts = chart_cell(
        kernel, "%%chart line x=seen y=n\nSET TIME ZONE 'America/Chicago';\n"
        "SELECT TIMESTAMP'2024-01-01 12:00:00 UTC' AS seen, 1 AS n")
    assert reply["content"]["status"] == "ok", reply["content"]
    spec = charts[0]["data"]["application/vnd.vegalite.v5+json"]
    assert spec["data"]["values"] == [{"seen": "2024-01-01T06:00:00.000Z", "n": 1}]
    run(kernel, "SET TIME ZONE 'UTC'")


def test_a_missing_column_and_a_wrong_type_are_clear_errors(kernel):
    reply, outputs, _, charts = chart_cell(kernel, "%%chart bar x=phyla y=n\nSELECT * FROM chart_genomes")
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "ChartError", content
    assert "phylum, n, gc, weight, day, seen, even" in content["evalue"], content["evalue"]
    assert not charts
    reply, *_ = chart_cell(kernel, "%%chart line x=day y=phylum\nSELECT * FROM chart_genomes")
    assert reply["content"]["ename"] == "ChartError"
    assert "y=phylum is a string column" in reply["content"]["evalue"]
    reply, *_ = chart_cell(kernel, "%%chart pie x=phylum\nSELECT 1")
    assert reply["content"]["ename"] == "UsageError"
    assert "unknown chart \"pie\"" in reply["content"]["evalue"]
    reply, *_ = chart_cell(kernel, "SELECT 1 AS after")
    assert reply["content"]["status"] == "ok"


def test_rows_past_the_cap_are_left_out_and_said_so(kernel):
    reply, outputs, displays, charts = chart_cell(kernel, "%%chart point x=id y=id\nSELECT id FROM range(6000)")
    assert reply["content"]["status"] == "ok", reply["content"]
    spec = charts[0]["data"]["application/vnd.vegalite.v5+json"]
    assert len(spec["data"]["values"]) == 5000
    said = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
    assert "first 5000 rows" in said and "SPARK_SQL_KERNEL_CHART_ROWS" in said, said
    tables = [d["data"]["text/plain"] for d in displays if "spark-sql-table" in d["data"].get("text/html", "")]
    assert len(tables) == 1 and "showing the first 100 rows" in tables[0], tables


def test_completion_and_inspection_know_both_cell_magics(kernel):
    def complete(code, cursor):
        kernel.complete(code, cursor)
        return kernel.get_shell_msg(timeout=TIMEOUT)["content"]

    got = complete("%%chart hi\nSELECT * FROM chart_genomes", 10)
    assert got["matches"] == ["histogram"], got
    got = complete("%%chart bar x=ph\nSELECT * FROM chart_genomes", 16)
    assert got["matches"] == ["phylum"], got
    assert got["cursor_start"] == 14
    got = complete("%%ch", 4)
    assert "%%chart" in got["matches"], got
    for magic in ("%%chart", "%%export"):
        kernel.inspect(magic, 3)
        reply = kernel.get_shell_msg(timeout=TIMEOUT)["content"]
        assert reply["found"], reply
        assert f"usage\t{magic} " in reply["data"]["text/plain"] or magic in reply["data"]["text/plain"], reply
    _, outputs = run(kernel, "%lsmagic")
    listed = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"]
    assert "%%chart" in listed or "%chart" in listed, listed


def test_nbconverts_html_export_of_a_chart_notebook_shows_the_svg(spark_env, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Spark SQL (KBase)", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(
        '%%chart bar x=kind y=n title="Rows by kind"\n'
        "SELECT CASE WHEN id % 2 = 0 THEN 'even' ELSE 'odd' END AS kind, count(*) AS n "
        "FROM range(9) GROUP BY 1")]
    path = tmp_path / "chart.ipynb"
    nbformat.write(nb, str(path))
    jupyter = pathlib.Path(sys.executable).parent / "jupyter"
    done = subprocess.run(
        [str(jupyter), "nbconvert", "--to", "html", "--execute", "--ExecutePreprocessor.timeout=120",
         "--output-dir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=300, env=spark_env)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "chart.html").read_text()
    # nbconvert embeds the SVG as an image (a data URL): decode it and read it.
    found = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert found, "the chart's SVG is in the HTML"
    svg = base64.b64decode(found.group(1)).decode()
    ET.fromstring(svg)
    assert "Rows by kind" in svg and "\neven\n" in svg and "\nodd\n" in svg, svg[:2000]
    assert spark_env["KBASE_AUTH_TOKEN"] not in html
