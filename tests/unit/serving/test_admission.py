"""The admission gate and the credential screen, driven step by step on one event loop."""

from __future__ import annotations

import asyncio

import pytest

from tradertape.errors import Overloaded, Unauthenticated
from tradertape.serving.admission import AdmissionGate
from tradertape.serving.credentials import BAD_TTL_S, CredentialScreen

pytestmark = pytest.mark.anyio


def _gate(capacity: int = 2, max_waiting: int = 2, wait_s: float = 5.0) -> AdmissionGate:
    return AdmissionGate(name="test", capacity=capacity, max_waiting=max_waiting, wait_s=wait_s)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiters_are_admitted_in_order_as_slots_free():
    gate = _gate(capacity=1)
    await gate.acquire()
    admitted: list[str] = []

    async def wait(name: str) -> None:
        await gate.acquire()
        admitted.append(name)

    first = asyncio.create_task(wait("first"))
    await _settle()
    second = asyncio.create_task(wait("second"))
    await _settle()
    assert gate.waiting == 2
    gate.release()
    await first
    assert admitted == ["first"]
    gate.release()
    await second
    assert admitted == ["first", "second"]
    assert gate.held == 1


async def test_a_full_queue_is_refused_at_once_and_counted():
    gate = _gate(capacity=1, max_waiting=1)
    await gate.acquire()
    queued = asyncio.create_task(gate.acquire())
    await _settle()
    with pytest.raises(Overloaded) as refused:
        await gate.acquire()
    assert refused.value.status_code == 503
    assert refused.value.retry_after_s == 1
    assert gate.refused == 1
    gate.release()
    await queued


async def test_a_wait_is_bounded_and_leaves_no_trace():
    gate = _gate(capacity=1, wait_s=0.01)
    await gate.acquire()
    with pytest.raises(Overloaded, match="no test slot within 0.01 s"):
        await gate.acquire()
    assert gate.waiting == 0
    gate.release()
    assert gate.held == 0


async def test_a_cancelled_waiter_passes_its_slot_on():
    gate = _gate(capacity=1)
    await gate.acquire()
    leaving = asyncio.create_task(gate.acquire())
    staying = asyncio.create_task(gate.acquire())
    await _settle()
    leaving.cancel()
    await asyncio.gather(leaving, return_exceptions=True)
    gate.release()
    await staying
    assert gate.held == 1
    assert gate.waiting == 0


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_one_check_per_secret_however_many_ask_at_once():
    clock = _Clock()
    screen = CredentialScreen(_gate(capacity=1, max_waiting=100), monotonic=clock)
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def check() -> None:
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result()
        raise Unauthenticated("nope")

    asks = [asyncio.create_task(screen.screen("s" * 43, check)) for _ in range(50)]
    await _settle()
    release.set()
    assert await asyncio.gather(*asks) == ["nope"] * 50
    assert screen.checks == 1


async def test_a_refusal_is_remembered_for_a_while_a_validity_is_rechecked_later():
    clock = _Clock()
    screen = CredentialScreen(_gate(), monotonic=clock)
    calls: list[str] = []

    def bad() -> None:
        calls.append("bad")
        raise Unauthenticated("unknown")

    def good() -> None:
        calls.append("good")

    assert await screen.screen("bad", bad) == "unknown"
    assert await screen.screen("bad", bad) == "unknown"
    assert await screen.screen("good", good) is None
    assert await screen.screen("good", good) is None
    assert calls == ["bad", "good"]
    clock.now += BAD_TTL_S + 1
    assert await screen.screen("bad", bad) == "unknown"
    assert calls == ["bad", "good", "bad"]


async def test_a_failed_check_is_not_remembered():
    screen = CredentialScreen(_gate(), monotonic=_Clock())

    def broken() -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await screen.screen("x", broken)
    assert await screen.screen("x", lambda: None) is None
