"""A server script run in a process of its own, for the benches that measure over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def served(script: str, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``python -c script FOLDER PORT *args`` minus the folder: `script` gets a free
    loopback port and `args` (``sys.argv[1]`` is the first of `args`, the port second);
    yields its base URL and process once ``/api/health`` answers, and stops it after."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [args[0], str(port), *args[1:]]
    server = subprocess.Popen([sys.executable, "-c", script, *argv])  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit("the bench server did not start")
            try:
                httpx.get(f"{base}/api/health", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def server_cpu_s(pid: int) -> float:
    """The CPU seconds (user + system, from /proc) process `pid` has used so far: a served
    server's, which its clients' own work does not move."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
