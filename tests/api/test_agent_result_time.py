"""A result's ``at`` is judged in real time: against the server's wall clock and the session
day its signal belongs to, never against the market clock, which a simulated feed holds at
the last session's close (or replays). Each refusal names the field and the bound."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.test_agent_api import _agent, _key, _poll, _portfolio, _report
from tests.api.test_model_api import _scan
from tests.conftest import START
from tests.helpers import sign_in
from tradertape.db.engine import Database
from tradertape.db.models import AgentSignalResult
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings

#: Real time nine days after the market clock's session (START, a Friday 10:00 IST).
WALL = START + timedelta(days=9, hours=2)


@pytest.fixture
def wall() -> ManualClock:
    return ManualClock(WALL)


@pytest.fixture
def runtime(
    settings: Settings, clock: ManualClock, database: Database, wall: ManualClock
) -> Runtime:
    """The market clock stands at a past session (as the simulated feed's does at night or
    in a replay); real time has moved on."""
    return Runtime.build(settings, clock=clock, db=database, transport=LogTransport(), wall=wall)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _signal(alice: TestClient) -> tuple[TestClient, dict[str, str], dict[str, Any]]:
    portfolio = _portfolio(alice)
    _scan(alice, portfolio["id"])
    agent, key = _agent(alice), _key(alice)
    return agent, key, _poll(agent, key)["signals"][0]


def _results(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(AgentSignalResult)) or 0)


def test_a_result_stamped_now_is_accepted_while_the_market_clock_replays_a_past_session(
    alice: TestClient, with_candles: Runtime
):
    agent, key, signal = _signal(alice)
    now = WALL.isoformat()  # the agent's machine: real time, days after the market clock

    placed = _report(agent, key, signal_id=signal["signal_id"], outcome="placed", at=now)

    assert placed.status_code == 200, placed.text
    assert placed.json()["status"] == "approved"
    again = _report(agent, key, signal_id=signal["signal_id"], outcome="placed", at=now)
    assert again.json()["duplicate"] is True  # a resend after a crash: nothing twice
    assert _results(with_candles) == 1


def test_a_result_after_the_wall_clock_is_refused_naming_the_bound(alice: TestClient):
    agent, key, signal = _signal(alice)
    # 2 minutes of skew allowed: 3 minutes ahead of the wall clock is refused
    ahead = WALL + timedelta(minutes=3)

    refused = _report(
        agent, key, signal_id=signal["signal_id"], outcome="placed", at=ahead.isoformat()
    )

    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["detail"]
    assert detail["field"] == "at"
    latest = (WALL + timedelta(minutes=2)).astimezone(IST).isoformat()
    assert f"is after the latest time a result may carry, {latest}" in detail["msg"]
    assert "the server's wall clock" in detail["msg"]
    assert "plus 2 minutes of clock skew" in detail["msg"]
    assert alice.get("/api/model/signals", params={"status": "in_cart"}).json()


def test_a_result_before_its_signals_session_day_is_refused_naming_the_bound(alice: TestClient):
    agent, key, signal = _signal(alice)
    day = datetime.fromisoformat(signal["signal_date"]).date()
    before = datetime.combine(day, datetime.min.time(), IST) - timedelta(seconds=1)

    refused = _report(
        agent, key, signal_id=signal["signal_id"], outcome="placed", at=before.isoformat()
    )

    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["detail"]
    assert detail["field"] == "at"
    start = datetime.combine(day, datetime.min.time(), IST).isoformat()
    assert f"is before the earliest time a result may carry, {start}" in detail["msg"]
    assert f"the start of the signal's session day {day}" in detail["msg"]
