"""The fair queue: users take turns for the slots, whoever submitted more."""

from __future__ import annotations

from concurrent.futures import Future

from tradertape.backtest.fair import FairChunks, FairQueue, Ticket

A, B, C = 1, 2, 3


class Recorder:
    """Starts recorded in order; each ticket stays running until `finish`."""

    def __init__(self, queue: FairQueue) -> None:
        self.queue = queue
        self.started: list[str] = []
        self.running: dict[str, Ticket] = {}

    def submit(self, user: int, name: str) -> Ticket:
        def start(ticket: Ticket) -> None:
            self.started.append(name)
            self.running[name] = ticket

        return self.queue.submit(user, start)

    def finish(self, name: str) -> None:
        self.queue.done(self.running.pop(name))


def test_a_user_with_one_chunk_goes_before_another_users_many():
    log = Recorder(FairQueue(slots=1, per_user=1))
    for i in range(8):
        log.submit(A, f"a{i}")
    log.submit(B, "b0")
    assert log.started == ["a0"]  # one slot: A's first took it
    log.finish("a0")
    assert log.started == ["a0", "b0"]  # B's one chunk next, before A's seven others
    log.finish("b0")
    log.finish("a1")
    assert log.started == ["a0", "b0", "a1", "a2"]


def test_users_alternate_and_none_takes_every_slot():
    log = Recorder(FairQueue(slots=3, per_user=2))
    for i in range(4):
        log.submit(A, f"a{i}")
    assert log.started == ["a0", "a1"]  # the third slot is kept for another user
    log.submit(B, "b0")
    log.submit(C, "c0")
    log.submit(C, "c1")
    assert log.started == ["a0", "a1", "b0"]  # B at once, on the slot A could not take
    log.finish("a0")
    assert log.started[-1] == "c0"  # C has waited longest unserved
    log.finish("b0")
    log.finish("c0")
    assert log.started[-2:] == ["a2", "c1"]  # A (served before C) first, then C


def test_a_cancelled_ticket_never_starts_and_a_running_one_runs_on():
    log = Recorder(FairQueue(slots=1, per_user=1))
    first, second = log.submit(A, "a0"), log.submit(A, "a1")
    assert log.queue.cancel(second)
    assert not log.queue.cancel(first)
    assert log.queue.waiting(A) == 0
    log.finish("a0")
    assert log.started == ["a0"]


def test_a_turn_waits_for_its_slot_and_gives_it_back():
    queue = FairQueue(slots=1, per_user=1)
    with queue.turn(A):
        held: list[str] = []
        queue.submit(B, lambda ticket: held.append("b"))
        assert held == []  # the slot is A's until the body ends
    assert held == ["b"]


class Inner:
    """A chunk executor whose futures the test completes."""

    name, workers = "pool", 1

    def __init__(self) -> None:
        self.futures: list[Future[list[dict[str, object]]]] = []

    def submit(self, indices: list[int]) -> Future[list[dict[str, object]]]:
        future: Future[list[dict[str, object]]] = Future()
        self.futures.append(future)
        return future

    def close(self, *, cancel: bool) -> None:
        pass


def test_a_sweeps_chunks_start_in_turn_and_a_cancel_drops_those_waiting():
    queue, inner = FairQueue(slots=1, per_user=1), Inner()
    chunks = FairChunks(inner, queue, user=A)
    first, second = chunks.submit([0]), chunks.submit([1])
    assert len(inner.futures) == 1  # the second waits for the slot
    inner.futures[0].set_result([{"index": 0}])
    assert first.result() == [{"index": 0}]
    assert len(inner.futures) == 2
    third = chunks.submit([2])
    chunks.close(cancel=True)
    assert third.cancelled()
    assert not second.done()
    inner.futures[1].set_result([{"index": 1}])
    assert second.result() == [{"index": 1}]
    assert queue.waiting(A) == 0
    assert len(inner.futures) == 2
