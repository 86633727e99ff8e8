"""The sweep pool's processes end with the server (issue 66): after a ``kill -9`` of the
process that started the pool, its workers and the forkserver are gone too, instead of
~250 MB each left running for good. Waited for with pidfds (the kernel says when each
process ends), not sleeps; the timeout only fails the test."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"),
    reason="pidfds and the parent-death signal are Linux's",
)

GIVE_UP_S = 60.0  # a loaded 2-core machine; the processes end within about a second

SERVER = """
import json, multiprocessing.forkserver, os, sys
from tradertape.backtest.executors import SharedPool

pool = SharedPool(2)
executor, _folder = pool._executor()
workers = {executor.submit(os.getpid).result() for _ in range(8)}
forkserver = multiprocessing.forkserver._forkserver._forkserver_pid
print(json.dumps({"workers": sorted(workers), "forkserver": forkserver}), flush=True)
sys.stdin.read()  # until killed
"""


def ends_within(pid: int, timeout_s: float) -> bool:
    """Whether process `pid` ends within `timeout_s` (True if it already has)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        watch = select.poll()  # not select(): a busy test process holds fds past 1024
        watch.register(fd, select.POLLIN)
        return bool(watch.poll(timeout_s * 1000))
    finally:
        os.close(fd)


def test_kill_9_of_the_server_ends_its_pool():
    with subprocess.Popen(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        started = json.loads(server.stdout.readline())
        pids = [*started["workers"], started["forkserver"]]
        assert started["workers"]
        assert all(not ends_within(pid, 0) for pid in pids)  # running while the server is
        server.send_signal(signal.SIGKILL)
        server.wait()
        assert [pid for pid in pids if not ends_within(pid, GIVE_UP_S)] == []
