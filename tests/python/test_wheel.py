"""The pip wheel (built by `scripts/wheel --dev` in scripts/test, path in
SPARK_SQL_KERNEL_TEST_WHEEL), installed into a new venv that is not the test venv: the kernelspec
is listed from that venv and starts without the venv's `bin` on the PATH, from nbconvert and
from JupyterLab (through its REST API and kernel websocket, as the browser uses them); papermill's parameters
of every type reach Spark with the declared types kept; `pip uninstall` removes it all.

The new venv borrows jupyter_client, nbconvert and papermill from the test venv through a .pth
file (no second download), so it runs them as modules; the kernelspec and the binary are the
wheel's, found from the new venv's prefix only."""

import html.parser
import json
import os
import pathlib
import subprocess
import sys
import zipfile

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import wheel_venv  # noqa: E402  (scripts/wheel_venv.py, shared with the bench)

KERNEL = "spark-sql-kbase"
STRANGE = "it's \"q\" \\ back\nslash é 漢字"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    wheel = os.environ.get("SPARK_SQL_KERNEL_TEST_WHEEL")
    if not wheel or not pathlib.Path(wheel).is_file():
        pytest.fail("SPARK_SQL_KERNEL_TEST_WHEEL not set: run scripts/test, which builds the wheel")
    return wheel_venv.make(wheel, tmp_path_factory.mktemp("wheel") / "venv")


def isolated(env, root, tmp):
    """An environment where Jupyter finds only the new venv's kernelspecs; PATH without its bin."""
    env = dict(env)
    for name in ("JUPYTER_PATH", "VIRTUAL_ENV", "CONDA_PREFIX"):
        env.pop(name, None)
    env["JUPYTER_DATA_DIR"] = str(tmp / "no-user-data")
    env["PATH"] = "/usr/bin:/bin"
    return env


def test_pip_install_gives_the_command_and_the_kernelspec(venv, tmp_path):
    py = venv / "bin" / "python"
    binary = venv / "bin" / "spark-sql-kernel"
    spec = venv / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"
    assert subprocess.run([str(binary), "--help"], capture_output=True).returncode == 0
    argv = json.loads(spec.read_text())["argv"]
    assert argv[0] == "{resource_dir}/../../../../bin/spark-sql-kernel"
    listed = subprocess.run([str(py), "-m", "jupyter_client.kernelspecapp", "list", "--json"],
                            capture_output=True, text=True, env=isolated(os.environ, venv, tmp_path), check=True)
    specs = json.loads(listed.stdout)["kernelspecs"]
    # The only other spec is ipykernel's built-in python3 (importable through the .pth).
    assert set(specs) <= {KERNEL, "python3"} and KERNEL in specs, specs
    assert pathlib.Path(specs[KERNEL]["resource_dir"]).resolve() == spec.parent.resolve()
    logos = {p.name for p in spec.parent.iterdir()}
    assert logos == {"kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"}, logos
    # The explorer's JupyterLab extension, built from labextension/ when the wheel was.
    extension = venv / "share" / "jupyter" / "labextensions" / "spark-sql-kbase-explorer"
    assert json.loads((extension / "package.json").read_text())["name"] == "spark-sql-kbase-explorer"
    assert any((extension / "static").glob("remoteEntry.*.js")), list((extension / "static").iterdir())


