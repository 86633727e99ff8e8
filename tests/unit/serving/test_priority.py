"""The event loop thread's priority (`serving.priority`): raised on the calling thread only,
threads it starts afterwards at the ordinary priority, put back by `restore`; where the
process may not raise it (no root or CAP_SYS_NICE), left as it was.

Each case runs in a thread of its own, so the test runner's threads keep their priority."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tradertape.serving import priority

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux calls")


def _in_thread(body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def run() -> None:
        try:
            found.update(body())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            found["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in found:
        raise found["error"]
    return found


def _raised_then_restored(wanted: priority.LoopPriority) -> dict[str, Any]:
    before = priority.current()
    got = priority.raise_loop_thread(wanted)
    raised = priority.current()
    child: list[priority.ThreadPriority | None] = []
    started = threading.Thread(target=lambda: child.append(priority.current()))
    started.start()
    started.join()
    priority.restore(before)
    return {"got": got, "before": before, "raised": raised, "child": child[0],
            "after": priority.current()}  # fmt: skip


def _plain(found: priority.ThreadPriority | None) -> priority.ThreadPriority:
    # SCHED_RESET_ON_FORK is reported in the policy: compare the policy itself.
    assert found is not None  # Linux
    return priority.ThreadPriority(
        found.policy & ~os.SCHED_RESET_ON_FORK, found.priority, found.nice
    )


def test_normal_changes_nothing() -> None:
    found = _in_thread(lambda: _raised_then_restored("normal"))
    assert found["got"] == "normal"
    assert found["raised"] == found["before"] == found["after"]


@pytest.mark.parametrize("wanted", ["high", "realtime"])
def test_raises_only_the_calling_thread_and_restores(wanted: priority.LoopPriority) -> None:
    found = _in_thread(lambda: _raised_then_restored(wanted))
    before, raised = found["before"], _plain(found["raised"])
    if found["got"] == "normal":  # not allowed here: left as it was
        assert raised == _plain(before)
    elif wanted == "realtime":
        assert (raised.policy, raised.priority) == (os.SCHED_RR, priority.REALTIME_PRIORITY)
    else:
        assert (raised.policy, raised.nice) == (os.SCHED_OTHER, priority.HIGH_NICE)
    # a thread the raised one starts runs at the ordinary priority, and so does it after
    child = _plain(found["child"])
    assert (child.policy, child.priority) == (os.SCHED_OTHER, 0)
    # The kernel starts it at nice 0 once the thread is raised (real-time or a negative nice),
    # even in a process started under `nice`; left as it was, the thread hands down its own.
    assert child.nice == (before.nice if found["got"] == "normal" else 0)
    assert found["after"] == before
