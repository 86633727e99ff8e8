"""Background work fails item by item (`oms.job_guard`): a poisoned row of one user's is
recorded against its owner, quarantined after a few failures and told once, while every
other item and job of the server's trading loop (`api.app.trading_loop`) runs on.

The poisons are planted in the database, as a bad row written before input validation
existed would be; each raises through the real code path (a leg price that makes the
tick check raise, an order for an instrument the catalog no longer lists).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.helpers import sign_in
from tradertape.api.app import trading_loop
from tradertape.db.models import JobFailure, Notification
from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Variety
from tradertape.oms.job_guard import QUARANTINE_AFTER
from tradertape.oms.loop import TradingLoop
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

STEP = timedelta(seconds=5)  # the loop's job timer


def _gtt(runtime: Runtime, user_id: int, *, price: str = "1455") -> int:
    leg = {
        "transaction_type": "BUY",
        "quantity": 10,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": price,
    }
    spec = GttSpec("NSE", "INFY", ["1450"], 1400, [leg])
    with runtime.db.session() as db:
        return runtime.gtts.create(db, user_id=user_id, spec=spec).id


def _poison_gtt(runtime: Runtime, gtt_id: int) -> None:
    """A leg price no book can hold: placing its order raises (`value % tick`)."""
    with runtime.db.session() as db:
        gtt = db.get(Gtt, gtt_id)
        assert gtt is not None
        orders = [{**gtt.orders[0], "price": "1E+999"}]
        db.execute(update(Gtt).where(Gtt.id == gtt_id).values(orders=orders))
        db.commit()


def _fund(runtime: Runtime, *user_ids: int) -> None:
    with runtime.db.session() as db:
        for user_id in user_ids:
            runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(1_000_000))


def _jobs(loop: TradingLoop, clock: ManualClock, passes: int) -> None:
    for _ in range(passes):
        clock.advance(STEP)
        assert loop.run_jobs() is True


def _failures(runtime: Runtime) -> list[JobFailure]:
    with runtime.db.session() as db:
        return list(db.scalars(select(JobFailure).order_by(JobFailure.id)))


def _told(runtime: Runtime, user_id: int) -> list[Notification]:
    with runtime.db.session() as db:
        return list(
            db.scalars(
                select(Notification).where(
                    Notification.user_id == user_id, Notification.kind == "job_failure"
                )
            )
        )


@pytest.fixture
def users(client: TestClient, runtime: Runtime) -> tuple[int, int]:
    """The poisoner (signed in on `client`) and another user."""
    other = sign_in(client, runtime, "other@x.in")
    poisoner = sign_in(client, runtime, "poisoner@x.in")
    _fund(runtime, poisoner, other)
    return poisoner, other


def test_a_gtt_whose_order_cannot_be_placed_fails_alone_and_its_owner_can_delete_it(
    client: TestClient, runtime: Runtime, clock: ManualClock, users: tuple[int, int]
):
    poisoner, other = users
    bad = _gtt(runtime, poisoner)
    good = _gtt(runtime, other)
    _poison_gtt(runtime, bad)
    loop = trading_loop(runtime)

    report = loop.on_ticks([make_tick("NSE:INFY", "1450", ts=clock.now())])

    with runtime.db.session() as db:
        fired = db.get(Gtt, good)
        assert fired is not None
        assert fired.order_pk is not None
        order = db.get(Order, fired.order_pk)
    assert report.gtts_fired == 1
    assert order is not None
    assert (order.user_id, order.status) == (other, "COMPLETE")
    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.user_id) == ("gtt.fire", f"gtt:{bad}", poisoner)
    assert (failure.failures, failure.quarantined_at) == (1, None)
    assert "InvalidOperation" in failure.error
    assert _told(runtime, poisoner) == []

    _jobs(loop, clock, QUARANTINE_AFTER + 2)  # recover retries it, then leaves it alone

    [failure] = _failures(runtime)
    assert failure.failures == QUARANTINE_AFTER
    assert failure.quarantined_at is not None
    [notice] = _told(runtime, poisoner)  # once, not every pass
    assert f"gtt:{bad}" in notice.text
    assert _told(runtime, other) == []
    seen = client.get("/api/jobs/failures").json()
    assert [(f["job"], f["item"], f["failures"]) for f in seen] == [
        ("gtt.fire", f"gtt:{bad}", QUARANTINE_AFTER)
    ]

    deleted = client.delete(f"/api/gtt/triggers/{bad}")

    assert deleted.status_code == 200, deleted.text
    assert _failures(runtime) == []
    with runtime.db.session() as db:
        gone = db.get(Gtt, bad)
        assert gone is not None
        assert (gone.status, gone.order_pk) == ("deleted", None)


def test_the_other_users_failures_are_not_yours(
    client: TestClient, runtime: Runtime, clock: ManualClock, users: tuple[int, int]
):
    poisoner, other = users
    bad = _gtt(runtime, other)
    _poison_gtt(runtime, bad)
    trading_loop(runtime).on_ticks([make_tick("NSE:INFY", "1450", ts=clock.now())])
    [failure] = _failures(runtime)

    assert client.get("/api/jobs/failures").json() == []  # signed in as the poisoner
    assert client.delete(f"/api/jobs/failures/{failure.id}").status_code == 404
    assert client.delete(f"/api/gtt/triggers/{bad}").status_code == 404
    assert len(_failures(runtime)) == 1


def test_asking_for_a_retry_clears_the_quarantine_and_a_success_clears_the_record(
    client: TestClient, runtime: Runtime, clock: ManualClock, users: tuple[int, int]
):
    poisoner, _ = users
    bad = _gtt(runtime, poisoner)
    _poison_gtt(runtime, bad)
    loop = trading_loop(runtime)
    loop.on_ticks([make_tick("NSE:INFY", "1450", ts=clock.now())])
    _jobs(loop, clock, QUARANTINE_AFTER)
    [failure] = _failures(runtime)
    assert failure.quarantined_at is not None
    with runtime.db.session() as db:  # the owner's data is mended (as a repair would)
        db.execute(update(Gtt).where(Gtt.id == bad).values(orders=[{**_leg(), "price": "1455"}]))
        db.commit()

    _jobs(loop, clock, 1)
    assert _failures(runtime)[0].failures == QUARANTINE_AFTER  # still skipped

    assert client.delete(f"/api/jobs/failures/{failure.id}").status_code == 204
    _jobs(loop, clock, 1)

    assert _failures(runtime) == []
    with runtime.db.session() as db:
        placed = db.get(Gtt, bad)
        assert placed is not None
        assert placed.order_pk is not None


def _leg() -> dict[str, object]:
    return {"transaction_type": "BUY", "quantity": 10, "order_type": "LIMIT", "product": "CNC"}


def _amo(runtime: Runtime, user_id: int) -> str:
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal("1400"),
        variety=Variety.AMO,
    )
    with runtime.db.session() as db:
        return runtime.exchange.place(db, user_id=user_id, spec=spec).order_id


def test_an_order_the_session_jobs_choke_on_fails_alone_and_its_owner_can_cancel_it(
    client: TestClient, runtime: Runtime, clock: ManualClock, users: tuple[int, int]
):
    poisoner, other = users
    clock.set(datetime(2026, 11, 20, 20, 0, tzinfo=IST))  # after the close: AMOs queue
    bad, good = _amo(runtime, poisoner), _amo(runtime, other)
    with runtime.db.session() as db:  # an instrument the catalog no longer lists
        db.execute(update(Order).where(Order.order_id == bad).values(tradingsymbol="GONE"))
        db.commit()
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=IST))  # Monday
    for key in ("NSE:INFY", "NSE:GONE"):  # a last price for each: release matches on it
        runtime.quotes.update(make_tick(key, "1400", ts=clock.now()))
    orphan = _gtt(runtime, other)  # a trigger claimed but never placed: a later job's work
    with runtime.db.session() as db:
        db.execute(update(Gtt).where(Gtt.id == orphan).values(status="triggered", triggered_leg=0))
        db.commit()
    loop = trading_loop(runtime)

    _jobs(loop, clock, QUARANTINE_AFTER + 1)

    with runtime.db.session() as db:
        statuses = {o.order_id: o.status for o in db.scalars(select(Order))}
        recovered = db.get(Gtt, orphan)
    assert statuses[good] == "COMPLETE"  # released at the open and filled on the last price
    assert statuses[bad] == "AMO REQ RECEIVED"  # rolled back alone, still the owner's
    assert recovered is not None
    assert recovered.order_pk is not None
    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.user_id) == (
        "session.release_amos",
        f"order:{bad}",
        poisoner,
    )
    assert failure.quarantined_at is not None
    assert len(_told(runtime, poisoner)) == 1

    cancelled = client.delete(f"/api/orders/{bad}")

    assert cancelled.status_code == 200, cancelled.text
    with runtime.db.session() as db:
        assert db.scalar(select(Order.status).where(Order.order_id == bad)) == "CANCELLED"
