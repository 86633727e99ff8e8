"""Health is green only once the backtest kernels are ready: nothing that waits for it sends
a request that would wait on a compile (`jobs.kernels`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tradertape.api.app import create_app
from tradertape.api.routes.health import HealthProbe
from tradertape.db.engine import Database
from tradertape.jobs.kernels import KernelWarmUp, LaterKernels
from tradertape.runtime import Runtime


def _ticks(*values: float) -> Iterator[float]:
    yield from values


def test_starting_until_the_kernels_are_ready_then_green_at_once(runtime: Runtime):
    # a server that readies itself at start (test apps do not): its routes too, before serving
    readying = runtime.settings.model_copy(update={"warm_kernels": True})
    server = Runtime.build(readying, clock=runtime.clock, db=runtime.db)
    gate = threading.Event()
    clock = _ticks(100.0, 101.25)
    kernels = KernelWarmUp(enabled=True, warm=gate.wait, monotonic=lambda: next(clock))
    with TestClient(create_app(server, kernels=kernels)) as client:
        try:
            starting = client.get("/api/health")
            assert starting.status_code == 503
            assert starting.json()["status"] == "starting"
            assert starting.json()["kernels"] == "loading"
            assert starting.json()["database"] == "ok"
        finally:
            gate.set()
        assert kernels.wait() == "ready"
        # The database's answer is still the cached one (pinged under a second ago): the
        # kernels' readiness is read on every check, so health turns green at once.
        ready = client.get("/api/health")
    assert ready.status_code == 200
    assert (ready.json()["status"], ready.json()["kernels"]) == ("ok", "ready")
    assert kernels.took_s == 1.25


def test_a_failed_warm_up_is_logged_and_the_server_serves(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
):
    def broken() -> None:
        raise RuntimeError("no compiler today")

    kernels = KernelWarmUp(enabled=True, warm=broken)
    with (
        caplog.at_level(logging.ERROR, logger="tradertape.jobs"),
        TestClient(create_app(runtime, kernels=kernels)) as client,
    ):
        assert kernels.wait() == "failed"
        response = client.get("/api/health")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["kernels"]) == ("ok", "failed")
    assert "readying the backtest kernels failed" in caplog.text


class _Later(LaterKernels):
    """Records when the second half's steps run (and the state then); `finish` fails when
    told to."""

    def __init__(self, events: list[str], *, fail: bool = False) -> None:
        super().__init__()
        self.events, self.fail = events, fail
        self.of: KernelWarmUp | None = None

    def begin(self) -> None:
        self.events.append("later: begin")

    def finish(self) -> None:
        assert self.of is not None
        self.events.append(f"later: finish while {self.of.state}")
        if self.fail:
            raise RuntimeError("no compiler today")


@pytest.mark.parametrize("fail", [False, True], ids=["ok", "later-fails"])
def test_the_rarer_builds_begin_first_and_finish_once_health_is_green(
    fail: bool, caplog: pytest.LogCaptureFixture
):
    events: list[str] = []
    later = _Later(events, fail=fail)
    kernels = KernelWarmUp(enabled=True, warm=lambda: events.append("first half"), later=later)
    later.of = kernels
    with caplog.at_level(logging.ERROR, logger="tradertape.jobs"):
        kernels.start()
        assert kernels.wait() == "ready"
        for thread in threading.enumerate():
            if thread.name == "warm-kernels":
                thread.join()
    # the process (when the cache lacks them) starts beside the first half; loading them
    # here waits until health is green; a failure there leaves the server ready
    assert events == ["later: begin", "first half", "later: finish while ready"]
    assert kernels.state == "ready"
    assert ("readying the rarer backtest kernels failed" in caplog.text) == fail


def test_without_the_warm_up_health_is_green_and_says_lazy(client: TestClient):
    # the test settings turn it off (TRADERTAPE_WARM_KERNELS=false)
    response = client.get("/api/health")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["kernels"]) == ("ok", "lazy")


def test_a_database_that_does_not_answer_outranks_starting(runtime: Runtime):
    from tradertape.db.engine import Database

    broken = Runtime.build(
        runtime.settings,
        clock=runtime.clock,
        db=Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none"),
    )
    gate = threading.Event()
    kernels = KernelWarmUp(enabled=True, warm=gate.wait)
    with TestClient(create_app(broken, kernels=kernels)) as client:
        try:
            response = client.get("/api/health")
        finally:
            gate.set()
    assert response.status_code == 503
    assert (response.json()["status"], response.json()["kernels"]) == ("degraded", "loading")


@pytest.mark.anyio
async def test_a_check_does_not_wait_for_a_ping_while_the_last_answer_is_fresh(
    database: Database,
):
    now = [100.0]
    probe = HealthProbe(database, every_s=1.0, stale_s=3.0, monotonic=lambda: now[0])
    assert await probe.database_ok()  # no answer yet: the first check waits for its ping
    assert not probe.pinging
    now[0] = 102.0  # a new ping is due, and the last answer is still fresh: told at once
    assert await probe.database_ok()
    assert probe.pinging
    now[0] = 110.0  # the last answer is too old to tell again: this check waits for the ping
    assert await probe.database_ok()
    assert not probe.pinging
