"""Random (and concurrent) sequences of agent results never create money (issue 49).

After every step of a Hypothesis state machine over results of a fresh copy of an agent
portfolio (its carted entries, the exits of its positions, the stops): cash plus the cost
of the open positions is the starting capital plus the realised P&L less the charges not
yet realised, and committed capital is exactly what the placed entries earmarked (never
negative). Eight concurrent reports of one fill book it once, on either database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.api.test_agent_api import _portfolio, alice
from tests.api.test_model_api import _scan
from tradertape.db.models import AgentSignalResult, ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.signals import SignalStatus
from tradertape.domain.ticks import RoundDirection, round_to_tick, tick_size
from tradertape.errors import Conflict, InvalidField
from tradertape.runtime import Runtime
from tradertape.services.agent import signals as agent_signals
from tradertape.services.agent.fill_checks import FillMarket
from tradertape.services.portfolios import position_money
from tradertape.services.portfolios.signals import exit_signal

__all__ = ["alice"]  # the fixture, shared

OUTCOMES = ("placed", "triggered", "filled", "cancelled", "expired", "failed", "rejected")
RATIOS = ("0.9", "1", "1.05", "3")  # of the signal's close; 3 is outside the band


def _copy(db: Session, row: Any, **changes: Any) -> Any:
    """A new row with `row`'s columns (but its id) and `changes`."""
    model = type(row)
    values = {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs if c.key != "id"}
    copy = model(**(values | changes))
    db.add(copy)
    db.flush()
    return copy


def _fresh_portfolio(runtime: Runtime, template_id: int) -> int:
    """A copy of the template portfolio, untouched, with copies of its carted entries."""
    with runtime.db.session() as db:
        template = db.get(ModelPortfolio, template_id)
        assert template is not None
        portfolio = _copy(db, template)
        for signal in db.scalars(
            select(ModelSignal).where(
                ModelSignal.portfolio_id == template_id,
                ModelSignal.status == SignalStatus.IN_CART.value,
            )
        ):
            _copy(db, signal, portfolio_id=portfolio.id)
        db.commit()
        return int(portfolio.id)


def _price(close: Decimal, ratio: str) -> Decimal:
    return round_to_tick(close * Decimal(ratio), RoundDirection.DOWN, tick_size(close))


def _book(db: Session, portfolio_id: int) -> tuple[Decimal, ...]:
    p = db.get(ModelPortfolio, portfolio_id, populate_existing=True)
    assert p is not None
    return (p.current_capital, p.committed_capital, p.deployed_capital, p.realised_pnl)


def _check_books(db: Session, portfolio_id: int) -> None:
    """The invariants, on the rows as they are now."""
    p = db.get(ModelPortfolio, portfolio_id, populate_existing=True)
    assert p is not None
    positions = db.scalars(
        select(ModelPosition)
        .where(ModelPosition.portfolio_id == portfolio_id)
        .execution_options(populate_existing=True)
    ).all()
    signals = db.scalars(
        select(ModelSignal)
        .where(ModelSignal.portfolio_id == portfolio_id)
        .execution_options(populate_existing=True)
    ).all()
    figures = position_money.of_positions(db, positions)  # the ledger's, per position
    held = [x for x in positions if x.status != "closed"]
    cost = sum((x.entry_price * x.quantity for x in held), Decimal(0))
    unrealised_charges = sum((figures[x.id].charges for x in held), Decimal(0))
    earmarked = sum(
        (s.amount for s in signals if s.signal_type != "exit" and s.status == "approved"),
        Decimal(0),
    )
    assert p.committed_capital >= 0
    assert p.committed_capital == earmarked
    assert p.deployed_capital == cost
    cash = p.current_capital + p.committed_capital
    assert cash + cost == p.starting_capital + p.realised_pnl - unrealised_charges
    assert p.realised_pnl == sum(
        (figures[x.id].realised(x) or Decimal(0) for x in positions), Decimal(0)
    )
    # a position closed once: one sale each
    assert len({x.signal_id for x in positions}) == len(positions)


