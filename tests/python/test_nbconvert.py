"""Batch runs: `jupyter nbconvert --execute` through the installed kernelspec."""

import pathlib
import shutil
import subprocess
import sys

import nbformat

from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent


def nbconvert(notebook, out_dir, *extra, env=None):
    return subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(out_dir), *extra, str(notebook)],
        capture_output=True, text=True, timeout=300, env=env,
    )


def is_progress(output):
    """A progress line (a statement slower than a second, as on a busy machine)."""
    return output["output_type"] == "display_data" and output["data"]["text/plain"].startswith("Spark: ")


def outputs(path):
    """Each cell's outputs, without progress lines."""
    nb = nbformat.read(str(path), as_version=4)
    return [[o for o in cell.get("outputs", []) if not is_progress(o)] for cell in nb.cells]


def test_a_notebook_of_magics_executes_with_its_outputs(notebooks, tmp_path):
    run = nbconvert(notebooks / "magics.ipynb", tmp_path)
    assert run.returncode == 0, run.stderr
    cells = outputs(tmp_path / "magics.ipynb")
    lsmagic = cells[0][0]
    assert lsmagic["output_type"] == "execute_result"
    assert "%limit" in lsmagic["data"]["text/plain"]
    assert "<table>" in lsmagic["data"]["text/html"]
    streams = {o["name"]: o["text"] for o in cells[1]}
    assert streams == {"stdout": "notes for the batch log\n", "stderr": "a warning\n"}
    assert cells[3][0]["data"]["text/plain"] == "25"
    error = cells[4][0]
    assert error["output_type"] == "error" and error["ename"] == "UsageError"
    assert cells[5] == []


def test_a_failing_cell_fails_the_batch_run_unless_errors_are_allowed(notebooks, tmp_path):
    run = nbconvert(notebooks / "failing.ipynb", tmp_path)
    assert run.returncode != 0
    assert "nosuchmagic" in run.stderr
    run = nbconvert(notebooks / "failing.ipynb", tmp_path, "--allow-errors")
    assert run.returncode == 0, run.stderr
    cells = outputs(tmp_path / "failing.ipynb")
    assert cells[1][0]["output_type"] == "error"
    assert cells[2][0]["text"] == "after\n"


def test_a_notebook_of_sql_runs_against_spark_with_tables_in_its_outputs(notebooks, tmp_path, spark_env):
    run = nbconvert(str(notebooks / "sql.ipynb"), tmp_path, env=spark_env)
    assert run.returncode == 0, run.stderr
    cells = outputs(tmp_path / "sql.ipynb")
    # A view: no table, a short OK line.
    assert [o["output_type"] for o in cells[0]] == ["execute_result"]
    assert cells[0][0]["data"]["text/plain"].startswith("OK · ")
    table = cells[1][0]
    assert table["output_type"] == "execute_result"
    html = table["data"]["text/html"]
    assert '<table class="spark-sql-table">' in html and '<td class="s">Grace Hopper</td>' in html
    # The explorer's form rides along; the static table stays for every other frontend.
    explorer = table["data"]["application/vnd.kbase.spark-sql-explorer.v1+json"]
    assert [c["name"] for c in explorer["columns"]] == ["name", "born"]
    assert explorer["rows"][1][0] == "Grace Hopper"
    lines = table["data"]["text/plain"].splitlines()
    assert lines[1].split() == ["|", "name", "|", "born", "|"]
    assert [line.split(" | ")[0].strip("| ") for line in lines[3:6]] == ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
    assert [o["output_type"] for o in cells[2]] == ["display_data", "execute_result"]
    assert "3" in cells[2][0]["data"]["text/plain"] and "1918" in cells[2][1]["data"]["text/plain"]
    limited = cells[3][0]["data"]["text/plain"]
    assert "showing the first 3 rows; more exist" in limited
    assert "\n0 rows · " in cells[4][0]["data"]["text/plain"]
    # The saved outputs carry each result's name and receipt, which resolves in the journal.
    import json
    import re
    from jupyter_client.kernelspec import KernelSpecManager
    receipt = re.search(r"· _\d+ · (q-[0-9a-f]{12})</small>", html).group(1)
    assert table["data"]["text/plain"].endswith(receipt) and explorer["label"].endswith(receipt)
    binary = KernelSpecManager().get_kernel_spec("spark-sql-kbase").argv[0]
    found = subprocess.run([binary, "receipt", receipt], env=spark_env, capture_output=True,
                           text=True, timeout=30)
    assert found.returncode == 0, found.stderr
    assert "Grace Hopper" not in found.stdout, "no row values in the journal"
    assert json.loads(found.stdout)["statement"] == "SELECT name, born FROM pioneers ORDER BY born"
    token = spark_env["KBASE_AUTH_TOKEN"]
    assert token not in (tmp_path / "sql.ipynb").read_text()
    assert token not in run.stderr and token not in run.stdout