def test_a_clean_clone_sharing_a_used_target_dir_builds_a_wheel_with_the_explorer(tmp_path):
    """`pip wheel` of a fresh clone whose CARGO_TARGET_DIR another checkout (this one) has
    built into: the backend builds the explorer from the clone's sources, every time; nothing
    in the shared target directory stands in for it."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert not (clone / "kernelspec/data/share/jupyter/labextensions").exists(), "a clean clone"
    # The venv's maturin builds (no build isolation: nothing is downloaded).
    path = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target"),
               MATURIN_PEP517_ARGS="--profile dev", PATH=path)
    out = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(clone)],
        env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = list(out.glob("spark_sql_kernel-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    extension = "share/jupyter/labextensions/spark-sql-kbase-explorer/"
    shipped = [n.split(extension, 1)[1] for n in names if extension in n]
    assert "package.json" in shipped and "install.json" in shipped, shipped
    assert any(n.startswith("static/remoteEntry.") for n in shipped), shipped
    package = json.loads(zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(extension + "package.json"))))
    cargo = (ROOT / "Cargo.toml").read_text().split("[workspace.package]")[1]
    assert f'version = "{package["version"]}"' in cargo, "the extension's version is Cargo's"


def test_a_build_without_node_fails_instead_of_shipping_no_explorer(tmp_path):
    """With no Node.js on the PATH, the backend's build of the extension fails with its reason."""
    env = dict(os.environ, PATH=str(pathlib.Path(sys.executable).parent))
    probe = ("import sys; sys.path.insert(0, 'python/build'); import spark_sql_kernel_build as b\n"
             "b.SOURCE = b.pathlib.Path(sys.argv[1]); b.BUILT = b.SOURCE / 'out'\n"
             "try:\n    b.build_explorer()\nexcept b.ExplorerBuildError as e:\n"
             "    print(e); sys.exit(3)\n")
    source = tmp_path / "labextension"
    source.mkdir()
    (source / "yarn.lock").write_text("")
    failed = subprocess.run([sys.executable, "-c", probe, str(source)], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "Node.js is needed" in failed.stdout, failed.stdout


class Cells(html.parser.HTMLParser):
    """The rows of a result table in an HTML output: header names (without the type names
    under them) and cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.small = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.cell = ""
        elif tag == "small":
            self.small = True
        elif tag == "br" and self.cell is not None and not self.small:
            self.cell += "\n"  # a newline in a value (the one before a type name is not)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.rstrip("\n") if tag == "th" else self.cell)
            self.cell = None
        elif tag == "small":
            self.small = False

    def handle_data(self, data):
        if self.cell is not None and not self.small:
            self.cell += data


def values(nb, cell_index):
    """{column header text: first row's value} of the cell's table."""
    outputs = [o for o in nb.cells[cell_index].outputs
               if o["output_type"] in ("execute_result", "display_data") and "spark-sql-table" in o["data"].get("text/html", "")]
    assert outputs, nb.cells[cell_index].outputs
    cells = Cells()
    cells.feed(outputs[-1]["data"]["text/html"])
    return cells.rows


def notebook(path, cells, tagged=True):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Spark SQL (KBase)", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    if tagged:
        nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, str(path))


def papermill(venv, env, source, out, *args):
    return subprocess.run([str(venv / "bin" / "python"), "-m", "papermill", "--log-output", str(source), str(out), *args],
                          capture_output=True, text=True, timeout=300, env=env)


DECLARED = """DECLARE OR REPLACE VARIABLE threshold INT = 10;
DECLARE OR REPLACE VARIABLE n BIGINT = 1;
DECLARE OR REPLACE VARIABLE since DATE = DATE'2020-01-01';
DECLARE OR REPLACE VARIABLE label STRING = 'none';
DECLARE OR REPLACE VARIABLE ratio DOUBLE = 0.5"""

NAMES = ["threshold", "n", "since", "label", "ratio", "huge", "flag", "nothing", "nan", "inf", "ninf", "items", "mapping"]


def test_papermill_parameters_of_every_type_keep_the_declared_types(venv, spark_env, tmp_path):
    env = isolated(spark_env, venv, tmp_path)
    check = "SELECT " + ", ".join(f"{n}, typeof({n}) AS {n}_type" for n in NAMES)
    source, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    notebook(source, [DECLARED, check])
    run = papermill(venv, env, source, out,
                    "-p", "threshold", "20", "-p", "n", "3000000000", "-p", "since", "2025-02-03",
                    "-p", "label", STRANGE, "-p", "ratio", "1.5",
                    "-p", "huge", "123456789012345678901234567890", "-p", "flag", "True", "-p", "nothing", "None",
                    "-p", "nan", "nan", "-p", "inf", "inf", "-p", "ninf", "-inf",
                    "-y", "items: [1, 2, 3]\nmapping: {a: 1, b: 2}")
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(str(out), as_version=4)
    injected = nb.cells[1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert injected.source.startswith("%parameters {")
    assert injected.outputs == [], "the injected cell shows nothing"
    header, row = values(nb, 2)[:2]
    got = dict(zip(header, row))
    expected = {
        "threshold": ("20", "int"), "n": ("3000000000", "bigint"), "since": ("2025-02-03", "date"),
        "label": (STRANGE, "string"), "ratio": ("1.5", "double"),
        "huge": ("123456789012345678901234567890", "decimal(30,0)"), "flag": ("true", "boolean"),
        "nothing": ("NULL", "string"), "nan": ("NaN", "double"), "inf": ("Infinity", "double"),
        "ninf": ("-Infinity", "double"), "items": ("[1, 2, 3]", "array<int>"),
        "mapping": ("{a -> 1, b -> 2}", "map<string,int>"),
    }
    for name, (value, type_name) in expected.items():
        assert (got[name], got[f"{name}_type"]) == (value, type_name), (name, got)
    assert spark_env["KBASE_AUTH_TOKEN"] not in out.read_text()


def test_a_bad_name_fails_the_run_and_no_parameters_cell_still_works(venv, spark_env, tmp_path):
    env = isolated(spark_env, venv, tmp_path)
    source = tmp_path / "plain.ipynb"
    notebook(source, ["SELECT fresh, typeof(fresh) AS fresh_type, nothing, typeof(nothing) AS nothing_type"], tagged=False)
    run = papermill(venv, env, source, tmp_path / "plain-out.ipynb", "-p", "fresh", "5", "-p", "nothing", "None")
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(str(tmp_path / "plain-out.ipynb"), as_version=4)
    assert nb.cells[0].metadata["tags"] == ["injected-parameters"]
    rows = values(nb, 1)
    assert rows[1] == ["5", "int", "NULL", "string"], rows
    bad = papermill(venv, env, source, tmp_path / "bad-out.ipynb", "-p", "my-var", "1")
    assert bad.returncode != 0
    failed = nbformat.read(str(tmp_path / "bad-out.ipynb"), as_version=4)
    # papermill puts a note of the failure above; the injected cell holds the error.
    injected = next(c for c in failed.cells if "injected-parameters" in c.metadata.get("tags", []))
    error = injected.outputs[-1]
    assert error["output_type"] == "error" and error["ename"] == "UsageError", error
    assert '"my-var" is not a SQL identifier' in error["evalue"], error["evalue"]


def test_nbconvert_from_the_new_venv_starts_the_kernel_without_its_bin_on_the_path(venv, spark_env, tmp_path):
    env = isolated(spark_env, venv, tmp_path)
    source = tmp_path / "query.ipynb"
    notebook(source, ["SELECT 6 * 7 AS answer"], tagged=False)
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from nbconvert.nbconvertapp import main; main()",
         "--to", "notebook", "--execute", "--output-dir", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(str(tmp_path / "out" / "query.ipynb"), as_version=4)
    assert values(nb, 0)[1] == ["42"]


def lab_execute(url, token, kernel_id, code, seconds=120):
    """Runs `code` in the kernel through the server's websocket, as JupyterLab does: first
    kernel_info until IOPub answers (messages published before the server's IOPub subscription
    is in place are lost), then the execute_request, done at its reply and its IOPub idle.
    Returns the text/plain of the execute_result (None if the cell ended without one)."""
    import asyncio
    import uuid

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex

    async def send(ws, msg_type, content):
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "test", "session": session,
                  "date": "2026-01-01T00:00:00Z", "version": "5.3"}
        await ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                           "content": content, "channel": "shell", "buffers": []}))
        return msg_id

    async def replies(ws, msg_id):
        while True:
            raw = await ws.read_message()
            assert raw is not None, "the server closed the kernel's websocket"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                yield msg

    async def run():
        ws_url = url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
        while True:
            asked = await send(ws, "kernel_info_request", {})
            try:
                async with asyncio.timeout(2):
                    async for msg in replies(ws, asked):
                        if msg["channel"] == "iopub":
                            break
                    break
            except TimeoutError:
                continue
        asked = await send(ws, "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        result, replied, idle = None, False, False
        async for msg in replies(ws, asked):
            if msg["msg_type"] == "execute_result":
                result = msg["content"]["data"]["text/plain"]
            elif msg["msg_type"] == "execute_reply":
                assert msg["content"]["status"] == "ok", msg["content"]
                replied = True
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            if replied and idle:
                break
        ws.close()
        return result

    return asyncio.run(asyncio.wait_for(run(), seconds))


def test_jupyterlab_from_the_new_venv_lists_and_starts_the_kernel(venv, spark_env, tmp_path):
    import secrets
    import urllib.request

    from conftest import wait_for_http
    from test_browser import free_port

    env = isolated(spark_env, venv, tmp_path)
    port, token = free_port(), secrets.token_hex(16)
    (tmp_path / "lab").mkdir()
    log = tmp_path / "jupyterlab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(venv / "bin" / "python"), "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={tmp_path / 'lab'}",
             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/status?token={token}", proc, log, "JupyterLab from the new venv")

        def api(path, body=None):
            request = urllib.request.Request(f"{url}{path}", method="POST" if body is not None else "GET",
                                             data=None if body is None else json.dumps(body).encode(),
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=30) as r:
                return json.loads(r.read())

        specs = api("/api/kernelspecs")["kernelspecs"]
        assert specs[KERNEL]["spec"]["display_name"] == "Spark SQL (KBase)", specs
        kernel = api("/api/kernels", {"name": KERNEL})
        text = lab_execute(url, token, kernel["id"], "SELECT 6 * 7 AS answer")
        assert text and "answer" in text and "42" in text, text
        # The binary that runs is the wheel's, found from the venv's prefix (PATH is /usr/bin:/bin).
        pids = subprocess.run(["pgrep", "-f", str(venv / "share" / "jupyter" / "kernels" / KERNEL)],
                              capture_output=True, text=True).stdout.split()
        assert pids, "no kernel process started from the wheel's kernelspec"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert spark_env["KBASE_AUTH_TOKEN"] not in log.read_text()


def test_pip_uninstall_removes_the_command_and_the_kernelspec(venv):
    # Last in this file: the venv is not used after it.
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "uninstall", "-y", "--quiet", "spark-sql-kernel"], check=True)
    assert not (venv / "bin" / "spark-sql-kernel").exists()
    assert not (venv / "share" / "jupyter" / "kernels" / KERNEL).exists()