def _machine(  # noqa: C901 - the machine's rules, together
    runtime: Runtime, template_id: int, user_id: int
) -> type[RuleBasedStateMachine]:
    clock = runtime.exchange.clock
    market = FillMarket(last_tick=runtime.exchange.last_tick, catalog=runtime.catalog)
    orders = runtime.orders

    def report(body: agent_signals.Report) -> Callable[[], None]:
        def send() -> None:
            with runtime.db.session() as db:
                try:
                    agent_signals.report(
                        db,
                        body,
                        user_id=user_id,
                        clock=clock,
                        wall=clock,
                        orders=orders,
                        market=market,
                    )
                except (Conflict, InvalidField):
                    db.rollback()

        return send

    class Results(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.portfolio_id = _fresh_portfolio(runtime, template_id)

        def _signals(self, db: Session) -> list[ModelSignal]:
            return list(
                db.scalars(
                    select(ModelSignal)
                    .where(ModelSignal.portfolio_id == self.portfolio_id)
                    .order_by(ModelSignal.id)
                )
            )

        def _result(self, db: Session, pick: int, stop: bool, outcome: str, ratio: str) -> Any:
            signals = self._signals(db)
            signal = signals[pick % len(signals)]
            return agent_signals.Report(
                signal_id=signal.id,
                outcome=outcome,
                leg="stop" if stop else None,
                fill_price=_price(signal.close_price, ratio) if outcome == "filled" else None,
                gtt_id=str(100 + pick),
            )

        @rule(
            pick=st.integers(0, 7),
            stop=st.booleans(),
            outcome=st.sampled_from(OUTCOMES),
            ratio=st.sampled_from(RATIOS),
        )
        def result(self, pick: int, stop: bool, outcome: str, ratio: str) -> None:
            with runtime.db.session() as db:
                body = self._result(db, pick, stop, outcome, ratio)
                before = _book(db, self.portfolio_id)
                results = db.scalar(
                    select(AgentSignalResult.id).order_by(AgentSignalResult.id.desc())
                )
            with runtime.db.session() as db:
                try:
                    agent_signals.report(
                        db,
                        body,
                        user_id=user_id,
                        clock=clock,
                        wall=clock,
                        orders=orders,
                        market=market,
                    )
                except (Conflict, InvalidField):  # refused: nothing moved
                    db.rollback()
                    assert _book(db, self.portfolio_id) == before
                    latest = db.scalar(
                        select(AgentSignalResult.id).order_by(AgentSignalResult.id.desc())
                    )
                    assert latest == results

        @rule(
            picks=st.lists(st.integers(0, 7), min_size=2, max_size=3), ratio=st.sampled_from(RATIOS)
        )
        def fills_at_once(self, picks: list[int], ratio: str) -> None:
            with runtime.db.session() as db:
                bodies = [self._result(db, p, False, "filled", ratio) for p in picks]
            with ThreadPoolExecutor(len(bodies)) as pool:
                for done in [pool.submit(report(b)) for b in bodies]:
                    done.result()

        @rule(pick=st.integers(0, 7))
        def close(self, pick: int) -> None:
            with runtime.db.session() as db:
                open_ = db.scalars(
                    select(ModelPosition)
                    .where(
                        ModelPosition.portfolio_id == self.portfolio_id,
                        ModelPosition.status == "open",
                    )
                    .order_by(ModelPosition.id)
                ).all()
                if not open_:
                    return
                position = open_[pick % len(open_)]
                portfolio = db.get(ModelPortfolio, self.portfolio_id)
                assert portfolio is not None
                signal = exit_signal(
                    db,
                    portfolio,
                    position,
                    close=position.entry_price,
                    day=date(2025, 6, 3),
                    reason="manual",
                    clock=clock,
                )
                signal.status = SignalStatus.IN_CART.value
                db.commit()

        @invariant()
        def books_balance(self) -> None:
            with runtime.db.session() as db:
                _check_books(db, self.portfolio_id)

    return Results


def _template(client: TestClient) -> tuple[int, int]:
    portfolio = _portfolio(client)
    _scan(client, portfolio["id"])
    return portfolio["id"], client.get("/api/auth/me").json()["id"]


def test_no_sequence_of_results_creates_money(alice: TestClient, with_candles: Runtime):
    template_id, user_id = _template(alice)
    machine = _machine(with_candles, template_id, user_id)
    run_state_machine_as_test(
        machine, settings=settings(max_examples=20, stateful_step_count=6, deadline=None)
    )


def test_eight_concurrent_reports_of_one_fill_book_it_once(
    alice: TestClient, with_candles: Runtime
):
    template_id, user_id = _template(alice)
    with with_candles.db.session() as db:
        signal = db.scalars(
            select(ModelSignal).where(
                ModelSignal.portfolio_id == template_id,
                ModelSignal.status == SignalStatus.IN_CART.value,
            )
        ).first()
        assert signal is not None
        body = agent_signals.Report(
            signal_id=signal.id, outcome="filled", fill_price=_price(signal.close_price, "1")
        )
    clock = with_candles.exchange.clock
    market = FillMarket(last_tick=with_candles.exchange.last_tick, catalog=with_candles.catalog)
    orders = with_candles.orders
    start = threading.Barrier(8)

    def send() -> bool:
        start.wait()
        with with_candles.db.session() as db:
            recorded = agent_signals.report(
                db, body, user_id=user_id, clock=clock, wall=clock, orders=orders, market=market
            )
            return recorded.duplicate

    with ThreadPoolExecutor(8) as pool:
        duplicates = [f.result() for f in [pool.submit(send) for _ in range(8)]]
    assert sorted(duplicates) == [False] + [True] * 7
    with with_candles.db.session() as db:
        positions = db.scalars(
            select(ModelPosition).where(ModelPosition.portfolio_id == template_id)
        ).all()
        assert len(positions) == 1
        _check_books(db, template_id)
