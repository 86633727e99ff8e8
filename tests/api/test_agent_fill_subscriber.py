"""An agent's fill is booked to its portfolio by the OMS's fill event (one write path).

The OMS books the fill (`record_external_fill`) and charges it once; the portfolio's
position and money are the fill event's subscriber's (`portfolios.fills`), by the
figures the ledger booked. The command takes the portfolio's lock before the ledger's, so the
subscriber, which runs while the ledger's lock is held, never waits for it (the lock order
of every other writer: portfolio, then ledger).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.api.test_agent_api import alice
from tests.api.test_agent_results_machine import _price, _template
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Order, Trade
from tradertape.domain.signals import SignalStatus
from tradertape.errors import Conflict
from tradertape.runtime import Runtime
from tradertape.services.agent import signals as agent_signals
from tradertape.services.agent.live_fills import book_agent_fill
from tradertape.services.portfolios import position_money
from tradertape.services.portfolios.fills import ENTRY, EXIT

__all__ = ["alice"]  # the fixture, shared


@contextmanager
def _locks_asked(runtime: Runtime) -> Iterator[list[str]]:
    """The named locks asked of PostgreSQL while the block runs, in the order asked."""
    asked: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "pg_advisory_xact_lock" in statement and isinstance(params, dict):
            asked.extend(str(v) for k, v in sorted(params.items()) if k.startswith("name"))

    engine = runtime.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield asked
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _carted(runtime: Runtime, portfolio_id: int) -> int:
    with runtime.db.session() as db:
        signal = db.scalars(
            select(ModelSignal)
            .where(
                ModelSignal.portfolio_id == portfolio_id,
                ModelSignal.status == SignalStatus.IN_CART.value,
            )
            .order_by(ModelSignal.id)
        ).first()
        assert signal is not None
        return signal.id


def test_the_fill_event_books_the_position_by_the_ledgers_figures(
    alice: TestClient, with_candles: Runtime
):
    runtime = with_candles
    portfolio_id, user_id = _template(alice)
    signal_id = _carted(runtime, portfolio_id)
    clock = runtime.exchange.clock
    placed = agent_signals.Report(signal_id=signal_id, outcome="placed", kind="gtt", gtt_id="7")
    with runtime.db.session() as db:
        agent_signals.report(
            db, placed, user_id=user_id, clock=clock, wall=clock, orders=runtime.orders
        )
    with runtime.db.session() as db:
        signal = db.get(ModelSignal, signal_id)
        portfolio = db.get(ModelPortfolio, portfolio_id)
        assert signal is not None
        assert portfolio is not None
        before = (portfolio.current_capital, portfolio.committed_capital)
        price = _price(signal.close_price, "1")
        # The OMS's command alone, with no lock of the portfolio's taken before it.
        with _locks_asked(runtime) as asked:
            book_agent_fill(
                db,
                runtime.orders,
                portfolio=portfolio,
                signal=signal,
                leg=ENTRY,
                quantity=signal.quantity,
                price=price,
                broker_order_id="B-1",
                now=clock.now(),
            )
        db.commit()
        if db.get_bind().dialect.name == "postgresql":
            first_ledger = next(i for i, name in enumerate(asked) if name.startswith("books:"))
            assert f"portfolio-scan:{portfolio_id}" in asked[:first_ledger]
        order = db.scalars(
            select(Order).where(Order.client_key == f"agent:{signal_id}:entry")
        ).one()
        (trade,) = db.scalars(select(Trade).where(Trade.order_pk == order.id)).all()
        position = db.scalars(
            select(ModelPosition).where(ModelPosition.signal_id == signal_id)
        ).one()
        portfolio = db.get(ModelPortfolio, portfolio_id, populate_existing=True)
        assert portfolio is not None
        # one charge figure: the ledger's, on the position and in the portfolio's money
        assert trade.charges > 0
        assert position_money.of_position(db, position).charges == trade.charges
        assert (position.quantity, position.entry_price) == (trade.quantity, trade.price)
        cost = trade.price * trade.quantity
        assert portfolio.charges_paid == trade.charges
        assert portfolio.deployed_capital == cost
        free, committed = before
        assert portfolio.committed_capital == committed - signal.amount
        assert portfolio.current_capital == free + signal.amount - cost - trade.charges


def test_an_exit_fill_realises_by_the_ledgers_charges(alice: TestClient, with_candles: Runtime):
    runtime = with_candles
    portfolio_id, user_id = _template(alice)
    signal_id = _carted(runtime, portfolio_id)
    clock = runtime.exchange.clock
    with runtime.db.session() as db:
        signal = db.get(ModelSignal, signal_id)
        assert signal is not None
        price = _price(signal.close_price, "1")
    filled = agent_signals.Report(signal_id=signal_id, outcome="filled", fill_price=price)
    with runtime.db.session() as db:
        recorded = agent_signals.report(
            db, filled, user_id=user_id, clock=clock, wall=clock, orders=runtime.orders
        )
        assert recorded.position is not None
        position_id = recorded.position.id
    stop_price = _price(price, "0.95")
    stop = agent_signals.Report(
        signal_id=signal_id, outcome="filled", leg="stop", fill_price=stop_price
    )
    with runtime.db.session() as db:
        agent_signals.report(
            db, stop, user_id=user_id, clock=clock, wall=clock, orders=runtime.orders
        )
    with runtime.db.session() as db:
        charged = {
            o.client_key: sum(
                db.scalars(select(Trade.charges).where(Trade.order_pk == o.id)), Decimal(0)
            )
            for o in db.scalars(select(Order).where(Order.source == "agent"))
        }
        bought, sold = charged[f"agent:{signal_id}:entry"], charged[f"agent:{signal_id}:{EXIT}"]
        position = db.get(ModelPosition, position_id)
        portfolio = db.get(ModelPortfolio, portfolio_id)
        assert position is not None
        assert portfolio is not None
        assert position.status == "closed"
        held = position_money.of_position(db, position)
        assert held.charges == bought + sold
        gross = (stop_price - price) * position.quantity
        assert held.realised(position) == gross - bought - sold
        assert portfolio.realised_pnl == held.realised(position)
        assert portfolio.charges_paid == bought + sold
        assert portfolio.deployed_capital == 0


def test_a_fill_booked_again_is_a_conflict_and_changes_nothing(
    alice: TestClient, with_candles: Runtime
):
    runtime = with_candles
    portfolio_id, user_id = _template(alice)
    signal_id = _carted(runtime, portfolio_id)
    clock = runtime.exchange.clock
    with runtime.db.session() as db:
        signal = db.get(ModelSignal, signal_id)
        assert signal is not None
        price = _price(signal.close_price, "1")
    filled = agent_signals.Report(signal_id=signal_id, outcome="filled", fill_price=price)
    with runtime.db.session() as db:
        agent_signals.report(
            db, filled, user_id=user_id, clock=clock, wall=clock, orders=runtime.orders
        )

    def money() -> tuple[object, ...]:
        with runtime.db.session() as db:
            portfolio = db.get(ModelPortfolio, portfolio_id)
            assert portfolio is not None
            trades = db.scalars(select(Trade.id)).all()
            return (portfolio.current_capital, portfolio.deployed_capital, len(trades))

    before = money()
    # The OMS's key for the entry is spent: a second booking (a report that slipped past the
    # signal's own state) would book the ledger nothing and so must not book the portfolio.
    with runtime.db.session() as db:
        signal = db.get(ModelSignal, signal_id)
        portfolio = db.get(ModelPortfolio, portfolio_id)
        assert signal is not None
        assert portfolio is not None
        with pytest.raises(Conflict, match="already booked"):
            book_agent_fill(
                db,
                runtime.orders,
                portfolio=portfolio,
                signal=signal,
                leg=ENTRY,
                quantity=signal.quantity,
                price=price,
                broker_order_id="B-2",
                now=clock.now(),
            )
        db.rollback()
    assert money() == before
