"""A real JupyterHub (PyPI jupyterhub, npm configurable-http-proxy, DummyAuthenticator,
SimpleLocalProcessSpawner on loopback) whose spawner environment is shaped like BERDL's, with the
kernel installed into the hub's environment with `install --sys-prefix`: in Debian's chromium a
user logs in, starts their server, picks "Spark SQL (KBase)" in the Launcher and runs %whoami and
a query against the run's Spark. Screenshots go to artifacts/hub/."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, wait_for_http
from test_browser import free_port

BIN = pathlib.Path(sys.executable).parent
ARTIFACTS = ROOT / "artifacts" / "hub"
USER = "alice_smith"


@pytest.fixture
def hub(spark_env, tmp_path):
    """JupyterHub on loopback; yields (url, password, log path)."""
    chp = os.environ.get("SPARK_SQL_KERNEL_TEST_CHP")
    if not chp or not pathlib.Path(chp).exists():
        pytest.fail("SPARK_SQL_KERNEL_TEST_CHP not set: run scripts/test, which installs configurable-http-proxy")
    # The kernel as an image installs it: into the hub's Python environment.
    kernel = ROOT / "target" / "debug" / "spark-sql-kernel"
    subprocess.run([str(kernel), "install", "--sys-prefix"], check=True, capture_output=True,
                   env=dict(os.environ, VIRTUAL_ENV=sys.prefix))
    port, password = free_port(), "hub-test-password"
    (tmp_path / "home").mkdir()
    environment = {
        "KBASE_AUTH_TOKEN": spark_env["KBASE_AUTH_TOKEN"],
        "KBASE_AUTH_URL": spark_env["KBASE_AUTH_URL"],
        "SPARK_CONNECT_URL": spark_env["SPARK_CONNECT_URL"],
        "NB_USER": USER,
        "KBASE_TOKEN_FILE": "/nonexistent/hub-token-file",
    }
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(f"""
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///{tmp_path}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp_path}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp_path}/home/{{username}}"
c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
c.Spawner.args = ["--allow-root", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {environment!r}
""")
    log = tmp_path / "jupyterhub.log"
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
        env.pop(name, None)
    with open(log, "w") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/hub/api", proc, log, "JupyterHub")
    yield url, password, log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    subprocess.run(["pkill", "-f", f"{tmp_path}/home"], check=False)


def test_a_user_of_a_berdl_shaped_hub_runs_whoami_and_sql_in_the_launchers_kernel(hub, spark_env):
    playwright = os.environ.get("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT")
    if not playwright or not pathlib.Path(playwright).is_dir():
        pytest.fail("SPARK_SQL_KERNEL_TEST_PLAYWRIGHT not set: run scripts/test, which installs playwright-core")
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: scripts/test installs Debian's chromium"
    url, password, log = hub
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    env = dict(os.environ, HUB_URL=url, HUB_USER=USER, HUB_PASSWORD=password, OUT_DIR=str(ARTIFACTS),
               MODE="hub", CHROMIUM=chromium, LAB_URL=url, LAB_TOKEN="unused")
    run = subprocess.run(["node", str(ROOT / "tests" / "browser" / "jupyterlab.cjs")],
                         capture_output=True, text=True, timeout=400, env=env)
    print(run.stdout)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- JupyterHub log ---\n{log.read_text()[-5000:]}"
    for name in ("hub-1-launcher.png", "hub-2-whoami.png", "hub-3-table.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
    assert spark_env["KBASE_AUTH_TOKEN"] not in log.read_text()
