"""Virtual fills of ``paper_fill: next_open`` portfolios: the next session's open fills the
signals by the backtest kernel's rules, from the day's candle, with no broker involved (so
the scanner replayed day by day reproduces a backtest exactly)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.candles.panel import Panel
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.charges import Side
from tradertape.domain.ticks import RoundDirection, round_to_tick, tick_size
from tradertape.oms import PortfolioBooks, delivery_charges
from tradertape.ports.clock import Clock
from tradertape.services.portfolios import money
from tradertape.services.portfolios.fills import book_virtual, opened
from tradertape.services.portfolios.reconcile import Reconciled, release
from tradertape.services.portfolios.signals import filled
from tradertape.strategies.dsl import StrategyDocument


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def open_fills(
    db: Session,
    portfolio: ModelPortfolio,
    *,
    store: CandleStore,
    day: date,
    clock: Clock,
    exchange: PortfolioBooks,
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
    money.hold(db, portfolio)
    # from the previous month on: its last close sets the tick of this month's prices
    since = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    panel = store.load_panel(keys, since, day)
    if panel.days[-1] != np.datetime64(day, "D"):
        return done
    bar = {k: _Bar(panel, j, day) for j, k in enumerate(panel.keys)}
    slip = portfolio.slippage_bps / Decimal(10_000)
    document = StrategyDocument.model_validate(portfolio.strategy_snapshot)
    fill = _OpenFill(db, portfolio, bar, day, slip, clock, done, exchange)
    for signal in (s for s in waiting if s.signal_type == "exit"):
        fill.sell(signal)
    buffer = Decimal(str(document.config.entry_buffer_pct)) / 100
    for signal in (s for s in waiting if s.signal_type != "exit"):
        fill.buy(signal, buffer)
    db.flush()
    fill.intraday(Decimal(str(document.config.gap_down_exit_pct or 0)) / 100)
    db.commit()
    return done


class _Bar:
    """One symbol's bar of the day (and the close before it), as Decimals, and where a
    slipped fill lands in it: on the day's tick grid, against us, never outside the range."""

    def __init__(self, panel: Panel, j: int, day: date) -> None:
        def value(row: int, field: np.ndarray[Any, Any]) -> Decimal | None:
            v = field[row, j]
            return None if np.isnan(v) else _decimal(float(v))

        last = panel.shape[0] - 1
        self.open = value(last, panel.open)
        self.high = value(last, panel.high) or Decimal(0)
        self.low = value(last, panel.low) or Decimal(0)
        self.close = value(last, panel.close)
        self.previous_close = value(last - 1, panel.close) if last > 0 else None
        # NSE sets a month's tick by the previous month's last close (`domain.ticks`)
        month = int(np.searchsorted(panel.days, np.datetime64(day.replace(day=1), "D")))
        before = [row for row in range(month) if not np.isnan(panel.close[row, j])]
        reference = value(before[-1], panel.close) if before else self.open
        self.tick = tick_size(reference, as_of=day) if reference else None

    def buy_at(self, price: Decimal) -> Decimal:
        """A buy at ``price`` rounded up to the tick, at most the day's high."""
        rounded = round_to_tick(price, RoundDirection.UP, self.tick)
        return min(rounded, self.high)

    def sell_at(self, price: Decimal) -> Decimal:
        """A sell at ``price`` rounded down to the tick, at least the day's low."""
        rounded = round_to_tick(price, RoundDirection.DOWN, self.tick)
        return max(rounded, self.low)


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
        exchange: PortfolioBooks,
    ) -> None:
        self.db, self.portfolio, self.bar, self.day = db, portfolio, bar, day
        self.slip, self.clock, self.done = slip, clock, done
        self.exchange = exchange

    def _close(self, position: ModelPosition, price: Decimal, reason: str) -> None:
        """Sell the whole position at ``price`` less slippage (every exit of the day); its
        fill event closes the position (`portfolios.fills`)."""
        price = self.bar[position.symbol].sell_at(price * (1 - self.slip))
        book_virtual(
            self.exchange,
            self.db,
            self.portfolio,
            symbol=position.symbol,
            buy=False,
            quantity=position.quantity,
            price=price,
            day=self.day,
            at_open=True,
            signal_id=position.signal_id,
            position_id=position.id,
            reason=reason,
        )
        self.done.closed.append(position.id)

    def sell(self, signal: ModelSignal) -> None:
        """At the open, less slippage, never below the day's low; no bar: it waits."""
        b = self.bar[signal.symbol]
        position = self.db.get(ModelPosition, signal.position_id) if signal.position_id else None
        if b.open is None or position is None:
            return
        self._close(position, b.open, signal.reason or "exit")
        filled(signal, clock=self.clock)

    def buy(self, signal: ModelSignal, buffer: Decimal) -> None:
        """At the open plus slippage, never above the high (a buffered entry only once the
        high reaches its trigger); released when unfunded or without a bar."""
        b, portfolio = self.bar[signal.symbol], self.portfolio
        if b.open is None:
            release(portfolio, signal, "no_bar")
            return
        price = b.buy_at(b.open * (1 + self.slip))
        if buffer > 0 and signal.signal_type == "entry":
            trigger = signal.close_price * (1 + buffer)
            if b.high < trigger:
                release(portfolio, signal, "not_triggered")
                return
            price = b.buy_at(max(b.open, trigger) * (1 + self.slip))
        # the OMS's figure for this fill, asked before it is booked: can the cash fund it?
        quoted = delivery_charges(Side.BUY, signal.quantity, price, self.day)
        cash = portfolio.current_capital + portfolio.committed_capital
        if price * signal.quantity + quoted > cash:
            release(portfolio, signal, "unfunded")
            self.done.released.append(signal.id)
            return
        book_virtual(  # its fill event opens (or adds to) the position (`portfolios.fills`)
            self.exchange,
            self.db,
            portfolio,
            symbol=signal.symbol,
            buy=True,
            quantity=signal.quantity,
            price=price,
            day=self.day,
            at_open=True,
            signal_id=signal.id,
            earmarked=True,
        )
        position = opened(self.db, signal)  # the fill's subscriber opened it, or raised
        if b.close is not None and signal.signal_type == "entry":
            position.highest_close = b.close
        filled(signal, clock=self.clock)
        self.done.opened.append(position.id)

    def intraday(self, gap: Decimal) -> None:
        """The day's gap-down exits at the open, then ATR stops on the low (at the stop, or
        at the open when it opened under it), as the backtest kernel does."""
        for position in self.db.scalars(
            select(ModelPosition).where(
                ModelPosition.portfolio_id == self.portfolio.id, ModelPosition.status == "open"
            )
        ):
            b = self.bar.get(position.symbol)
            if b is None or b.open is None:
                continue
            prev, stop = b.previous_close, position.stop_price
            held = position.entry_date < self.day
            if gap > 0 and held and prev is not None and b.open < prev * (1 - gap):
                self._close(position, b.open, "gap_down")
            elif stop is not None and stop > 0 and b.low <= stop:
                self._close(position, min(b.open, stop), "atr_stop")
