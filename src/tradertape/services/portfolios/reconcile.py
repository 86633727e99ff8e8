"""Reconciliation: what the broker did with a portfolio's GTTs and orders, mapped back.

An entry GTT that triggered and filled becomes a position at the fill's average price with
the charges the trades booked (its committed capital becomes deployed); a GTT or order that
was cancelled, expired or rejected releases its committed capital. An exit order that
completed closes its position. Nothing is corrected at the broker: the job only reads it.
Drift (a portfolio position the broker's holdings do not cover) is reported, not fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.panel import Panel
from tradertape.db.models import (
    Gtt,
    ModelPortfolio,
    ModelPosition,
    ModelSignal,
    Order,
    Trade,
)
from tradertape.domain.charges import Side
from tradertape.ports.clock import IST, Clock
from tradertape.services import notifications
from tradertape.services.portfolios.positions import delivery_charges, fill_entry, fill_exit
from tradertape.strategies.dsl import StrategyDocument

RELEASED = {"cancelled", "expired", "deleted", "disabled", "rejected"}


@dataclass(slots=True)
class Reconciled:
    """What one reconciliation pass changed."""

    opened: list[int] = field(default_factory=list)  # position ids
    closed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # signal ids
    drift: list[str] = field(default_factory=list)  # symbols the broker does not hold


def _fills(db: Session, order: Order) -> tuple[int, Decimal, Decimal, date]:
    """(quantity, average price, charges, IST date) of an order's trades."""
    trades = db.scalars(select(Trade).where(Trade.order_pk == order.id)).all()
    quantity = sum(t.quantity for t in trades)
    value = sum((t.price * t.quantity for t in trades), Decimal(0))
    charges = sum((t.charges for t in trades), Decimal(0))
    day = max(t.filled_at for t in trades).astimezone(IST).date()
    return quantity, value / quantity, charges, day


def _release(portfolio: ModelPortfolio, signal: ModelSignal, status: str) -> None:
    portfolio.committed_capital -= signal.amount
    portfolio.current_capital += signal.amount
    signal.gtt_status = status


def reconcile(db: Session, portfolio: ModelPortfolio, *, clock: Clock) -> Reconciled:
    """One pass over the portfolio's waiting entries and exits (commits)."""
    done = Reconciled()
    waiting = db.scalars(
        select(ModelSignal).where(
            ModelSignal.portfolio_id == portfolio.id,
            ModelSignal.gtt_status.in_(("active", "triggered", "order_placed")),
        )
    ).all()
    for signal in waiting:
        if signal.signal_type == "exit":
            _exit(db, portfolio, signal, clock, done)
        else:
            _entry(db, portfolio, signal, clock, done)
    done.drift = drift(db, portfolio)
    notifications.drifted(db, portfolio, done.drift, at=clock.now())  # notify: drift
    db.commit()
    return done


def _entry(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, clock: Clock, done: Reconciled
) -> None:
    gtt = db.get(Gtt, signal.gtt_id) if signal.gtt_id else None
    if gtt is None:
        return
    if gtt.status in RELEASED:
        _release(portfolio, signal, gtt.status)
        done.released.append(signal.id)
        return
    order = db.get(Order, gtt.order_pk) if gtt.order_pk else None
    if order is None:
        return
    signal.gtt_status = "triggered"
    signal.order_id = order.order_id
    if order.status in ("CANCELLED", "REJECTED") and order.filled_quantity == 0:
        _release(portfolio, signal, order.status.lower())
        done.released.append(signal.id)
        return
    if order.status != "COMPLETE":
        return
    quantity, price, charges, day = _fills(db, order)
    signal.quantity = quantity
    position = fill_entry(
        db, portfolio, signal, price=price, charges=charges, day=day, clock=clock, committed=True
    )
    signal.gtt_status = "filled"
    done.opened.append(position.id)


