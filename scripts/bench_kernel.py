"""What the bench scripts share: a kernel of the installed spark-sql-kbase kernelspec, started
through jupyter_client (its environment is the caller's), and a process's memory from /proc."""

import contextlib

from jupyter_client import KernelManager


@contextlib.contextmanager
def started_kernel():
    """Yields (pid, client) of a ready kernel; shuts it down afterwards."""
    km = KernelManager(kernel_name="spark-sql-kbase")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km.provisioner.process.pid, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def proc_status(pid, field):
    """A memory field of /proc/PID/status (VmRSS, VmHWM) in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0
