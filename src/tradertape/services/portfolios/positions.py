"""Positions of a portfolio: opened and added to by entry fills, closed by exit fills.

Every fill moves the portfolio's capital: an entry spends ``current`` (or releases what it had
``committed``) into ``deployed`` at cost; an exit returns the proceeds, books the realised P&L
and the round trip's charges. Charges are always the figure the OMS's ledger booked for the
fill (a virtual fill's own contract note, a broker fill's share of the day's note): a
virtual fill's and an agent's come with its fill event (`portfolios.fills`, the subscriber that
calls these).

A position's ``charges`` and ``realised_pnl`` are its fills' figures as the ledger booked
them, written once per fill here and never changed after: the round trip's charges are what
its realised P&L is net of, and a live position's fills share their broker's book with
others, so the ledger alone cannot say which of them were this position's. Its exit takes
out of ``deployed`` what the ledger says it cost (`book.position_cost`), not its average
price times its quantity (kept to four places after an add-on).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, object_session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Order, Trade
from tradertape.domain.money import paise
from tradertape.errors import Conflict
from tradertape.ports.clock import IST, Clock
from tradertape.services.accounts.ownership import owned
from tradertape.services.notifications import events as notifications
from tradertape.services.portfolios import book, money
from tradertape.services.portfolios.money import ZERO

PortfolioRow = TypeVar("PortfolioRow", ModelPosition, ModelSignal)


def of_portfolios(
    model: type[PortfolioRow], *, user_id: int, portfolio_id: int | None, status: str | None
) -> Select[PortfolioRow]:
    """The user's rows of `model` (of one portfolio, in one status, when given)."""
    query = owned(model, user_id=user_id)
    if portfolio_id is not None:
        query = query.where(model.portfolio_id == portfolio_id)
    if status is not None:
        query = query.where(model.status == status)
    return query


def listing(
    db: Session,
    *,
    user_id: int,
    portfolio_id: int | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[ModelPosition]:
    """The user's portfolio positions, newest first (of one portfolio, in one status)."""
    query = of_portfolios(ModelPosition, user_id=user_id, portfolio_id=portfolio_id, status=status)
    query = query.order_by(ModelPosition.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))


def order_fills(db: Session, order: Order) -> tuple[int, Decimal, Decimal, date]:
    """(quantity, average price, charges, IST date) of a broker order's trades: what a
    position books when the order fills (the charges its trades booked, to the paisa)."""
    trades = db.scalars(select(Trade).where(Trade.order_pk == order.id)).all()
    quantity = sum(t.quantity for t in trades)
    value = sum((t.price * t.quantity for t in trades), Decimal(0))
    charges = sum((t.charges for t in trades), Decimal(0))
    day = max(t.filled_at for t in trades).astimezone(IST).date()
    return quantity, value / quantity, charges, day


def fill_entry(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    *,
    price: Decimal,
    charges: Decimal,
    day: date,
    clock: Clock,
    committed: bool,
    atr_stop_multiplier: Decimal | None = None,
) -> ModelPosition:
    """Book an entry (or add-on) fill of ``signal``: a new position, or a bigger one."""
    money.hold(db, portfolio)  # held since the transaction began, unless a live send committed
    cost = price * signal.quantity
    money.bought(
        portfolio, cost=cost, charges=charges, earmarked=signal.amount if committed else ZERO
    )
    now = clock.now()
    mult = portfolio.atr_stop_multiplier if atr_stop_multiplier is None else atr_stop_multiplier
    if signal.signal_type == "addon" and signal.position_id is not None:
        position = db.get(ModelPosition, signal.position_id)
        assert position is not None
        total = position.quantity + signal.quantity
        position.entry_price = (position.entry_price * position.quantity + cost) / total
        position.quantity = total
        position.addon_count += 1
        position.last_addon_date = day
        position.charges += charges
        position.updated_at = now
    else:
        position = ModelPosition(
            user_id=portfolio.user_id,
            portfolio_id=portfolio.id,
            signal_id=signal.id,
            symbol=signal.symbol,
            sector=signal.sector,
            quantity=signal.quantity,
            base_quantity=signal.quantity,
            entry_price=price,
            entry_date=day,
            held_from=day,
            addon_count=0,
            last_addon_date=None,
            highest_close=price,
            stop_price=None,
            stop_gtt_id=None,
            exit_gtt_id=None,
            conviction=signal.conviction_score,
            status="open",
            exit_price=None,
            exit_date=None,
            exit_reason=None,
            realised_pnl=None,
            charges=charges,
            created_at=now,
            updated_at=now,
        )
        db.add(position)
        db.flush()
        signal.position_id = position.id
    if mult > 0 and signal.atr is not None:
        position.stop_price = paise(position.entry_price - mult * signal.atr)
    notifications.filled(db, portfolio, position, opened=True, at=now)  # notify: fill
    return position


def fill_exit(
    portfolio: ModelPortfolio,
    position: ModelPosition,
    *,
    price: Decimal,
    charges: Decimal,
    day: date,
    reason: str,
    clock: Clock,
) -> None:
    """Book the sale of a whole position: proceeds back to cash, P&L realised. A position
    is sold once: booking a second sale would pay its proceeds twice."""
    if position.status == "closed":
        raise Conflict(f"position {position.id} is already closed")
    db = object_session(position)
    cost = position.entry_price * position.quantity
    if db is not None:
        money.hold(db, portfolio)  # as for `fill_entry`
        exact = book.position_cost(db, portfolio, position)
        cost = cost if exact is None else exact  # the average is rounded after an add-on
    proceeds = price * position.quantity
    position.charges += charges
    pnl = proceeds - cost - position.charges
    money.sold(portfolio, cost=cost, proceeds=proceeds, charges=charges, pnl=pnl)
    position.status = "closed"
    position.exit_price = price
    position.exit_date = day
    position.exit_reason = reason
    position.realised_pnl = paise(pnl)
    position.updated_at = clock.now()
    if db is not None:  # notify: fill, in the session that books it
        notifications.filled(db, portfolio, position, opened=False, at=position.updated_at)