def _exit(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, clock: Clock, done: Reconciled
) -> None:
    order = db.scalar(select(Order).where(Order.order_id == signal.order_id))
    position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
    if order is None or position is None:
        return
    if order.status in ("CANCELLED", "REJECTED"):
        position.status = "open"
        signal.gtt_status = order.status.lower()
        return
    if order.status != "COMPLETE":
        return
    _, price, charges, day = _fills(db, order)
    fill_exit(
        portfolio,
        position,
        price=price,
        charges=charges,
        day=day,
        reason=signal.reason or "exit",
        clock=clock,
    )
    signal.gtt_status = "filled"
    done.closed.append(position.id)


def drift(db: Session, portfolio: ModelPortfolio) -> list[str]:
    """Symbols the portfolio holds that the user's paper book does not (e.g. sold by hand).

    Net bought quantity per symbol from the OMS trades must cover every open portfolio
    position in it (several portfolios of the user share one broker account). Virtual fills
    (``paper_fill: close`` or ``next_open``) leave no broker book to drift from."""
    if portfolio.paper_fill != "gtt":
        return []
    positions = db.scalars(
        select(ModelPosition).where(
            ModelPosition.user_id == portfolio.user_id, ModelPosition.status == "open"
        )
    ).all()
    needed: dict[str, int] = {}
    for position in positions:
        needed[position.symbol] = needed.get(position.symbol, 0) + position.quantity
    if not needed:
        return []
    held: dict[str, int] = {}
    for trade in db.scalars(
        select(Trade).where(Trade.user_id == portfolio.user_id, Trade.product == "CNC")
    ):
        key = f"{trade.exchange}:{trade.tradingsymbol}"
        sign = 1 if trade.transaction_type == "BUY" else -1
        held[key] = held.get(key, 0) + sign * trade.quantity
    mine = {p.symbol for p in positions if p.portfolio_id == portfolio.id}
    return sorted(s for s in mine if held.get(s, 0) < needed[s])


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def open_fills(
    db: Session, portfolio: ModelPortfolio, *, store: CandleStore, day: date, clock: Clock
) -> Reconciled:
    """``paper_fill: next_open`` at ``day``'s open, by the backtest kernel's rules: waiting
    sells first, then buys in signal order (a buy the cash cannot fund is released, not
    resized); then the day's gap-down exits and ATR stops on the low. Commits."""
    done = Reconciled()
    if portfolio.paper_fill != "next_open":
        return done
    waiting = db.scalars(
        select(ModelSignal)
        .where(ModelSignal.portfolio_id == portfolio.id, ModelSignal.gtt_status == "waiting_open")
        .order_by(ModelSignal.id)
    ).all()
    positions = db.scalars(
        select(ModelPosition).where(
            ModelPosition.portfolio_id == portfolio.id,
            ModelPosition.status.in_(("open", "exit_pending")),
        )
    ).all()
    keys = sorted({s.symbol for s in waiting} | {p.symbol for p in positions})
    if not keys or not store.calendar.is_trading_day(day):
        return done
    panel = store.load_panel(keys, store.calendar.previous_trading_day(day), day)
    if panel.days[-1] != np.datetime64(day, "D"):
        return done
    bar = {k: _Bar(panel, j) for j, k in enumerate(panel.keys)}
    slip = portfolio.slippage_bps / Decimal(10_000)
    document = StrategyDocument.model_validate(portfolio.strategy_snapshot)
    fill = _OpenFill(db, portfolio, bar, day, slip, clock, done)
    for signal in (s for s in waiting if s.signal_type == "exit"):
        fill.sell(signal)
    buffer = Decimal(str(document.config.entry_buffer_pct)) / 100
    for signal in (s for s in waiting if s.signal_type != "exit"):
        fill.buy(signal, buffer)
    db.flush()
    _intraday(db, portfolio, bar, day, slip, document, clock, done)
    db.commit()
    return done


