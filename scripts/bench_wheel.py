"""Kernel start through the pip wheel's kernelspec next to today's (`install --prefix`): process
start to kernel_info_reply, through jupyter_client, each kernelspec found in its own directory,
the two started in turn. Prints the wheel's size and the medians.

Usage: bench_wheel.py WHEEL WORKDIR (scripts/bench builds the release wheel)."""

import os
import pathlib
import statistics
import sys
import time

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

import wheel_venv as wheel_venv_module

KERNEL = "spark-sql-kbase"


def wheel_venv(wheel, work):
    return wheel_venv_module.make(wheel, pathlib.Path(work) / "wheel-venv") / "share" / "jupyter" / "kernels"


def start_ms(kernels_dir):
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels_dir)]))
    started = time.perf_counter()
    km.start_kernel(env=dict(os.environ))
    kc = km.client()
    kc.start_channels()
    try:
        kc.kernel_info(reply=True, timeout=30)
        return (time.perf_counter() - started) * 1000
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main(wheel, work):
    ours = pathlib.Path(sys.prefix) / "share" / "jupyter" / "kernels"
    theirs = wheel_venv(wheel, work)
    today, wheeled = [], []
    for _ in range(9):
        today.append(start_ms(ours))
        wheeled.append(start_ms(theirs))
    size = pathlib.Path(wheel).stat().st_size / 1e6
    print(f"The pip wheel ({pathlib.Path(wheel).name}, {size:.1f} MB):")
    print(f"  process start to kernel_info_reply, install --prefix kernelspec {statistics.median(today):6.1f} ms (median of 9)")
    print(f"  process start to kernel_info_reply, the wheel's kernelspec      {statistics.median(wheeled):6.1f} ms (median of 9)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
