"""No order fills twice and no cancel or modify is lost, whoever races whom.

The trading loop, the session jobs and the API's cancel/modify run in different
processes. Each test makes the race happen every time: a hook on one session's first
read of the orders table runs the rival there (another session, committed), or two
threads meet at a barrier right after both have read. Old code, which read before it
locked, books the stale copy; the fix re-reads under the owner's lock and sees the
rival's commit. Both backends: run with ``--db-url`` for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Result, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from tests.integration.conftest import PAPER_DEPOSIT, PaperDesk
from tradertape.db.engine import Database
from tradertape.db.models.trading import Order, OrderEventRow, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments import Exchange
from tradertape.domain.market import Tick
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Variety,
)
from tradertape.errors import BadRequest
from tradertape.oms.paper.exchange import BROKER
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.positions import cash_balance, cash_entries_total, net_positions
from tradertape.ports.clock import IST
from tradertape.testkit import make_tick

BUY = TransactionType.BUY


def _spec(quantity: int, price: str, **kw: Any) -> OrderSpec:
    return OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=BUY,
        quantity=quantity,
        product=kw.pop("product", Product.MIS),
        order_type=OrderType.LIMIT,
        price=Decimal(price),
        **kw,
    )


def _tick(paper: PaperDesk, price: str) -> Tick:
    return make_tick("NSE:INFY", price, ts=paper.clock.now(), volume=10_000, last_quantity=1_000)


@contextmanager
def _on_first_order_read(db: Session, rival: Callable[[], object]) -> Iterator[None]:
    """Run `rival` once, right after `db` first reads the orders table."""
    fired = False

    def hook(state: ORMExecuteState) -> Result[Any] | None:
        nonlocal fired
        if fired or not state.is_select:
            return None
        if not any(mapper.class_ is Order for mapper in state.all_mappers):
            return None
        fired = True
        rows = state.invoke_statement().freeze()  # the read is done before the rival runs
        rival()
        return rows()

    event.listen(db, "do_orm_execute", hook)
    try:
        yield
    finally:
        event.remove(db, "do_orm_execute", hook)
    assert fired, "the rival never ran"


def _together(*targets: Callable[[], None]) -> list[BaseException]:
    """Run each target in its own thread; the errors they raised."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - the caller asserts there were none
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _history(db: Session, order_pk: int) -> list[str]:
    rows = db.scalars(
        select(OrderEventRow.kind)
        .where(OrderEventRow.order_pk == order_pk)
        .order_by(OrderEventRow.id)
    )
    return list(rows)


def _books_balance(db: Session, user_id: int) -> None:
    """Cash still equals its entries, and every trade belongs to a filled quantity."""
    assert cash_balance(db, user_id=user_id, broker=BROKER) == cash_entries_total(
        db, user_id=user_id, broker=BROKER
    )
    for order in db.scalars(select(Order).where(Order.user_id == user_id)):
        traded = db.scalar(
            select(func.coalesce(func.sum(Trade.quantity), 0)).where(Trade.order_pk == order.id)
        )
        assert traded == order.filled_quantity, order.order_id


def test_a_cancel_between_the_loops_read_and_its_fill_wins(paper: PaperDesk, database: Database):
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(10, "1390"), last=_tick(paper, "1400")
        )
    order_id = order.order_id

    def cancel() -> None:
        with database.session() as other:
            paper.exchange.cancel(other, user_id=paper.user_id, order_id=order_id)

    with database.session() as loop_db, _on_first_order_read(loop_db, cancel):
        trades = paper.exchange.on_tick(loop_db, _tick(paper, "1385"), traded_volume=1_000)

    with database.session() as db:
        stored = db.scalar(select(Order).where(Order.order_id == order_id))
        assert stored is not None
        assert trades == []
        assert (stored.status, stored.filled_quantity) == ("CANCELLED", 0)
        assert _history(db, stored.id) == ["accepted", "cancelled"]
        assert cash_balance(db, user_id=paper.user_id, broker=BROKER) == PAPER_DEPOSIT
        _books_balance(db, paper.user_id)


