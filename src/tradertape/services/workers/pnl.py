"""Grouped P&L of a run: its attributed trades replayed into legs, marked to the last price.

Each leg (instrument and product) keeps what it bought and what it sold; what is realized is
the closed quantity times the difference of the two sides' averages, the rule every view of
the run's book uses (`domain.day_pnl`), so the run's page, the worker API and Positions
filtered to the run's book show one figure. Charges are each trade's exact share of its
day's contract note. Totals are the five numbers of the contract (realized, unrealized,
gross, charges, net), no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Trade, WorkerRun, WorkerRunOrder, WorkerToken
from tradertape.domain.day_pnl import Sides
from tradertape.domain.worker_access import ExecutionMode
from tradertape.oms import BROKER, OrderPipeline, net_quantity
from tradertape.services.workers import live
from tradertape.services.workers.access import find_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.placement import run_account
from tradertape.services.workers.views import iso

_ZERO = Decimal(0)


@dataclass
class Leg:
    """One instrument and product of a run, as its fills leave it: each side's quantity
    and value (`domain.day_pnl.Sides`), so its realised P&L, open quantity and average are
    the one rule's, the figures its book's position row shows (Positions, Funds)."""

    instrument_token: int
    exchange: str
    tradingsymbol: str
    product: str
    sides: Sides = field(default_factory=Sides)
    charges: Decimal = _ZERO

    @property
    def key(self) -> str:
        """``EXCHANGE:SYMBOL``."""
        return f"{self.exchange}:{self.tradingsymbol}"

    @property
    def quantity(self) -> int:
        """Bought less sold (negative: short)."""
        return self.sides.bought - self.sides.sold

    @property
    def average(self) -> Decimal:
        """The open side's average price: of the buys when long, of the sells when short
        (zero when flat), as a position's row shows it."""
        sides = self.sides
        if self.quantity > 0:
            return sides.bought_value / sides.bought
        if self.quantity < 0:
            return sides.sold_value / sides.sold
        return _ZERO

    @property
    def realized(self) -> Decimal:
        """P&L of the closed quantity: it times the difference of the two sides' averages
        (`domain.day_pnl`'s rule; the rest of the P&L, at the mark, is unrealised)."""
        return self.sides.realised()

    def fill(self, signed: int, price: Decimal) -> None:
        """Apply a fill of `signed` units (buys positive) at `price`."""
        self.sides.add(signed, price)


def replay(trades: Iterable[Trade]) -> list[Leg]:
    """Legs from trades taken in execution order."""
    legs: dict[tuple[int, str], Leg] = {}
    for trade in trades:
        leg = legs.setdefault(
            (trade.instrument_token, trade.product),
            Leg(trade.instrument_token, trade.exchange, trade.tradingsymbol, trade.product),
        )
        signed = trade.quantity if trade.transaction_type == "BUY" else -trade.quantity
        leg.fill(signed, trade.price)
        leg.charges += trade.charges
    return list(legs.values())


def run_trades(db: Session, run: WorkerRun) -> list[Trade]:
    """The run's trades in execution order."""
    query = (
        select(Trade)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Trade.order_pk)
        .where(WorkerRunOrder.run_pk == run.id)
        .order_by(Trade.id)
    )
    return list(db.scalars(query))


def _money(value: Decimal) -> float:
    return float(round(value, 2))


@dataclass(frozen=True, slots=True)
class MarkedLeg:
    """A leg with its mark and its reconciliation against the account."""

    leg: Leg
    last_price: Decimal | None
    broker_quantity: int

    @property
    def unrealized(self) -> Decimal:
        """Open P&L at the mark (zero without one)."""
        if self.last_price is None or self.leg.quantity == 0:
            return _ZERO
        return (self.last_price - self.leg.average) * self.leg.quantity

    @property
    def is_stale(self) -> bool:
        """No mark for an open leg, or the account holds less than the run claims."""
        quantity = self.leg.quantity
        if quantity == 0:
            return False
        if self.last_price is None:
            return True
        same_side = (self.broker_quantity > 0) == (quantity > 0)
        return not same_side or abs(self.broker_quantity) < abs(quantity)


def books_of(run: WorkerRun) -> str:
    """Whose books the run's fills are in: the paper account's, or the live broker's."""
    return run_account(run).broker or BROKER


