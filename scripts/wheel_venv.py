"""A new venv with the pip wheel installed (for test_wheel.py and bench_wheel.py): made from this
Python, with its packages (Jupyter, papermill, pip) importable through a .pth file, so nothing is
downloaded; its prefix, kernelspecs and `bin` are the new venv's own."""

import pathlib
import subprocess
import sys
import sysconfig


def make(wheel, root):
    """Creates the venv at `root`, installs `wheel` into it; returns `root`."""
    root = pathlib.Path(root)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    py = root / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    pathlib.Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)], check=True)
    return root
