"""Positions of a portfolio: opened and added to by entry fills, closed by exit fills.

Every fill moves the portfolio's capital: an entry spends ``current`` (or releases what it had
``committed``) into ``deployed`` at cost; an exit returns the proceeds, books the realised P&L
and the round trip's charges. Charges are always the figure the OMS's ledger booked for the
fill (a virtual fill's own contract note, a broker fill's share of the day's note), handed
in by the one subscriber of the OMS's fill events that calls these (`portfolios.fills`):
virtual, agent-reported and server-placed fills alike.

The position row keeps only the position's life (quantity, entry price, stops, add-ons, its
exit); what it was charged and what it realised are read from the ledger's trades of its
orders (`position_money`). So its exit takes out of ``deployed`` what its buys cost there
(not its average price times its quantity, kept to four places after an add-on), and its
realised P&L is its sale less that cost and the round trip's charges: the figure the
positions listing reads back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Select, insert
from sqlalchemy.orm import Session, object_session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.db.prepared import Prepared
from tradertape.db.rows import adopt, fresh, table_of, value_keys
from tradertape.domain.money import average_price, paise
from tradertape.domain.signals import SignalEvent, SignalStatus, next_status
from tradertape.errors import Conflict
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import owned
from tradertape.services.notifications import events as notifications
from tradertape.services.portfolios import money, position_money
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


def fill_entry(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    *,
    price: Decimal,
    charges: Decimal,
    day: date,
    clock: Clock,
    notices: Clock | None = None,
    committed: bool,
    atr_stop_multiplier: Decimal | None = None,
    cost: Decimal | None = None,
) -> ModelPosition:
    """Book an entry (or add-on) fill of ``signal``: a new position, or a bigger one. Its
    `cost` is ``price × signal.quantity`` unless given (an order filled in parts: the sum of
    its fills' values, `price` their average)."""
    money.hold(db, portfolio)  # held since the transaction began, unless a live send committed
    cost = price * signal.quantity if cost is None else cost
    money.bought(
        portfolio, cost=cost, charges=charges, earmarked=signal.amount if committed else ZERO
    )
    now = clock.now()
    mult = portfolio.atr_stop_multiplier if atr_stop_multiplier is None else atr_stop_multiplier
    if signal.signal_type == "addon" and signal.position_id is not None:
        position = db.get(ModelPosition, signal.position_id)
        assert position is not None
        total = position.quantity + signal.quantity
        position.entry_price = average_price(position.entry_price * position.quantity + cost, total)
        position.quantity = total
        position.addon_count += 1
        position.last_addon_date = day
        position.updated_at = now
        if mult > 0 and signal.atr is not None:
            position.stop_price = _stop(position.entry_price, mult, signal.atr)
    else:
        position = _insert(
            db,
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
            stop_price=_stop(price, mult, signal.atr),
            stop_gtt_id=None,
            exit_gtt_id=None,
            conviction=signal.conviction_score,
            status="open",
            exit_price=None,
            exit_date=None,
            exit_reason=None,
            created_at=now,
            updated_at=now,
        )
        signal.position_id = position.id
    # notify: fill, stamped in real time (`notices`: a replay's fill is news now)
    notifications.filled(db, portfolio, position, opened=True, at=(notices or clock).now())
    return position


def _stop(entry_price: Decimal, mult: Decimal, atr: Decimal | None) -> Decimal | None:
    """The ATR stop of a position entered at `entry_price` (None: the portfolio sets none)."""
    return paise(entry_price - mult * atr) if mult > 0 and atr is not None else None


_NEW_POSITION = Prepared(
    insert(table_of(ModelPosition)).returning(table_of(ModelPosition).c.id),
    keys=value_keys(ModelPosition),
)
_NO_POSITION = dict.fromkeys(value_keys(ModelPosition))  # a column not given is NULL


def _insert(db: Session, **row: object) -> ModelPosition:
    """A new position, inserted now for its id (the fill's notice and its signal name it)
    and held by the session, with nothing else of the transaction flushed: the rest of a
    run of fills (its orders' events, trades, the portfolio's money) is written together
    at its commit, its rows updated once, not once a fill. By precompiled SQL, the row
    made without the constructor's events and adopted as loaded (`db.rows`): the ORM's
    insert cost a scan's virtual entry more than the rest of its position (issue 69)."""
    values = {**_NO_POSITION, **row}
    pk = _NEW_POSITION.scalar(db, values)
    position = fresh(ModelPosition, values)
    adopt(db, position, pk)
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
    notices: Clock | None = None,
    proceeds: Decimal | None = None,
) -> None:
    """Book the sale of a whole position: proceeds back to cash, P&L realised. A position
    is sold once: booking a second sale would pay its proceeds twice. Its `proceeds` are
    ``price × quantity`` unless given (an order filled in parts, `price` their average);
    `charges` are the sale's: its buys' cost and charges are the ledger's (`position_money`).
    """
    if position.status == "closed":
        raise Conflict(f"position {position.id} is already closed")
    db = object_session(position)
    proceeds = price * position.quantity if proceeds is None else proceeds
    held = position_money.PositionMoney()  # a detached position: its average, no charges
    if db is not None:
        money.hold(db, portfolio)  # as for `fill_entry`
        held = position_money.of_position(db, position)  # its buys (the sale's may be too)
    cost = held.entry_cost(position)
    pnl = held.round_trip(position, proceeds=proceeds, sale_charges=charges)
    money.sold(portfolio, cost=cost, proceeds=proceeds, charges=charges, pnl=pnl)
    position.status = "closed"
    position.exit_price = price
    position.exit_date = day
    position.exit_reason = reason
    position.updated_at = clock.now()
    if db is not None:  # notify: fill, in the session that books it
        at = position.updated_at if notices is None else notices.now()
        notifications.filled(db, portfolio, position, opened=False, at=at, realised=paise(pnl))