def test_a_modify_between_the_loops_read_and_its_fill_is_kept(paper: PaperDesk, database: Database):
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(10, "1380"), last=_tick(paper, "1400")
        )
    order_id = order.order_id

    def lower_the_limit() -> None:  # out of reach of the loop's tick
        with database.session() as other:
            paper.exchange.modify(
                other,
                user_id=paper.user_id,
                order_id=order_id,
                changes={"price": Decimal("1370"), "quantity": 20},
                last=None,
            )

    with database.session() as loop_db, _on_first_order_read(loop_db, lower_the_limit):
        trades = paper.exchange.on_tick(loop_db, _tick(paper, "1378"), traded_volume=1_000)

    with database.session() as db:
        stored = db.scalar(select(Order).where(Order.order_id == order_id))
        assert stored is not None
        assert trades == []
        assert (stored.status, stored.price, stored.quantity) == ("OPEN", Decimal(1370), 20)
        assert _history(db, stored.id) == ["accepted", "modified"]
        _books_balance(db, paper.user_id)


def test_modify_and_tick_at_once_fill_the_order_once(paper: PaperDesk, database: Database):
    # Both sides read the resting order, meet at the barrier, then each would fill it:
    # the modify with its marketable price on the last tick, the loop on its tick.
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(10, "1380"), last=_tick(paper, "1400")
        )
    order_id = order.order_id
    met = threading.Barrier(2, timeout=30)

    def modify() -> None:
        with database.session() as db, _on_first_order_read(db, met.wait):
            paper.exchange.modify(
                db,
                user_id=paper.user_id,
                order_id=order_id,
                changes={"price": Decimal("1400")},
                last=_tick(paper, "1395"),
            )

    def tick() -> None:
        with database.session() as db, _on_first_order_read(db, met.wait):
            paper.exchange.on_tick(db, _tick(paper, "1375"), traded_volume=1_000)

    assert _together(modify, tick) == []
    with database.session() as db:
        stored = db.scalar(select(Order).where(Order.order_id == order_id))
        assert stored is not None
        traded = db.scalars(select(Trade.quantity).where(Trade.order_pk == stored.id)).all()
        assert (stored.status, stored.filled_quantity) == ("COMPLETE", 10)
        assert sum(traded) == 10
        assert [p.quantity for p in net_positions(db, user_id=paper.user_id, broker=BROKER)] == [10]
        _books_balance(db, paper.user_id)


def _jobs(paper: PaperDesk, last: Tick | None) -> SessionJobs:
    return SessionJobs(
        clock=paper.clock,
        calendar=nse_calendar(),
        exchange=paper.exchange,
        last_tick=lambda _key: last,
    )


@pytest.mark.parametrize(
    ("placed_at", "job_at", "variety", "job"),
    [
        pytest.param(
            datetime(2026, 11, 20, 20, 0, tzinfo=IST),
            datetime(2026, 11, 23, 9, 15, tzinfo=IST),
            Variety.AMO,
            "release_amos",
            id="amo-release",
        ),
        pytest.param(
            datetime(2026, 11, 20, 10, 0, tzinfo=IST),
            datetime(2026, 11, 20, 15, 20, tzinfo=IST),
            Variety.REGULAR,
            "square_off_mis",
            id="mis-squareoff",
        ),
        pytest.param(
            datetime(2026, 11, 20, 10, 0, tzinfo=IST),
            datetime(2026, 11, 20, 15, 30, tzinfo=IST),
            Variety.REGULAR,
            "expire_orders",
            id="end-of-day",
        ),
    ],
)
def test_a_cancel_between_a_jobs_read_and_its_change_wins(
    paper: PaperDesk, database: Database, placed_at, job_at, variety, job
):
    paper.clock.set(placed_at)
    with database.session() as db:
        order = paper.exchange.place(
            db,
            user_id=paper.user_id,
            spec=_spec(10, "1390", variety=variety),
            last=None if variety is Variety.AMO else _tick(paper, "1400"),
        )
    order_id = order.order_id
    paper.clock.set(job_at)
    jobs = _jobs(paper, _tick(paper, "1385"))

    def cancel() -> None:
        with database.session() as other:
            paper.exchange.cancel(other, user_id=paper.user_id, order_id=order_id)

    with database.session() as job_db, _on_first_order_read(job_db, cancel):
        getattr(jobs, job)(job_db)

    with database.session() as db:
        stored = db.scalar(select(Order).where(Order.order_id == order_id))
        assert stored is not None
        assert (stored.status, stored.filled_quantity) == ("CANCELLED", 0)
        assert stored.status_message == "Cancelled by user."
        assert _history(db, stored.id) == ["accepted", "cancelled"]
        assert db.scalar(select(func.count()).select_from(Trade)) == 0
        _books_balance(db, paper.user_id)


