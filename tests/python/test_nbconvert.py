"""Batch runs: `jupyter nbconvert --execute` through the installed kernelspec."""

import pathlib
import subprocess
import sys

import nbformat

BIN = pathlib.Path(sys.executable).parent


def nbconvert(notebook, out_dir, *extra):
    return subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(out_dir), *extra, str(notebook)],
        capture_output=True, text=True, timeout=300,
    )


def outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    return [cell.get("outputs", []) for cell in nb.cells]


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
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), str(notebooks / "sql.ipynb")],
        capture_output=True, text=True, timeout=300, env=spark_env,
    )
    assert run.returncode == 0, run.stderr
    cells = outputs(tmp_path / "sql.ipynb")
    # A view: no table, a short OK line.
    assert [o["output_type"] for o in cells[0]] == ["execute_result"]
    assert cells[0][0]["data"]["text/plain"].startswith("OK · ")
    table = cells[1][0]
    assert table["output_type"] == "execute_result"
    html = table["data"]["text/html"]
    assert "<table>" in html and '<td class="s">Grace Hopper</td>' in html
    lines = table["data"]["text/plain"].splitlines()
    assert lines[1].split() == ["|", "name", "|", "born", "|"]
    assert [line.split(" | ")[0].strip("| ") for line in lines[3:6]] == ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
    assert [o["output_type"] for o in cells[2]] == ["display_data", "execute_result"]
    assert "3" in cells[2][0]["data"]["text/plain"] and "1918" in cells[2][1]["data"]["text/plain"]
    limited = cells[3][0]["data"]["text/plain"]
    assert "showing the first 3 rows; more exist" in limited
    assert "\n0 rows · " in cells[4][0]["data"]["text/plain"]
    token = spark_env["KBASE_AUTH_TOKEN"]
    assert token not in (tmp_path / "sql.ipynb").read_text()
    assert token not in run.stderr and token not in run.stdout


def test_a_failing_sql_cell_fails_the_batch_and_stops_it(notebooks, tmp_path, spark_env):
    run = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), str(notebooks / "sql_error.ipynb")],
        capture_output=True, text=True, timeout=300, env=spark_env,
    )
    assert run.returncode != 0
    assert "AnalysisException" in run.stderr and "UNRESOLVED_COLUMN" in run.stderr
