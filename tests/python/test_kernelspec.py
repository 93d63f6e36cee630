"""The installed kernelspec, as jupyter_client reads it."""

import json
import pathlib
import subprocess
import sys

from jupyter_client.kernelspec import KernelSpecManager


def test_the_kernelspec_is_installed_in_the_environment_with_logos():
    spec = KernelSpecManager().get_kernel_spec("spark-sql-kbase")
    assert spec.display_name == "Spark SQL (KBase)"
    assert spec.language == "sql"
    assert spec.interrupt_mode == "message"
    assert pathlib.Path(spec.argv[0]).is_absolute() and pathlib.Path(spec.argv[0]).exists()
    assert spec.argv[1:] == ["run", "--connection-file", "{connection_file}"]
    resources = pathlib.Path(spec.resource_dir)
    assert resources.is_relative_to(pathlib.Path(sys.prefix))
    for logo in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        assert (resources / logo).stat().st_size > 0


def test_jupyter_kernelspec_list_shows_it():
    listing = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "jupyter"), "kernelspec", "list", "--json"],
        capture_output=True, text=True, check=True,
    )
    assert "spark-sql-kbase" in json.loads(listing.stdout)["kernelspecs"]
