"""The serving process's GC policy: slow full collections freeze their survivors; sweeps
reclaim what was frozen."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator

import pytest

from tradertape.serving.process import (
    SWITCH_INTERVAL_S,
    UVICORN,
    Refreezer,
    loop_factory,
    settle,
)


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clean_gc() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # nothing this test froze outlives it


def _full_collection(refreezer: Refreezer, clock: Ticker, seconds: float) -> None:
    refreezer.on_gc("start", {"generation": 2})
    clock.now += seconds
    refreezer.on_gc("stop", {"generation": 2, "collected": 0, "uncollectable": 0})


def test_a_slow_full_collection_freezes_its_survivors(clean_gc: None) -> None:
    clock = Ticker()
    refreezer = Refreezer(slow_s=0.02, sweep_every_s=1800, monotonic=clock)
    survivors = [[n] for n in range(1000)]  # tracked, long-lived

    _full_collection(refreezer, clock, 0.005)  # quick: nothing to do
    refreezer.step()
    assert (refreezer.freezes, gc.get_freeze_count()) == (0, 0)

    _full_collection(refreezer, clock, 0.05)
    refreezer.on_gc("stop", {"generation": 0})  # young collections never count
    refreezer.step()
    assert refreezer.freezes == 1
    assert gc.get_freeze_count() >= len(survivors)
    assert all(o is not survivors for o in gc.get_objects())  # out of the collector's view

    refreezer.step()  # asked once, frozen once
    assert refreezer.freezes == 1


def test_a_sweep_reclaims_cyclic_garbage_that_was_frozen(clean_gc: None) -> None:
    clock = Ticker()
    refreezer = Refreezer(sweep_every_s=600, monotonic=clock)

    class Node:
        pass

    node = Node()
    node.me = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it
    alive = weakref.ref(node)
    _full_collection(refreezer, clock, 1.0)
    refreezer.step()
    assert gc.get_freeze_count() > 0
    del node
    gc.collect()
    # Frozen garbage waits for the sweep. (Not the freeze count: another thread of the test
    # process, a test server's, may free frozen objects of its own meanwhile.)
    assert alive() is not None

    clock.now += 600
    refreezer.step()
    assert refreezer.sweeps == 1
    assert alive() is None
    assert refreezer.next_sweep == clock.now + 600


def test_a_stopped_refreezer_does_nothing_more(clean_gc: None) -> None:
    clock = Ticker()
    refreezer = Refreezer(monotonic=clock)
    _full_collection(refreezer, clock, 1.0)
    refreezer.stop()
    refreezer.run()  # returns at once
    assert (refreezer.freezes, refreezer.freeze_due) == (0, True)


def test_settle_freezes_start_up_and_starts_the_refreezer(clean_gc: None) -> None:
    interval = sys.getswitchinterval()
    refreezer = settle()
    try:
        assert refreezer is not None
        assert refreezer.on_gc in gc.callbacks
        assert gc.get_freeze_count() > 0
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        assert any(t.name == "gc-refreeze" for t in threading.enumerate())
    finally:
        assert refreezer is not None
        gc.callbacks.remove(refreezer.on_gc)
        refreezer.stop()
        sys.setswitchinterval(interval)
    assert settle(refreeze=False) is None
    sys.setswitchinterval(interval)


def test_sweep_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="sweep_every_s"):
        Refreezer(sweep_every_s=0)


def test_the_benches_run_on_the_loop_uvicorn_gives_serve():
    import uvloop

    factory = loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)  # uvloop is installed: uvicorn's "auto" picks it
    finally:
        loop.close()


def test_the_server_keeps_an_idle_connection_longer_than_clients_pool_it():
    """A server closing an idle socket first races the client reusing it: a POST sent as
    the socket closed failed with ECONNRESET (Node does not retry it). The worker SDK's
    httpx pool drops idle sockets after 5 s, browsers and Node within a minute."""
    import httpx
    import uvicorn

    served = uvicorn.Config("tradertape.api.app:create_app", log_config=None, **UVICORN)
    sdk_pool = httpx.Limits().keepalive_expiry
    assert sdk_pool is not None
    assert served.timeout_keep_alive > max(sdk_pool, 60)


# A request's worth of arrays (0.25-3.25 MB each, a third freed at once, one of 12 MB) in a
# request thread, five times, with freed memory kept; the page faults of each round.
_ROUNDS = """
import resource, sys, threading
import numpy as np
from tradertape.serving.process import keep_freed_memory

if not keep_freed_memory():
    print("unsupported")
    sys.exit(0)
faults = []

def request():
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        kept = []
        for k in range(40):
            made = np.ones(32_768 * (1 + (k * 7) % 13))
            if k % 3:
                kept.append(made)
        big = np.ones(1_500_000)
        del kept, big
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

thread = threading.Thread(target=request)
thread.start()
thread.join()
print(" ".join(map(str, faults)))
"""


def _faults_with_memory_kept() -> list[int] | None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _ROUNDS], capture_output=True, text=True, check=True
    )
    out = done.stdout.strip()
    return None if out == "unsupported" else [int(n) for n in out.split()]


def test_kept_memory_spares_later_requests_their_page_faults() -> None:
    """The first request faults its pages in; later ones reuse them (counted, not timed).
    glibc's own thresholds gave this pattern thousands of faults every round."""
    kept = _faults_with_memory_kept()
    if kept is None:
        pytest.skip("the C library has no mallopt (not glibc)")
    first, *later = kept
    assert first > 5_000  # the arrays were really touched
    assert max(later) < first // 20, kept