def test_a_failing_sql_cell_fails_the_batch_and_stops_it(notebooks, tmp_path, spark_env):
    run = nbconvert(str(notebooks / "sql_error.ipynb"), tmp_path, env=spark_env)
    assert run.returncode != 0
    assert "AnalysisException" in run.stderr and "UNRESOLVED_COLUMN" in run.stderr
    # With --allow-errors the run goes on: the error is in the notebook, the next cell ran.
    run = nbconvert(str(notebooks / "sql_error.ipynb"), tmp_path, "--allow-errors", env=spark_env)
    assert run.returncode == 0, run.stderr
    cells = outputs(tmp_path / "sql_error.ipynb")
    assert cells[1][0]["output_type"] == "error" and cells[1][0]["ename"] == "AnalysisException"
    assert "UNRESOLVED_COLUMN" in cells[1][0]["evalue"]
    assert "never runs" in cells[2][0]["data"]["text/plain"]


def export(notebook, to, out_dir, env):
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", to, "--output-dir", str(out_dir), str(notebook)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert run.returncode == 0, run.stderr
    suffix = {"html": ".html", "markdown": ".md"}[to]
    return (out_dir / (notebook.stem + suffix)).read_text()


GALLERY_CELLS = [
    "12.50", "1.0E10", "-0.0", "NaN", "-Infinity", "9223372036854775807",
    "<b>not bold</b> & co", "two\nlines", "שלום עולם", "漢字とかな 🚀", "[CA FE]",
    "2024-07-02 05:04:05.25",  # 10:04:05.25 UTC in America/Chicago (summer time)
    "INTERVAL '1 02:03:04.5' DAY TO SECOND", "INTERVAL '1-2' YEAR TO MONTH",
    "[1, null, 3]", "{a -> 1, b -> null}", "{7, x}", "[{1, {k -> [1.5]}}]",
    '{"genome":"E. coli","size_mb":4.64,"tags":["model",null]}',
    "ACGT" * 25 + "…",
]
GALLERY_TYPES = ["decimal(4,2)", "array<struct<a:int,b:map<string,array<double>>>>", "variant", "void",
                 "interval day to second", "timestamp_ntz", "binary", "float"]


