"""Background work fails item by item (`background.guard`): a poisoned row of one user's is
recorded against its owner, quarantined after a few failures and told once, while every
other item and job of the server's trading loop (`jobs.trading.trading_loop`) runs on.

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
from sqlalchemy.orm import Session

from tests.helpers import deploy_v1, make_user, sign_in
from tests.integration.test_option_protection import NIFTY, entered_spread
from tests.integration.test_option_protection import exits as option_exits
from tests.integration.test_worker_protection import STOP_2PCT
from tests.telegram_kit import link_chat
from tests.workers_kit import new_worker, order, set_price
from tradertape.db.models import (
    JobFailure,
    ModelPortfolio,
    Notification,
    WorkerOptionRun,
    WorkerRun,
)
from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType, Variety
from tradertape.jobs.loop import TradingLoop
from tradertape.jobs.trading import trading_loop
from tradertape.ports.broker import GttSpec
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.background.guard import QUARANTINE_AFTER, JobGuard
from tradertape.services.notifications import briefing
from tradertape.services.notifications.briefing import BriefingJobs
from tradertape.services.notifications.reports import Reports
from tradertape.services.portfolios.schedule import PortfolioJobs
from tradertape.services.portfolios.signals import PortfolioTrading
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
    """A leg no order can be made of: placing it raises. (A leg price of 1E+999 did, until
    stored prices were checked: such a leg is now a recorded rejection, see
    test_gtt_values.py; a product since withdrawn stands for whatever else a row may hold.)"""
    with runtime.db.session() as db:
        gtt = db.get(Gtt, gtt_id)
        assert gtt is not None
        orders = [{**gtt.orders[0], "product": "WITHDRAWN"}]
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
    assert "WITHDRAWN" in failure.error
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
    restarted = JobGuard(db=runtime.db, clock=clock)  # a restart keeps skipping it
    assert restarted.quarantined("gtt.fire", f"gtt:{bad}")
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


def _limit(runtime: Runtime, user_id: int, variety: Variety = Variety.REGULAR) -> str:
    """A 1-share INFY buy at 1,400 (an AMO with `variety`), placed on paper."""
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=1,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal("1400"),
        variety=variety,
    )
    with runtime.db.session() as db:
        return runtime.exchange.place(db, user_id=user_id, spec=spec).order_id


def test_an_instrument_whose_matching_raises_does_not_stop_the_others(
    runtime: Runtime, clock: ManualClock, users: tuple[int, int]
):
    poisoner, other = users
    bad, good = _limit(runtime, poisoner), _limit(runtime, other)
    with runtime.db.session() as db:  # an instrument the catalog no longer lists
        db.execute(update(Order).where(Order.order_id == bad).values(tradingsymbol="GONE"))
        db.commit()
    loop = trading_loop(runtime)
    ticks = [make_tick(key, "1399", ts=clock.now()) for key in ("NSE:GONE", "NSE:INFY")]

    first = loop.on_ticks(ticks)
    for _ in range(QUARANTINE_AFTER):
        loop.on_ticks(ticks)

    with runtime.db.session() as db:
        statuses = {o.order_id: o.status for o in db.scalars(select(Order))}
    assert (first.instruments_matched, first.fills) == (2, 1)
    assert statuses == {bad: "OPEN", good: "COMPLETE"}
    [failure] = _failures(runtime)
    # every user's orders on it are matched together: retried every batch, never skipped
    assert (failure.job, failure.item, failure.user_id) == ("orders.match", "NSE:GONE", None)
    assert (failure.failures, failure.quarantined_at) == (QUARANTINE_AFTER + 1, None)


def _leg() -> dict[str, object]:
    return {"transaction_type": "BUY", "quantity": 10, "order_type": "LIMIT", "product": "CNC"}


def _amo(runtime: Runtime, user_id: int) -> str:
    return _limit(runtime, user_id, Variety.AMO)


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


def test_a_protected_run_whose_rules_cannot_be_read_fails_alone(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    set_price(runtime, "NSE:INFY", "1500")
    rules = STOP_2PCT
    workers = {name: new_worker(client, runtime, f"{name}@x.in") for name in ("run_a", "run_b")}
    for name, worker in workers.items():
        worker.create_run(name, runtime_state={"backend_protection": rules})
        assert worker.place(name, f"{name}:entry:1", order(quantity=10)).status_code == 200
    with runtime.db.session() as db:  # a document no model reads (as an old bad row would)
        poisoned = db.scalar(select(WorkerRun).where(WorkerRun.run_key == "run_a"))
        assert poisoned is not None
        state = {**poisoned.runtime_state, "backend_protection": {"positions": "?"}}
        db.execute(update(WorkerRun).where(WorkerRun.id == poisoned.id).values(runtime_state=state))
        db.commit()
    loop = trading_loop(runtime)

    loop.on_ticks([make_tick("NSE:INFY", "1470", ts=clock.now())])  # -2 %: b's stop fires
    _jobs(loop, clock, QUARANTINE_AFTER)

    status = {e: w.call("GET", f"/runs/{e}").json()["status"] for e, w in workers.items()}
    assert status == {"run_a": "open", "run_b": "closed"}
    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.user_id) == (
        "protection.evaluate",
        f"run:{poisoned.id}",
        poisoned.user_id,
    )
    assert failure.quarantined_at is not None
    assert len(_told(runtime, poisoned.user_id)) == 1


def test_a_portfolio_whose_scan_raises_fails_alone(with_candles: Runtime):
    runtime = with_candles
    poisoner, other = make_user(runtime, "a@x.in"), make_user(runtime, "b@x.in")
    bad, good = deploy_v1(runtime, poisoner), deploy_v1(runtime, other)
    with runtime.db.session() as db:  # a pinned strategy document no scanner reads
        db.execute(
            update(ModelPortfolio)
            .where(ModelPortfolio.id == bad)
            .values(strategy_snapshot={"rules": "?"})
        )
        db.commit()
    clock = ManualClock(datetime(2025, 6, 2, 16, 5, tzinfo=IST))  # in the test's history
    venue = PortfolioTrading(orders=runtime.orders, exchange=runtime.exchange, clock=clock)
    jobs = PortfolioJobs(db=runtime.db, store=runtime.candles, trading=venue, guard=runtime.guard)

    reports = jobs.run_due()

    assert [r.portfolio_id for r in reports] == [good]
    with runtime.db.session() as db:
        scanned = {p.id: p.last_scan_date for p in db.scalars(select(ModelPortfolio))}
    assert scanned[good] is not None
    assert scanned[bad] is None  # rolled back alone: due again tomorrow, until quarantined
    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.user_id) == (
        "portfolio.scan",
        f"portfolio:{bad}",
        poisoner,
    )


class _Reports(Reports):
    """Briefs everyone but `poisoner`, whose books raise."""

    def __init__(self, runtime: Runtime, poisoner: int) -> None:
        super().__init__(store=runtime.candles, quotes=runtime.quotes, clock=runtime.clock)
        self._poisoner = poisoner

    def briefing(self, db: Session, user_id: int) -> str:
        if user_id == self._poisoner:
            raise ArithmeticError("a book no briefing can read")
        return super().briefing(db, user_id)


def test_a_briefing_that_raises_fails_alone(runtime: Runtime, clock: ManualClock):
    users = [make_user(runtime, f"{name}@x.in") for name in ("a", "b")]
    with runtime.db.session() as db:
        for user_id in users:
            briefing.update(db, user_id=user_id, clock=clock, enabled=True)
    for chat, user_id in enumerate(users, start=1001):
        link_chat(runtime, user_id, chat)
    jobs = BriefingJobs(
        db=runtime.db,
        reports=_Reports(runtime, users[0]),
        calendar=runtime.candles.calendar,
        clock=clock,
        guard=runtime.guard,
    )

    assert jobs.run_due() == [users[1]]
    assert jobs.run_due() == []  # b's is written; a's fails again
    assert jobs.run_due() == []  # and a third time: quarantined, a told once

    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.failures) == (
        "briefing",
        f"user:{users[0]}",
        QUARANTINE_AFTER,
    )
    assert failure.quarantined_at is not None
    assert len(_told(runtime, users[0])) == 1


def test_an_option_run_whose_protection_raises_fails_alone(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    set_price(runtime, NIFTY, "25010")
    workers = {name: new_worker(client, runtime, f"{name}@x.in") for name in ("opt_a", "opt_b")}
    for name, worker in workers.items():
        entered_spread(worker, name)
    with runtime.db.session() as db:  # rules no evaluator reads (as an old bad row would)
        poisoned = db.scalar(
            select(WorkerOptionRun)
            .join(WorkerRun, WorkerRun.id == WorkerOptionRun.run_pk)
            .where(WorkerRun.run_key == "opt_a")
        )
        assert poisoned is not None
        owner = db.scalar(select(WorkerRun.user_id).where(WorkerRun.id == poisoned.run_pk))
        assert owner is not None
        db.execute(
            update(WorkerOptionRun)
            .where(WorkerOptionRun.id == poisoned.id)
            .values(protection={"rules": "?"})
        )
        db.commit()
    loop = trading_loop(runtime)

    loop.on_ticks([make_tick(NIFTY, "24800", ts=clock.now())])  # through b's stop
    _jobs(loop, clock, QUARANTINE_AFTER)

    assert option_exits(runtime, "opt_a") == []
    assert len(option_exits(runtime, "opt_b")) == 2
    [failure] = _failures(runtime)
    assert (failure.job, failure.item, failure.user_id) == (
        "option_protection.evaluate",
        f"option_run:{poisoned.id}",
        owner,
    )
    assert failure.quarantined_at is not None
    assert len(_told(runtime, owner)) == 1