class _OpenFill:
    """The open's fills of one portfolio on one day."""

    def __init__(
        self,
        db: Session,
        portfolio: ModelPortfolio,
        bar: dict[str, _Bar],
        day: date,
        slip: Decimal,
        clock: Clock,
        done: Reconciled,
    ) -> None:
        self.db, self.portfolio, self.bar, self.day = db, portfolio, bar, day
        self.slip, self.clock, self.done = slip, clock, done

    def sell(self, signal: ModelSignal) -> None:
        """At the open, less slippage, never below the day's low; no bar: it waits."""
        b = self.bar[signal.symbol]
        position = self.db.get(ModelPosition, signal.position_id) if signal.position_id else None
        if b.open is None or position is None:
            return
        price = max(b.open * (1 - self.slip), b.low)
        charges = delivery_charges(Side.SELL, position.quantity, price, self.day)
        fill_exit(
            self.portfolio,
            position,
            price=price,
            charges=charges,
            day=self.day,
            reason=signal.reason or "exit",
            clock=self.clock,
        )
        signal.gtt_status = "filled"
        self.done.closed.append(position.id)

    def buy(self, signal: ModelSignal, buffer: Decimal) -> None:
        """At the open plus slippage, never above the high (a buffered entry only once the
        high reaches its trigger); released when unfunded or without a bar."""
        b, portfolio = self.bar[signal.symbol], self.portfolio
        if b.open is None:
            _release(portfolio, signal, "no_bar")
            return
        price = min(b.open * (1 + self.slip), b.high)
        if buffer > 0 and signal.signal_type == "entry":
            trigger = signal.close_price * (1 + buffer)
            if b.high < trigger:
                _release(portfolio, signal, "not_triggered")
                return
            price = min(max(b.open, trigger) * (1 + self.slip), b.high)
        charges = delivery_charges(Side.BUY, signal.quantity, price, self.day)
        cash = portfolio.current_capital + portfolio.committed_capital
        if price * signal.quantity + charges > cash:
            _release(portfolio, signal, "unfunded")
            self.done.released.append(signal.id)
            return
        position = fill_entry(
            self.db,
            portfolio,
            signal,
            price=price,
            charges=charges,
            day=self.day,
            clock=self.clock,
            committed=True,
        )
        if b.close is not None and signal.signal_type == "entry":
            position.highest_close = b.close
        signal.gtt_status = "filled"
        self.done.opened.append(position.id)


class _Bar:
    """One symbol's bar of the day (and the close before it), as Decimals."""

    def __init__(self, panel: Panel, j: int) -> None:
        def value(row: int, field: np.ndarray[Any, Any]) -> Decimal | None:
            v = field[row, j]
            return None if np.isnan(v) else _decimal(float(v))

        last = panel.shape[0] - 1
        self.open = value(last, panel.open)
        self.high = value(last, panel.high) or Decimal(0)
        self.low = value(last, panel.low) or Decimal(0)
        self.close = value(last, panel.close)
        self.previous_close = value(last - 1, panel.close) if last > 0 else None


def _intraday(
    db: Session,
    portfolio: ModelPortfolio,
    bar: dict[str, _Bar],
    day: date,
    slip: Decimal,
    document: StrategyDocument,
    clock: Clock,
    done: Reconciled,
) -> None:
    gap = Decimal(str(document.config.gap_down_exit_pct or 0)) / 100
    for position in db.scalars(
        select(ModelPosition).where(
            ModelPosition.portfolio_id == portfolio.id, ModelPosition.status == "open"
        )
    ):
        b = bar.get(position.symbol)
        if b is None or b.open is None:
            continue
        reason, price = None, Decimal(0)
        prev = b.previous_close
        if gap > 0 and position.entry_date < day and prev is not None and b.open < prev * (1 - gap):
            reason, price = "gap_down", b.open
        elif (
            position.stop_price is not None
            and position.stop_price > 0
            and b.low <= position.stop_price
        ):
            reason, price = "atr_stop", min(b.open, position.stop_price)
        if reason is None:
            continue
        price = max(price * (1 - slip), b.low)
        charges = delivery_charges(Side.SELL, position.quantity, price, day)
        fill_exit(
            portfolio, position, price=price, charges=charges, day=day, reason=reason, clock=clock
        )
        done.closed.append(position.id)