def gallery_tables(html):
    """The cells, type names, NULL cells and cut markers of the kernel's tables in a page."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    tables = soup.select("div.spark-sql-result table")
    cells = [td.get_text() for table in tables for td in table.select("td")]
    types = [t.get_text() for table in tables for t in table.select("th small")]
    nulls = [td.get_text() for table in tables for td in table.select("td.null")]
    cuts = [span["title"] for span in soup.select("div.spark-sql-result span.spark-sql-cut")]
    return len(tables), cells, types, nulls, cuts


def test_the_type_gallery_reads_in_html_and_markdown_exports(notebooks, tmp_path, spark_env):
    run = nbconvert(str(notebooks / "types.ipynb"), tmp_path, env=spark_env)
    assert run.returncode == 0, run.stderr
    executed = tmp_path / "types.ipynb"
    for cell in outputs(executed):
        for output in cell:
            if output["output_type"] == "execute_result":
                # The static table, and the explorer's form beside it.
                assert set(output["data"]) == {"text/plain", "text/html",
                                               "application/vnd.kbase.spark-sql-explorer.v1+json"}
    html = export(executed, "html", tmp_path, spark_env)
    markdown = export(executed, "markdown", tmp_path, spark_env)
    # In Markdown each table is one raw HTML block: no blank line may end it early, and a
    # Markdown renderer passes it through whole.
    import mistune
    blocks = markdown.split('<div class="spark-sql-result">')[1:]
    assert len(blocks) == 6
    for block in blocks:
        assert "\n\n" not in block.split("</div></div>")[0]
    for page in (html, mistune.html(markdown)):
        count, cells, types, nulls, cuts = gallery_tables(page)
        assert count == 6
        for value in GALLERY_CELLS:
            assert value in cells, value
        for name in GALLERY_TYPES:
            assert name in types, name
        # NULL is marked apart from the string 'NULL', which is an ordinary cell.
        assert nulls and set(nulls) == {"NULL"}
        assert cells.count("NULL") > len(nulls)
        assert cuts == ["cut: 240 characters in all"]
    token = spark_env["KBASE_AUTH_TOKEN"]
    assert token not in html and token not in markdown


def test_the_tour_runs_in_batch_with_only_its_tagged_failure(tmp_path, spark_env):
    # Executed in a folder of its own, where its %%export writes.
    tour = tmp_path / "tour.ipynb"
    shutil.copy(ROOT / "examples" / "tour.ipynb", tour)
    run = nbconvert(str(tour), tmp_path, env=spark_env)
    assert run.returncode == 0, run.stderr
    nb = nbformat.read(str(tour), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [c for c in code if any(o["output_type"] == "error" for o in c.outputs)]
    assert [c.metadata.get("tags") for c in errors] == [["raises-exception"]]
    assert errors[0].outputs[-1]["ename"] == "AnalysisException"
    tables = [o for c in code for o in c.outputs
              if o["output_type"] in ("execute_result", "display_data")
              and 'class="spark-sql-table"' in o["data"].get("text/html", "")]
    assert len(tables) >= 12
    joined = next(c for c in code if "JOIN genes" in c.source and "rank()" not in c.source)
    text = joined.outputs[-1]["data"]["text/plain"]
    import re
    assert re.search(r"\| Homo sapiens +\| +3 \|", text), text
    assert nb.cells[-1].outputs[-1]["data"]["text/plain"].startswith("OK · ")
    # The export wrote every joined gene; the two charts carry Vega-Lite and SVG.
    exported = (tmp_path / "tour-genes.csv").read_text().splitlines()
    assert exported[0] == "organism,gene,product,length_bp" and len(exported) > 5, exported
    charts = [o for c in code for o in c.outputs
              if o["output_type"] == "display_data" and "application/vnd.vegalite.v5+json" in o["data"]]
    assert len(charts) == 2 and all("<svg" in c["data"]["image/svg+xml"] for c in charts)
    assert "Sequencing runs per day" in charts[1]["data"]["image/svg+xml"]


def late_relay(backend_port, delay):
    """A port that refuses connections for `delay` seconds (bound, not listening: a Spark
    Connect server still starting), then relays each connection to `backend_port`."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))

    def pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            dst.close()

    def serve():
        time.sleep(delay)
        listener.listen(16)
        while True:
            client, _ = listener.accept()
            server = socket.create_connection(("127.0.0.1", backend_port))
            threading.Thread(target=pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=pipe, args=(server, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_a_batch_run_started_while_the_pod_starts_waits_for_it(tmp_path, spark_env):
    """nbconvert right after a pod restart: BERDL's public proxy (the look-alike) answers "not
    reachable" for 15 s; the run waits, then every cell runs, and nothing fails."""
    spark_port = int(spark_env["SPARK_CONNECT_URL"].rsplit(":", 1)[-1])
    late = late_relay(spark_port, 15)
    proxy = subprocess.Popen([sys.executable, str(ROOT / "tests" / "berdl" / "proxy.py"),
                              "--backend", f"127.0.0.1:{late}", "--auth-url", spark_env["KBASE_AUTH_URL"],
                              "--mode", "public"], stdout=subprocess.PIPE, text=True)
    try:
        line = proxy.stdout.readline()
        assert line.startswith("listening on "), line
        env = dict(spark_env, SPARK_CONNECT_URL=f"sc://{line.split()[-1]}")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("SELECT 42 AS answer"),
                                             nbformat.v4.new_code_cell("SELECT 43 AS next")])
        nb.metadata["kernelspec"] = {"name": "spark-sql-kbase", "display_name": "Spark SQL (KBase)"}
        path = tmp_path / "restart.ipynb"
        nbformat.write(nb, str(path))
        run = nbconvert(str(path), tmp_path / "out", env=env)
    finally:
        proxy.kill()
        proxy.wait()
    assert run.returncode == 0, run.stderr
    cells = nbformat.read(str(tmp_path / "out" / "restart.ipynb"), as_version=4).cells
    texts = [o.get("data", {}).get("text/plain", "") for o in cells[0].outputs]
    assert any(t.startswith("Your Spark Connect server answered after ") for t in texts), texts
    assert any(" 42 |" in t for t in texts), texts
    assert any(" 43 |" in t for t in (o.get("data", {}).get("text/plain", "") for o in cells[1].outputs))
