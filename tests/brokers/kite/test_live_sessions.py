"""Broker sessions that end, against the fake Kite: each session says when it dies (06:00
IST), a reminder goes out before the next open while live work depends on it, and a master
logout the broker reports pauses live polling with one notice ("log in again") instead of
failing every pass. Time is the injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.brokers.kite.test_server_login import kite_login
from tests.live_kit import BUY
from tradertape.errors import Conflict
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.session_watch import SessionWatch
from tradertape.settings import Settings

pytestmark = pytest.mark.db

RESTING = BUY | {"price": "1400"}  # under the fake's price: stays working at Kite


@pytest.fixture
def settings(tmp_path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, live_trading_enabled=True)


def _sessions(runtime: Runtime) -> SessionWatch:
    calendar = runtime.exchange.calendar
    return SessionWatch(db=runtime.db, calendar=calendar, clock=runtime.clock)


def _told(client: TestClient) -> list[dict[str, Any]]:
    return [n for n in client.get("/api/notifications").json() if n["kind"] == "broker_session"]


def _agent_view(client: TestClient) -> list[dict[str, Any]]:
    issued = client.post("/api/agent/keys", json={"name": "laptop"}).json()
    agent = TestClient(client.app)
    answer = agent.get(
        "/api/agent/broker-sessions", headers={"Authorization": f"Bearer {issued['api_key']}"}
    )
    assert answer.status_code == 200, answer.text
    seen: list[dict[str, Any]] = answer.json()
    return seen


def test_a_session_says_when_it_dies_and_a_reminder_goes_out_before_the_next_open(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    assert client.post("/api/orders", json=RESTING).json()["status"] == "OPEN"
    kite = client.get("/api/brokers/kite/credentials").json()
    # Logged in on Friday 20 Nov at 10:00 IST: Kite's token dies at 06:00 IST the next day.
    assert datetime.fromisoformat(kite["access_token_expires_at"]) == datetime(
        2026, 11, 21, 6, 0, tzinfo=IST
    )
    watch = _sessions(runtime)
    assert watch.run_due() == []  # Friday 10:00: the session lasts to today's close

    clock.set(datetime(2026, 11, 21, 8, 45, tzinfo=IST))  # Saturday: no open, no reminder
    assert watch.run_due() == []
    clock.set(datetime(2026, 11, 23, 8, 20, tzinfo=IST))  # Monday, before the reminder hour
    assert watch.run_due() == []
    clock.set(datetime(2026, 11, 23, 8, 40, tzinfo=IST))
    [(user_id, broker)] = watch.run_due()
    clock.advance(timedelta(minutes=5))
    assert watch.run_due() == []  # once per broker and day
    assert _sessions(runtime).run_due() == []  # another process: the stored key says so

    assert broker == "kite"
    [note] = _told(client)
    assert note["text"].startswith("🔑 Log in to Kite before the 09:15 open")
    assert "1 working order depend on it" in note["text"]
    status = {b["broker"]: b for b in client.get("/api/auth/status").json()["brokers"]}
    assert (status["kite"]["connected"], status["kite"]["status"]) == (False, "expired")
    [seen] = _agent_view(client)
    assert seen["action"] == "Your Kite session expired: log in again (Settings → Brokers)"


def test_nothing_live_depends_on_it_no_reminder(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    clock.set(datetime(2026, 11, 23, 8, 40, tzinfo=IST))

    assert _sessions(runtime).run_due() == []
    assert _told(client) == []


def test_a_master_logout_pauses_polling_with_one_notice(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    user_id = connect(client, runtime, fake)
    assert client.post("/api/orders", json=RESTING).json()["status"] == "OPEN"
    fake.control("expire-sessions")  # the user logged out of Kite everywhere (master logout)

    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 0
    with runtime.db.session() as db:
        clock.advance(timedelta(seconds=5))
        assert runtime.live.poll(db) == 0
        with pytest.raises(Conflict, match="no live Kite session"):  # so Kite is not asked
            runtime.live.broker(db, user_id, "kite")

    [note] = _told(client)
    assert note["text"].startswith("🔑 Kite ended your session")
    assert "log in again" in note["text"]
    assert "Live polling of 1 working order is paused" in note["text"]
    status = {b["broker"]: b for b in client.get("/api/auth/status").json()["brokers"]}
    assert (status["kite"]["connected"], status["kite"]["status"]) == (False, "logged_out")
    [seen] = _agent_view(client)
    assert seen["action"] == "Kite ended your session: log in again (Settings → Brokers)"

    assert kite_login(client, fake)["login"] == ["ok"]  # a new login resumes polling
    status = {b["broker"]: b for b in client.get("/api/auth/status").json()["brokers"]}
    assert (status["kite"]["connected"], status["kite"]["status"]) == (True, "connected")
    fake.price("NSE:INFY", 1390)  # through the limit: Kite fills it
    with runtime.db.session() as db:
        assert runtime.live.poll(db) == 1