def sell_part(
    portfolio: ModelPortfolio,
    position: ModelPosition,
    *,
    quantity: int,
    price: Decimal,
    proceeds: Decimal,
    charges: Decimal,
    day: date,
    reason: str,
    clock: Clock,
) -> None:
    """Book a sale of `quantity` of the position's shares by an order it did not place
    (`fills.sold_by_other`): the whole position closes as any exit does (`fill_exit`); a
    part leaves it holding the rest, its share of the cost and buy charges gone with the
    sale (average cost, `PositionMoney.share`) and that part's P&L realised."""
    if quantity >= position.quantity:
        fill_exit(
            portfolio,
            position,
            price=price,
            proceeds=proceeds,
            charges=charges,
            day=day,
            reason=reason,
            clock=clock,
        )
        return
    db = object_session(position)
    assert db is not None
    money.hold(db, portfolio)
    held = position_money.of_position(db, position)
    whole_cost = held.entry_cost(position)
    whole_pnl = held.round_trip(position, proceeds=ZERO, sale_charges=ZERO)  # −cost−charges
    part = Decimal(quantity) / position.quantity
    cost = whole_cost * part
    pnl = proceeds + whole_pnl * part - charges
    money.sold(portfolio, cost=cost, proceeds=proceeds, charges=charges, pnl=pnl)
    position.quantity -= quantity
    position.updated_at = clock.now()


def exit_signal(
    db: Session,
    portfolio: ModelPortfolio,
    position: ModelPosition,
    *,
    close: Decimal,
    day: date,
    reason: str,
    clock: Clock,
) -> ModelSignal:
    """A SELL of the whole position that no scan decided (a manual close, a crossed stop),
    ready to `place`."""
    signal = ModelSignal(
        user_id=portfolio.user_id,
        portfolio_id=portfolio.id,
        position_id=position.id,
        strategy_version=portfolio.strategy_version,
        symbol=position.symbol,
        sector=position.sector,
        signal_date=day,
        signal_type="exit",
        side="SELL",
        close_price=close,
        quantity=position.quantity,
        amount=close * position.quantity,
        reason=reason,
        indicator_snapshot={},
        status=SignalStatus.PENDING_APPROVAL.value,
        created_at=clock.now(),
    )
    db.add(signal)
    db.flush()
    return signal


def filled(signal: ModelSignal, *, clock: Clock) -> None:
    """The signal's order filled: only now is it ``executed`` (docs/api-conventions.md)."""
    if signal.status != SignalStatus.EXECUTED.value:  # rows sent before this rule already are
        signal.status = next_status(signal.status, SignalEvent.EXECUTE).value
    signal.executed_at = clock.now()
    signal.gtt_status = "filled"
