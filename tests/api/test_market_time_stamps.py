"""Signals carry market time, as the GTTs and orders they place do (docs/api-conventions.md).

In demo mode the feed replays the last session at night: the exchange, the GTT book and the
risk desk read that replayed instant, and so must the portfolio a user scans and places.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy, _scan
from tests.helpers import sign_in
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings

NIGHT = datetime(2026, 11, 20, 22, 30, tzinfo=IST)  # a Friday, hours after the close


@pytest.fixture
def replaying(
    settings: Settings, database: Database, with_candles: Runtime
) -> Iterator[tuple[TestClient, Runtime]]:
    demo = settings.model_copy(update={"feed": "simulated", "demo_mode": True})
    runtime = Runtime.build(demo, clock=ManualClock(NIGHT), db=database, transport=LogTransport())
    assert runtime.exchange.clock.now() < NIGHT - timedelta(hours=5)  # the replayed session
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield client, runtime


def test_a_placed_signal_and_its_gtt_share_one_clock(replaying: tuple[TestClient, Runtime]):
    client, runtime = replaying
    sign_in(client, runtime, "m@x.in")
    portfolio = _deploy(client, paper_fill="gtt", max_positions=1)
    (signal_id,) = _scan(client, portfolio["id"])["entries"]
    client.post(f"/api/model/signals/{signal_id}/approve")
    assert client.post("/api/model/cart/place", json={}).json()["placed"] == [signal_id]

    signal = next(s for s in client.get("/api/model/signals").json() if s["id"] == signal_id)
    trigger = client.get(f"/api/gtt/triggers/{signal['gtt_id']}").json()
    market_now = runtime.exchange.clock.now()
    approved_at = datetime.fromisoformat(signal["approved_at"])
    assert approved_at == market_now
    assert datetime.fromisoformat(trigger["created_at"]) == market_now
    assert datetime.fromisoformat(signal["created_at"]) == market_now
