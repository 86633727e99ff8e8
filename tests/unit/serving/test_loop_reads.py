"""The desk's reads on the event loop: in order, a slice at a time, refused when they wait."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from pathlib import Path

import pytest

from tradertape.db.on_loop import NeedsThread, on_loop, refuse_on_loop
from tradertape.db.sqlite import QueuedConnection
from tradertape.errors import Overloaded
from tradertape.serving.loop_reads import LoopReads


class Ticks:
    """A monotonic clock each read moves on by `step` seconds."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        return self.now


def test_reads_run_in_arrival_order_and_yield_after_each_slice():
    clock = Ticks(step=0.004)
    lane = LoopReads(max_waiting=100, wait_s=60, slice_s=0.01, monotonic=clock)
    ran: list[int] = []

    def read(n: int) -> int:
        ran.append(n)
        clock.now += clock.step  # each read takes 4 ms: three fit a 10 ms slice
        return n * n

    async def run() -> list[int]:
        return list(await asyncio.gather(*(lane.run(functools.partial(read, n)) for n in range(9))))

    assert asyncio.run(run()) == [n * n for n in range(9)]
    assert ran == list(range(9))
    assert lane.slices == 2  # 9 reads of 4 ms: slices of three, the loop given back twice


def test_other_loop_work_runs_between_slices():
    clock = Ticks(step=0.02)
    lane = LoopReads(max_waiting=100, wait_s=60, slice_s=0.01, monotonic=clock)
    order: list[str] = []

    def read(n: int) -> None:
        order.append(f"read {n}")
        clock.now += clock.step  # each read fills a slice

    async def other() -> None:
        order.append("other")

    async def run() -> None:
        reads = [asyncio.ensure_future(lane.run(functools.partial(read, n))) for n in range(3)]
        await asyncio.sleep(0)  # the drain starts
        await asyncio.gather(other(), *reads)

    asyncio.run(run())
    assert order.index("other") < order.index("read 2")  # not behind every queued read


def test_a_full_queue_and_a_late_turn_are_503s_and_nothing_runs():
    clock = Ticks(step=0.0)
    lane = LoopReads(max_waiting=2, wait_s=5, monotonic=clock)
    ran: list[str] = []

    def slow() -> None:
        ran.append("slow")
        clock.now += 6  # the reads queued behind it wait past their 5 s

    async def run() -> list[object]:
        first: asyncio.Future[None] = asyncio.ensure_future(lane.run(slow))
        late = asyncio.ensure_future(lane.run(lambda: ran.append("late")))
        await asyncio.sleep(0)  # both queued; the drain has not run yet
        assert lane.waiting == 2
        with pytest.raises(Overloaded, match="queue full"):
            await lane.run(lambda: ran.append("refused"))
        return list(await asyncio.gather(first, late, return_exceptions=True))

    first, late = asyncio.run(run())
    assert first is None
    assert isinstance(late, Overloaded)
    assert "within 5 s" in str(late)
    assert ran == ["slow"]
    assert lane.refused == 2


def test_a_read_s_exception_reaches_its_caller_only():
    lane = LoopReads(max_waiting=10, wait_s=5)

    def boom() -> int:
        raise ValueError("no such book")

    async def run() -> list[object]:
        return list(
            await asyncio.gather(lane.run(boom), lane.run(lambda: 7), return_exceptions=True)
        )

    failed, fine = asyncio.run(run())
    assert isinstance(failed, ValueError)
    assert fine == 7


def test_reads_run_marked_on_the_loop():
    lane = LoopReads(max_waiting=10, wait_s=5)

    def write() -> None:
        refuse_on_loop("a write")

    with pytest.raises(NeedsThread, match="a write"):
        asyncio.run(lane.run(write))
    write()  # off the loop: nothing refused


def test_a_sqlite_write_on_the_loop_refuses_before_it_starts(tmp_path: Path):
    connection = sqlite3.connect(tmp_path / "x.db", factory=QueuedConnection)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.commit()
    with on_loop():
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (0,)  # reads run
        with pytest.raises(NeedsThread):
            connection.cursor().execute("INSERT INTO t VALUES (1)")
        assert not connection.in_transaction  # nothing begun, the writer queue not taken
    connection.cursor().execute("INSERT INTO t VALUES (1)")  # off the loop, as before
    connection.commit()
    assert connection.execute("SELECT count(*) FROM t").fetchone() == (1,)
    connection.close()
