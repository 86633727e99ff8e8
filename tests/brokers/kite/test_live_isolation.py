"""A live order whose booking raises fails alone (`background.guard`): the trading loop's
live sweep still books the fills of every other user's orders, the failing (user,
broker) is recorded, quarantined and told once, and its owner can still cancel the order.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_server_login import kite_login, save_key
from tests.helpers import sign_in
from tests.live_kit import BUY, booked, ours
from tradertape.db.models import JobFailure, Notification
from tradertape.db.models.trading import Order
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.background.guard import QUARANTINE_AFTER
from tradertape.settings import Settings

pytestmark = pytest.mark.db


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _connect(client: TestClient, runtime: Runtime, fake: Fake, email: str) -> int:
    user_id = sign_in(client, runtime, email, class0=True)  # may keep a secret here
    save_key(client, secret=True)
    assert kite_login(client, fake)["login"] == ["ok"]
    on = client.put("/api/auth/live-trading", json={"live_trading": True, "confirm": "LIVE"})
    assert on.status_code == 200, on.text
    return user_id


def test_a_live_order_whose_booking_raises_does_not_keep_other_fills_from_being_booked(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    fake.price("NSE:INFY", 1500)
    poisoner = _connect(client, runtime, fake, "poisoner@x.in")
    assert client.post("/api/orders", json=BUY).status_code == 201
    [bad] = ours(runtime)
    with runtime.db.session() as db:  # an instrument the catalog no longer lists
        db.execute(update(Order).where(Order.id == bad.id).values(tradingsymbol="GONE"))
        db.commit()
    other = _connect(client, runtime, fake, "other@x.in")
    assert client.post("/api/orders", json=BUY).status_code == 201
    fake.price("NSE:INFY", 1485)  # both fill at Kite
    loop = trading_loop(runtime)

    for _ in range(QUARANTINE_AFTER + 2):
        clock.advance(timedelta(seconds=5))
        assert loop.run_jobs() is True

    trades, _cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(10, Decimal("1485.00"))]
    good = [o for o in ours(runtime) if o.user_id == other]
    assert [(o.status, o.filled_quantity) for o in good] == [("COMPLETE", 10)]
    with runtime.db.session() as db:
        failures = {f.job: f for f in db.scalars(select(JobFailure))}
        told = db.scalars(select(Notification).where(Notification.kind == "job_failure")).all()
    # the poll every pass until quarantined; reconciliation (every few minutes) once so far
    assert {(f.job, f.item, f.user_id) for f in failures.values()} == {
        ("live.poll", f"user:{poisoner}:kite", poisoner),
        ("live.reconcile", f"user:{poisoner}:kite", poisoner),
    }
    assert failures["live.poll"].failures == QUARANTINE_AFTER
    assert failures["live.poll"].quarantined_at is not None
    assert failures["live.reconcile"].quarantined_at is None
    assert [n.user_id for n in told] == [poisoner]
