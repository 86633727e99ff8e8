"""The event loop thread's CPU scheduling priority (setting ``loop_priority``).

The tick fan-out (the hub and every client's socket) runs on the server's event loop, and
needs ~7 % of a core: ~12 ms of CPU per burst. On a machine busy past its cores the
operating system's fair share is what it waits for: at load 8–20 on 2 CPUs the worst
burst's *first* client was already 200–300 ms late, the process not yet run at all
(bench/ticks_fanout.py, bench/README.md). Raising the loop thread's priority lets it run
when a burst is due, whatever else the machine runs:

- ``normal`` (the default): as started; nothing is changed.
- ``high``: nice −10 (the kernel's fair scheduler gives the loop ~10× a plain task's share
  and runs it sooner when it wakes).
- ``realtime``: ``SCHED_RR`` at the lowest real-time priority (1): the loop runs as soon as
  it is runnable, before every ordinary task. The kernel still keeps 5 % of each CPU for
  ordinary tasks (``sched_rt_runtime_us``), so a loop that spins cannot take the machine.

Only the loop thread is raised, with ``SCHED_RESET_ON_FORK``: the worker threads and
processes it starts later (request threads, backtests, scans, the kernels' compiler) run
at the ordinary priority (nice 0, where the kernel resets them, even in a server started
under ``nice``), so heavy work cannot take the CPUs from everything else. The
threads started before it (the background jobs' and the GC refreezer's) are untouched.
The GIL knows no priority: while a thread of the process runs Python, the loop waits for it
to let go (the 1 ms switch interval, `serving.process`), and longer if that thread, at the
ordinary priority, is itself waiting for a CPU. Work that holds the GIL for long belongs in
processes of its own (sweeps do), not beside the fan-out.

Both need privilege (root, or ``CAP_SYS_NICE``; ``high`` also within ``RLIMIT_NICE``): an
ordinary user's server logs a line and runs at the priority it had.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger("tradertape.serving")

LoopPriority = Literal["normal", "high", "realtime"]
HIGH_NICE = -10
REALTIME_PRIORITY = 1  # the lowest SCHED_RR level: above every ordinary task, below the kernel's


@dataclass(frozen=True, slots=True)
class ThreadPriority:
    """A thread's scheduling policy and nice value (to raise it and put it back)."""

    policy: int
    priority: int  # the real-time level (0 for ordinary policies)
    nice: int


def current() -> ThreadPriority | None:
    """The calling thread's priority (None where the platform has no such calls)."""
    if not sys.platform.startswith("linux"):
        return None
    policy = os.sched_getscheduler(0)
    return ThreadPriority(
        policy=policy,
        priority=os.sched_getparam(0).sched_priority,
        nice=os.getpriority(os.PRIO_PROCESS, 0),
    )


def restore(saved: ThreadPriority | None) -> None:
    """Put the calling thread back to `saved` (`current` before `raise_loop_thread`)."""
    if saved is None:
        return
    try:
        os.sched_setscheduler(0, saved.policy, os.sched_param(saved.priority))
        os.setpriority(os.PRIO_PROCESS, 0, saved.nice)
    except OSError:  # lowering one's own priority is always allowed; kept for safety
        log.warning("could not restore the event loop thread's priority", exc_info=True)


def raise_loop_thread(priority: LoopPriority) -> LoopPriority:
    """Raise the calling thread (the event loop's) to `priority`; the priority it runs at
    (``normal`` where the platform or the process's privileges do not allow it, logged).

    On Linux the calls below take the calling *thread* (id 0), not the whole process.
    """
    if priority == "normal":
        return "normal"
    if not sys.platform.startswith("linux"):
        log.warning("loop_priority=%s is for Linux; running at normal priority", priority)
        return "normal"
    try:
        if priority == "realtime":
            policy = os.SCHED_RR | os.SCHED_RESET_ON_FORK
            os.sched_setscheduler(0, policy, os.sched_param(REALTIME_PRIORITY))
        else:
            # SCHED_OTHER with the flag: threads started later begin at nice 0 again.
            os.sched_setscheduler(0, os.SCHED_OTHER | os.SCHED_RESET_ON_FORK, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, 0, HIGH_NICE)
    except PermissionError:
        log.warning(
            "loop_priority=%s needs root or CAP_SYS_NICE; the event loop (and the tick "
            "fan-out) runs at normal priority",
            priority,
        )
        return "normal"
    log.info("event loop thread at %s priority (loop_priority)", priority)
    return priority