def test_a_second_loop_process_does_not_fill_what_the_first_filled(
    paper: PaperDesk, database: Database
):
    # A leader hand-over can leave two loops running for a moment: same tick, one fill.
    with database.session() as db:
        order = paper.exchange.place(
            db, user_id=paper.user_id, spec=_spec(10, "1390"), last=_tick(paper, "1400")
        )
    paper.clock.advance(timedelta(seconds=1))

    def other_loop() -> None:
        with database.session() as other:
            paper.exchange.on_tick(other, _tick(paper, "1385"), traded_volume=1_000)

    with database.session() as db:
        with _on_first_order_read(db, other_loop):
            paper.exchange.on_tick(db, _tick(paper, "1385"), traded_volume=1_000)
        stored = db.scalar(
            select(Order).where(Order.id == order.id).execution_options(populate_existing=True)
        )
        assert stored is not None
        assert (stored.status, stored.filled_quantity) == ("COMPLETE", 10)
        assert _history(db, stored.id) == ["accepted", "filled"]
        _books_balance(db, paper.user_id)


def test_loop_cancels_and_modifies_racing_for_many_rounds_keep_the_books(
    paper: PaperDesk, database: Database
):
    # No hooks: three threads (the loop, a modifier, a canceller) meet at a barrier each
    # round and go at the same resting orders. Nothing deadlocks, and every fill booked
    # belongs to exactly one order's filled quantity.
    with database.session() as db:
        order_ids = [
            paper.exchange.place(
                db, user_id=paper.user_id, spec=_spec(5, "1380"), last=_tick(paper, "1400")
            ).order_id
            for _ in range(12)
        ]
    rounds = len(order_ids)
    start = threading.Barrier(3, timeout=30)

    def loop() -> None:
        for n in range(rounds):
            start.wait()
            with database.session() as db:
                price = "1379" if n % 2 else "1390"
                paper.exchange.on_tick(db, _tick(paper, price), traded_volume=10)

    def modifier() -> None:
        for n in range(rounds):
            start.wait()
            with database.session() as db, contextlib.suppress(BadRequest):  # filled, cancelled
                paper.exchange.modify(
                    db,
                    user_id=paper.user_id,
                    order_id=order_ids[n],
                    changes={"quantity": 6, "price": Decimal("1385")},
                    last=_tick(paper, "1384"),
                )

    def canceller() -> None:
        for n in range(rounds):
            start.wait()
            with database.session() as db, contextlib.suppress(BadRequest):
                paper.exchange.cancel(
                    db, user_id=paper.user_id, order_id=order_ids[(n + 1) % rounds]
                )

    assert _together(loop, modifier, canceller) == []
    with database.session() as db:
        _books_balance(db, paper.user_id)
        traded = db.scalar(select(func.coalesce(func.sum(Trade.quantity), 0)))
        positions = net_positions(db, user_id=paper.user_id, broker=BROKER)
        assert sum(p.quantity for p in positions) == traded