def mark(workers: WorkerContext, db: Session, run: WorkerRun, legs: list[Leg]) -> list[MarkedLeg]:
    """Mark each leg to the last price and read the account's own quantity."""
    marked = []
    broker = books_of(run)
    for leg in legs:
        tick = workers.last_tick(leg.key)
        held = net_quantity(
            db, user_id=run.user_id, broker=broker, key=leg.key, product=leg.product
        )
        marked.append(MarkedLeg(leg, tick.last_price if tick else None, held))
    return marked


def leg_dict(item: MarkedLeg, now: datetime) -> dict[str, Any]:
    """A leg in the contract's shape (every key the SDK's strict model declares)."""
    leg = item.leg
    gross = leg.realized + item.unrealized
    side = "LONG" if leg.quantity > 0 else "SHORT" if leg.quantity < 0 else "FLAT"
    return {
        "instrument_token": leg.instrument_token,
        "exchange": leg.exchange,
        "tradingsymbol": leg.tradingsymbol,
        "product": leg.product,
        "net_quantity": leg.quantity,
        "side": side,
        "average_price": float(round(leg.average, 4)),
        "last_price": float(item.last_price) if item.last_price is not None else 0.0,
        "realized_pnl": _money(leg.realized),
        "unrealized_pnl": _money(item.unrealized),
        "gross_pnl": _money(gross),
        "charges": _money(leg.charges),
        "net_pnl": _money(gross - leg.charges),
        "broker_net_quantity": item.broker_quantity,
        "is_stale": item.is_stale,
        "last_reconciled_at": iso(now),
    }


@dataclass(frozen=True, slots=True)
class RunPnl:
    """A run's marked legs and their totals, for P&L, funds and (later) protection."""

    legs: list[MarkedLeg]

    @property
    def realized(self) -> Decimal:
        """Realized P&L of every leg."""
        return sum((m.leg.realized for m in self.legs), _ZERO)

    @property
    def unrealized(self) -> Decimal:
        """Open P&L at the marks."""
        return sum((m.unrealized for m in self.legs), _ZERO)

    @property
    def charges(self) -> Decimal:
        """Charges of every fill."""
        return sum((m.leg.charges for m in self.legs), _ZERO)

    @property
    def gross_exposure(self) -> Decimal:
        """Σ |quantity| × mark (average cost where there is no mark)."""
        return sum(
            (abs(m.leg.quantity) * (m.last_price or m.leg.average) for m in self.legs), _ZERO
        )

    @property
    def net_exposure(self) -> Decimal:
        """Σ quantity × mark: long minus short."""
        return sum((m.leg.quantity * (m.last_price or m.leg.average) for m in self.legs), _ZERO)

    @property
    def open_legs(self) -> list[MarkedLeg]:
        """Legs with a position."""
        return [m for m in self.legs if m.leg.quantity]

    @property
    def is_stale(self) -> bool:
        """Whether any leg could not be confirmed."""
        return any(m.is_stale for m in self.legs)


def compute(workers: WorkerContext, db: Session, run: WorkerRun) -> RunPnl:
    """The run's P&L now, from its booked fills (empty for a dry run, which has none).

    A live run's fills are the broker's as we booked them, charges from our schedule.
    """
    if run.execution_mode == ExecutionMode.DRY_RUN:
        return RunPnl([])
    return RunPnl(mark(workers, db, run, replay(run_trades(db, run))))


def snapshot_of(run: WorkerRun, pnl: RunPnl, now: datetime) -> dict[str, Any]:
    """The P&L snapshot in the contract's exact shape."""
    gross = pnl.realized + pnl.unrealized
    return {
        "strategy_run_id": run.run_key,
        "execution_mode": run.execution_mode,
        "status": run.status,
        "currency": "INR",
        "totals": {
            "realized_pnl": _money(pnl.realized),
            "unrealized_pnl": _money(pnl.unrealized),
            "gross_pnl": _money(gross),
            "charges": _money(pnl.charges),
            "net_pnl": _money(gross - pnl.charges),
        },
        "legs": [leg_dict(m, now) for m in pnl.legs],
        "position_count": len(pnl.open_legs),
        # Marked from our own ticks only for a paper run (a dry run holds nothing; a live
        # run's fills wait for its broker's reports).
        "is_realtime": run.execution_mode != ExecutionMode.DRY_RUN
        and OrderPipeline.traits(run_account(run)).answers_at_once,
        "is_stale": pnl.is_stale,
        "updated_at": iso(now),
    }


def snapshot(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """``GET /runs/{id}/pnl`` (a live run's working orders asked of the broker first)."""
    run = find_run(db, token, run_key)
    live.refresh(workers, db, run)
    now = workers.clock.now()
    return snapshot_of(run, compute(workers, db, run), now)
