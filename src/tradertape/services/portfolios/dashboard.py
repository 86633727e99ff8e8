"""The portfolio page in one payload: capital, positions valued now, pending signals,
sector allocation, the equity curve since deploy, recent activity, broker drift, and the
sales working in its book (`exits_working`).

A sale in the portfolio's book is booked to its positions when its order ends
(`services.portfolios.fills`), so while an exit works part filled (an MTM exit at market
filling with the prints' volume, a manual exit, the portfolio's own exit) the row still holds
the full quantity; the dashboard says so from the book's working orders ("250 of 434 sold")
rather than leave the row to look untouched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.candles import CandleStore
from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Order
from tradertape.db.prepared import Prepared
from tradertape.db.rows import one_of, table_of
from tradertape.domain.order_state import MAY_FILL
from tradertape.domain.signals import ACTIONABLE
from tradertape.oms import LastTick, QuoteBook, portfolio_named
from tradertape.services.portfolios.fills import HANDS, MANUAL
from tradertape.services.portfolios.reconcile import drift

_SIGNALS = table_of(ModelSignal)
# The activity list's columns only (a signal row also carries its indicator snapshot).
_RECENT = (
    select(
        _SIGNALS.c.executed_at,
        _SIGNALS.c.created_at,
        _SIGNALS.c.symbol,
        _SIGNALS.c.signal_type,
        _SIGNALS.c.status,
        _SIGNALS.c.gtt_status,
        _SIGNALS.c.reason,
    )
    .where(_SIGNALS.c.portfolio_id == bindparam("portfolio_id"), _SIGNALS.c.status != "dropped")
    .order_by(_SIGNALS.c.id.desc())
    .limit(20)
)


# The board is read on every visit and poll of the portfolio page: its open positions and
# waiting signals by prepared statements, as rows to read (an ORM query of each cost more
# than the rest of its part of the board).
_POSITIONS = table_of(ModelPosition)
_OPEN = Prepared(
    select(*_POSITIONS.c)
    .where(_POSITIONS.c.portfolio_id == bindparam("portfolio_id"), _POSITIONS.c.status != "closed")
    .order_by(_POSITIONS.c.id)
)
_PENDING = Prepared(
    select(*_SIGNALS.c)
    .where(
        _SIGNALS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_SIGNALS.c.status, ACTIONABLE),
    )
    .order_by(_SIGNALS.c.conviction_rank.is_(None), _SIGNALS.c.conviction_rank, _SIGNALS.c.id)
)


@dataclass(frozen=True, slots=True)
class ExitWorking:
    """The sale orders still working in a portfolio's book in one symbol: shares sold so far
    of those the orders ask to sell, and whose orders they are (``mtm_exit``, ``manual``...)."""

    sold: int
    quantity: int
    hands: tuple[str, ...]


# The user's sale orders that may still fill, read for the board; the portfolio's are those
# whose attribution names it (a live portfolio's share its broker's book with the desk's).
_SELLING = (
    select(
        Order.exchange,
        Order.tradingsymbol,
        Order.quantity,
        Order.filled_quantity,
        Order.source,
        Order.attribution,
    )
    .where(
        Order.user_id == bindparam("user_id"),
        Order.transaction_type == "SELL",
        Order.status.in_(MAY_FILL),
    )
    .order_by(Order.id)
)


def exits_working(db: Session, portfolio: ModelPortfolio) -> dict[str, ExitWorking]:
    """The sales working in the portfolio's book, by symbol (``NSE:INFY``), whoever placed
    them; none once they end (their fills are booked to the positions then)."""
    out: dict[str, ExitWorking] = {}
    for row in db.execute(_SELLING, {"user_id": portfolio.user_id}):
        if portfolio_named(row.attribution or {}) != portfolio.id:  # another's, or the desk's
            continue
        symbol = f"{row.exchange}:{row.tradingsymbol}"
        tags = row.attribution or {}
        hand = "portfolio" if "signal_id" in tags else HANDS.get(row.source, MANUAL)
        was = out.get(symbol, ExitWorking(0, 0, ()))
        out[symbol] = ExitWorking(
            sold=was.sold + row.filled_quantity,
            quantity=was.quantity + row.quantity,
            hands=was.hands if hand in was.hands else (*was.hands, hand),
        )
    return out


@dataclass(frozen=True, slots=True)
class Valued:
    """A position with the price it is valued at (last tick, else last close)."""

    position: ModelPosition
    last_price: Decimal | None

    @property
    def unrealised(self) -> Decimal | None:
        if self.last_price is None or self.position.status == "closed":
            return None
        p = self.position
        return (self.last_price - p.entry_price) * p.quantity


def last_prices(
    store: CandleStore, quotes: LastTick, symbols: list[str], day: date
) -> dict[str, Decimal]:
    """The latest tick of each symbol, or its last daily close up to ``day``."""
    prices: dict[str, Decimal] = {}
    missing = []
    for symbol in symbols:
        tick = quotes(symbol)
        if tick is not None:
            prices[symbol] = tick.last_price
        else:
            missing.append(symbol)
    if missing:
        start = max(day - timedelta(days=31), store.calendar.first_day)
        panel = store.load_panel(missing, start, day)
        for j, symbol in enumerate(panel.keys):
            seen = np.flatnonzero(~np.isnan(panel.close[:, j]))
            if seen.size:
                prices[symbol] = Decimal(str(panel.close[seen[-1], j]))
    return prices


def value_positions(
    positions: list[ModelPosition], store: CandleStore, quotes: QuoteBook, day: date
) -> list[Valued]:
    """Positions with their current price."""
    prices = last_prices(store, quotes, sorted({p.symbol for p in positions}), day)
    return [Valued(p, prices.get(p.symbol)) for p in positions]


def dashboard(
    db: Session, portfolio: ModelPortfolio, *, store: CandleStore, quotes: QuoteBook, day: date
) -> dict[str, Any]:
    """The dashboard's parts (the API turns them into `DashboardOut`)."""
    by_portfolio = {"portfolio_id": portfolio.id}
    open_rows = _OPEN.detached(db, ModelPosition, by_portfolio)
    valued = value_positions(open_rows, store, quotes, day)
    pending = _PENDING.detached(db, ModelSignal, by_portfolio)
    sectors: dict[str, Decimal] = {}
    for v in valued:
        p = v.position
        worth = (v.last_price or p.entry_price) * p.quantity
        sectors[p.sector or "Other"] = sectors.get(p.sector or "Other", Decimal(0)) + worth
    recent = db.execute(_RECENT, {"portfolio_id": portfolio.id})
    activity = [
        {
            "at": s.executed_at or s.created_at,
            "symbol": s.symbol,
            "signal_type": s.signal_type,
            "status": s.status,
            "gtt_status": s.gtt_status,
            "reason": s.reason,
        }
        for s in recent
    ]
    return {
        "valued": valued,
        "pending": pending,
        "sectors": sectors,
        "activity": activity,
        "drift": drift(db, portfolio),
        "exits_working": exits_working(db, portfolio),
    }
