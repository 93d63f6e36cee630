"""SELECT 1 end to end through jupyter_client, straight to the server and through a local HTTP
proxy (pproxy, what BERDL's remote users run) and a SOCKS5 one, measured in the same run:
two kernels side by side, their cells interleaved so that both see the same machine.

Usage: bench_proxy.py PORT   (the kernel's settings in the environment, set by scripts/bench)
"""

import os
import socket
import statistics
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pproxy(scheme):
    port = free_port()
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "pproxy"),
                             "-l", f"{scheme}://127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            assert time.time() < deadline, "pproxy did not start"
            time.sleep(0.05)


def kernel(extra):
    env = dict(os.environ)
    env.update(extra)
    return start_new_kernel(kernel_name="spark-sql-kbase", env=env)


def timed(kc):
    started = time.perf_counter()
    reply = kc.execute_interactive("SELECT 1", timeout=120, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    return (time.perf_counter() - started) * 1000


def interleaved(kernels, rounds=10):
    """Times SELECT 1 on each of `kernels` (name: (manager, client)) after a warm-up: `rounds`
    rounds of 10 cells each, each kernel first in turn; shuts the kernels down. Samples by name."""
    samples = {name: [] for name in kernels}
    names = list(kernels)
    try:
        for _ in range(20):  # warm-up
            for _, kc in kernels.values():
                timed(kc)
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                _, kc = kernels[name]
                for _ in range(10):
                    samples[name].append(timed(kc))
                    time.sleep(0.02)
    finally:
        for km, kc in kernels.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return samples


def main():
    http, http_port = pproxy("http")
    socks, socks_port = pproxy("socks5")
    routes = {
        "direct": {},
        "HTTP proxy (grpc_proxy=http://…)": {"grpc_proxy": f"http://127.0.0.1:{http_port}",
                                             "no_proxy": "localhost"},
        "SOCKS5 proxy (grpc_proxy=socks5h://…)": {"grpc_proxy": f"socks5h://127.0.0.1:{socks_port}",
                                                  "no_proxy": "localhost"},
    }
    kernels = {name: kernel(extra) for name, extra in routes.items()}
    try:
        samples = interleaved(kernels)
    finally:
        for proc in (http, socks):
            proc.kill()
    direct = statistics.median(samples["direct"])
    print("SELECT 1 end to end (jupyter_client), medians of 100, interleaved:")
    for name in routes:
        median = statistics.median(samples[name])
        over = "" if name == "direct" else f"  ({(median / direct - 1) * 100:+.1f} % over direct)"
        print(f"  {name:40s} {median:7.1f} ms{over}")


if __name__ == "__main__":
    main()
