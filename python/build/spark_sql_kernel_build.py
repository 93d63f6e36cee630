"""The wheel's PEP 517 build backend: it builds the explorer's JupyterLab extension from
labextension/ with jlpm (JupyterLab's pinned yarn, from the `jupyterlab` build requirement, on
Node.js) and the packages yarn.lock pins, checks it, then hands the wheel to maturin. Every
standard build runs it (pip install ., pip wheel ., python -m build, a build from the sdist),
and no wheel is made without the explorer: no Node.js, a failed build or an incomplete
extension fails the build.

The extension is built into kernelspec/data/share/jupyter/labextensions/ (ignored by git),
which maturin packs as the wheel's data, as JupyterLab's extension template builds into its
package; nothing there is reused from an earlier build. Its version is the workspace's, from
Cargo.toml, written into the built package.json.

Must not: build the Rust code (maturin does) or change a tracked file.
"""

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import maturin

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "labextension"
NAME = "spark-sql-kbase-explorer"
BUILT = ROOT / "kernelspec" / "data" / "share" / "jupyter" / "labextensions" / NAME


class ExplorerBuildError(RuntimeError):
    """The explorer could not be built: the wheel would ship without it."""


def version():
    """The workspace's version, from Cargo.toml's [workspace.package]."""
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    found = re.search(r'^version\s*=\s*"([^"]+)"', section, re.MULTILINE)
    if not found:
        raise ExplorerBuildError("Cargo.toml's [workspace.package] names no version")
    return found.group(1)


def _jlpm(*args):
    if shutil.which("node") is None:
        raise ExplorerBuildError("Node.js is needed to build the explorer's JupyterLab extension "
                                 "(labextension/): install Node.js 18 or later")
    beside = pathlib.Path(sys.executable).parent / "jlpm"
    jlpm = str(beside) if beside.exists() else shutil.which("jlpm")
    if jlpm is None:
        raise ExplorerBuildError("jlpm (from the jupyterlab package) is needed to build the "
                                 "explorer's JupyterLab extension: pip install 'jupyterlab>=4'")
    # The package's scripts may call jlpm too: its directory goes first on their PATH.
    path = f"{pathlib.Path(jlpm).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = dict(os.environ, PATH=path)
    result = subprocess.run([jlpm, *args], cwd=SOURCE, stdout=sys.stderr, env=env)
    if result.returncode != 0:
        raise ExplorerBuildError(f"jlpm {' '.join(args)} failed in {SOURCE} ({result.returncode})")


def build_explorer():
    """Builds the extension from source into BUILT and checks it; returns BUILT."""
    lock = hashlib.sha256((SOURCE / "yarn.lock").read_bytes()).hexdigest()[:12]
    marker = SOURCE / "node_modules" / f".complete-{lock}"
    if not marker.exists():
        _jlpm("install", "--immutable")
        marker.touch()
    shutil.rmtree(BUILT, ignore_errors=True)
    shutil.rmtree(SOURCE / "lib", ignore_errors=True)
    _jlpm("run", "build")
    manifest = BUILT / "package.json"
    if not manifest.is_file():
        raise ExplorerBuildError(f"the extension's build wrote no {manifest}")
    package = json.loads(manifest.read_text())
    package["version"] = version()
    manifest.write_text(json.dumps(package, indent=2) + "\n")
    shutil.copy2(SOURCE / "install.json", BUILT / "install.json")
    check(BUILT)
    return BUILT


def check(extension):
    """Raises unless `extension` (a built labextension directory) is whole."""
    extension = pathlib.Path(extension)
    missing = [p for p in ("package.json", "install.json") if not (extension / p).is_file()]
    if not any((extension / "static").glob("remoteEntry.*.js")):
        missing.append("static/remoteEntry.*.js")
    if missing:
        raise ExplorerBuildError(f"the explorer's extension in {extension} lacks {', '.join(missing)}")
    package = json.loads((extension / "package.json").read_text())
    if package.get("name") != NAME or package.get("version") != version():
        raise ExplorerBuildError(f"{extension / 'package.json'} is not {NAME} {version()}")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    build_explorer()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    build_explorer()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    return maturin.build_sdist(sdist_directory, config_settings)


get_requires_for_build_wheel = maturin.get_requires_for_build_wheel
get_requires_for_build_editable = maturin.get_requires_for_build_editable
get_requires_for_build_sdist = maturin.get_requires_for_build_sdist
prepare_metadata_for_build_wheel = maturin.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = maturin.prepare_metadata_for_build_editable


if __name__ == "__main__":
    # scripts/wheel and the test scripts build the extension the same way.
    print(build_explorer())
