"""Which process runs a sweep, and whether it has ended: so a restart marks the sweeps its
crash cut off at once, rather than after their heartbeat goes stale (`STALE_AFTER`).

A runner is ``host/pid/start``: the host's name, the process id and the process's start
time in clock ticks since boot (Linux's ``/proc/<pid>/stat``), so a pid taken again by
another process (a container's server is often the same pid after a restart) is not
mistaken for the runner. Only a runner on this host can be judged; elsewhere, and where
``/proc`` cannot say, the heartbeat decides as before.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

PROC = Path("/proc")


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (None: no such process, or no
    ``/proc`` to ask)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command's name, which may hold ")"
    return fields[19] if len(fields) > 19 else None  # field 22 of the whole line


@cache
def this_process() -> str:
    """This process's runner name."""
    return f"{socket.gethostname()}/{os.getpid()}/{_started(os.getpid()) or '?'}"


def ended(runner: str | None) -> bool:
    """Whether `runner` is known to have ended: a process of this host that is gone, or
    whose pid another process holds now (False when it cannot be told)."""
    if runner is None or runner == this_process():
        return False
    host, _, rest = runner.partition("/")
    pid, _, started = rest.partition("/")
    if host != socket.gethostname() or not pid.isdigit() or started in ("", "?"):
        return False
    if not PROC.is_dir():
        return False
    return _started(int(pid)) != started
