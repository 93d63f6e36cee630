"""Shared fixtures: the kernel is used as installed in the test venv (kernelspec spark-sql-kbase)."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL_NAME = "spark-sql-kbase"


@pytest.fixture
def notebooks():
    return ROOT / "tests" / "notebooks"


@pytest.fixture
def kernel_env():
    """The environment a kernel started by these tests gets."""
    return dict(os.environ)


def wait_for_http(url, proc, log, name, seconds=90):
    """Waits until `url` answers 200 while `proc` runs; fails with the end of `log` otherwise."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{name} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)


STANDIN = ROOT / "scripts" / "kbase_auth_standin.py"
# Shaped like a real token (32 × [A-Z2-7]) and distinctive, so a leak is easy to find.
LEAK_TOKEN = "LEAKCANARY234567QRSTUVWXYZABCDEF"


def start_standin(directory, token):
    """The repository's KBase Auth2 stand-in where `token` is alice_smith's: (process, URL)."""
    import json
    import subprocess
    import sys

    config = directory / "standin.json"
    config.write_text(json.dumps({
        "tokens": {token: {"user": "alice_smith", "type": "Login", "mfa": "Used"}},
        "users": {"alice_smith": {"display": "Alice Smith", "customroles": ["BERDL_USER"]}},
    }))
    proc = subprocess.Popen([sys.executable, str(STANDIN), "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


@pytest.fixture
def auth_standin(tmp_path_factory):
    """The stand-in with alice_smith's token LEAK_TOKEN; yields its URL."""
    proc, url = start_standin(tmp_path_factory.mktemp("standin"), LEAK_TOKEN)
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def spark_env(tmp_path_factory):
    """A kernel environment for the run's Spark Connect server (started by scripts/test):
    the stand-in knows the run's token as alice_smith's, and the server accepts only it."""
    missing = [v for v in ("SPARK_SQL_KERNEL_TEST_SPARK_URL", "SPARK_SQL_KERNEL_TEST_SPARK_TOKEN")
               if not os.environ.get(v)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run scripts/test, which starts the Spark Connect server")
    token = os.environ["SPARK_SQL_KERNEL_TEST_SPARK_TOKEN"]
    directory = tmp_path_factory.mktemp("spark-standin")
    proc, url = start_standin(directory, token)
    env = dict(os.environ)
    env.update({
        "KBASE_AUTH_URL": url,
        "KBASE_AUTH_TOKEN": token,
        "KBASE_TOKEN_FILE": str(directory / "no-token-file"),
        "SPARK_CONNECT_URL": os.environ["SPARK_SQL_KERNEL_TEST_SPARK_URL"],
    })
    yield env
    proc.kill()
    proc.wait()


@pytest.fixture
def spark_kernel(spark_env):
    """A kernel of the installed kernelspec on the run's Spark server: (manager, client)."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="spark-sql-kbase")
    km.start_kernel(env=spark_env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
