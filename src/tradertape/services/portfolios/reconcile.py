"""Reconciliation: what the broker did with a portfolio's GTTs and orders that ended unfilled,
and the upkeep of its standing stops.

A fill is never booked here: every fill of a portfolio's order (an entry's GTT that fired, an
exit order or exit GTT, a stop GTT) is booked to its position and money in the fill's own
transaction by the one subscriber of the OMS's fill events (`portfolios.fills`). What is left
to this pass: a GTT or order that was cancelled, expired or rejected with nothing filled
releases its entry's earmark (an exit that will not fill gives the position back its stop);
each position's standing stop GTT (`stops`) is followed to its order, and kept in line with
the position (placed, moved or placed again); a stop found already crossed sells the position
at once, through an exit signal; and drift (an instrument where the portfolio's open positions
and what its book holds differ, `book_held`) is reported, not fixed. Apart from those
stops nothing is changed at the broker; a stop still standing under a position another
hand sold (an MTM exit, a manual exit) is cancelled.

An order found done with something filled whose leg is still waiting was not booked by its
fill event: it filled before this version booked server-placed orders by their events (an
upgrade), or it is a live GTT's order that broker reconciliation adopted before the GTT was
linked (its events named no portfolio). This pass catches it up, with a warning in the log,
through the subscriber's own functions (`fills.book_entry`/`book_exit`) from the ledger's
trades of the order: one path books a fill, idempotent on the signal's leg, so it is booked
once whichever comes first. Raising instead would stop the portfolio's reconciliation for
good on such an order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models import (
    Gtt,
    ModelPortfolio,
    ModelPosition,
    ModelSignal,
    Order,
)
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded_columns, one_of, table_of
from tradertape.domain import books
from tradertape.domain.order_state import PENDING
from tradertape.domain.owners import portfolio_owner
from tradertape.oms import GTT_ACTIVE
from tradertape.ports.clock import IST
from tradertape.services.notifications import events as notifications
from tradertape.services.portfolios import book_held, fills, money, signals
from tradertape.services.portfolios.signals import PortfolioTrading
from tradertape.services.portfolios.stops import REASON as STOP_REASON

RELEASED = {"cancelled", "expired", "deleted", "disabled", "rejected"}
_UNFILLED = ("CANCELLED", "REJECTED")
_DONE = ("COMPLETE", *_UNFILLED)


@dataclass(slots=True)
class Reconciled:
    """What one reconciliation pass changed."""

    opened: list[int] = field(default_factory=list)  # position ids (the open's virtual fills)
    closed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # signal ids
    drift: list[str] = field(default_factory=list)  # symbols the broker does not hold
    stopped_out: list[int] = field(default_factory=list)  # exit signals of crossed stops


def release(portfolio: ModelPortfolio, signal: ModelSignal, status: str) -> None:
    """Give a waiting entry's earmarked amount back to free cash."""
    money.release(portfolio, signal.amount)
    signals.let_go(signal, status)


def reconcile(
    db: Session, portfolio: ModelPortfolio, *, trading: PortfolioTrading, commit: bool = True
) -> Reconciled:
    """One pass over the portfolio's waiting entries and exits and its stops (commits).
    An agent-run portfolio has nothing here to follow: the agent reports its fills.

    Without `commit` a virtually filled portfolio's pass (nothing of it reaches a venue:
    no stop GTTs, no sale at a crossed stop) is left in the caller's transaction, under the
    portfolio's lock, for the caller's work to commit with it (the day's scan, `runs`)."""
    done = Reconciled()
    if portfolio.executor == signals.AGENT:
        return done
    money.hold(db, portfolio)
    for signal in _WAITING.attached(db, ModelSignal, {"portfolio_id": portfolio.id}):
        if signal.signal_type == "exit":
            _exit(db, portfolio, signal, trading, done)
        else:
            _entry(db, portfolio, signal, trading, done)
    crossed = _stops(db, portfolio, trading, done) if portfolio.paper_fill == "gtt" else []
    done.drift = drift(db, portfolio)
    notifications.drifted(db, portfolio, done.drift, at=trading.notices.now())  # notify: drift
    if commit or portfolio.paper_fill == "gtt":
        db.commit()
    for position in crossed:
        _sell_at_stop(db, portfolio, position, trading, done)
    return done


_POSITIONS = table_of(ModelPosition)
_HELD = Prepared(  # what a portfolio's open positions hold, by instrument (`drift`)
    select(_POSITIONS.c.symbol, _POSITIONS.c.quantity).where(
        _POSITIONS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_POSITIONS.c.status, ("open", "exit_pending")),
    )
)
# A portfolio's signals whose GTT or order works: read by every pass (each minute in market
# hours, each scan's day), by precompiled SQL (`Prepared.attached`, issue 69).
_SIGNALS = table_of(ModelSignal)
_WAITING = Prepared(
    select(*loaded_columns(ModelSignal)).where(
        _SIGNALS.c.portfolio_id == bindparam("portfolio_id"),
        one_of(_SIGNALS.c.gtt_status, ("active", "triggered", "order_placed")),
    )
)


def _entry(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    trading: PortfolioTrading,
    done: Reconciled,
) -> None:
    clock = trading.clock
    gtt = db.get(Gtt, signal.gtt_id) if signal.gtt_id else None
    if gtt is None:
        return
    if gtt.status in RELEASED:
        release(portfolio, signal, gtt.status)
        done.released.append(signal.id)
        return
    order = db.get(Order, gtt.order_pk) if gtt.order_pk else None
    if order is None:
        return
    signal.gtt_status = "triggered"
    signal.order_id = order.order_id
    if order.status in _UNFILLED and order.filled_quantity == 0:
        release(portfolio, signal, order.status.lower())
        done.released.append(signal.id)
        return
    if order.status in _DONE:  # done with a fill, its signal still waiting: nobody booked it
        fills.catch_up(order, f"signal {signal.id}'s entry")
        fill = partial(fills.ledger_fill, db, order)
        fills.book_entry(
            db, portfolio, signal, order.order_id, fill, clock=clock, notices=trading.notices
        )
        if signal.position_id is not None:
            done.opened.append(signal.position_id)


def _exit(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    trading: PortfolioTrading,
    done: Reconciled,
) -> None:
    clock = trading.clock
    order = db.scalar(select(Order).where(Order.order_id == signal.order_id))
    position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
    if order is None and signal.gtt_id is not None and position is not None:
        order = _exit_gtt_order(db, signal, position)  # a live exit sent as a GTT
    if order is None or position is None:
        return
    if order.status in _UNFILLED:
        _keep(position)  # its stop GTT is placed again below
        signals.let_go(signal, order.status.lower())
        return
    if order.status == "COMPLETE" and position.status != "closed":
        # sold, its position still held: nobody booked the sale
        fills.catch_up(order, f"signal {signal.id}'s exit")
        fill = partial(fills.ledger_fill, db, order)
        fills.book_exit(
            db,
            portfolio,
            position,
            signal,
            order.order_id,
            fill,
            clock=clock,
            notices=trading.notices,
        )
        done.closed.append(position.id)
    elif order.status == "COMPLETE":  # its position was sold by another leg: nothing to book
        signals.filled(signal, clock=clock)


def _keep(position: ModelPosition) -> None:
    """An exit that will not fill: a position still selling is held again; one a stop
    sold meanwhile stays closed (reopened, its sale could be booked twice)."""
    if position.status == "exit_pending":
        position.status = "open"


def _exit_gtt_order(db: Session, signal: ModelSignal, position: ModelPosition) -> Order | None:
    """The order an exit GTT placed, once it fired; an exit GTT that ended unfired gives
    the position back its stop (as an unfilled exit order does)."""
    gtt = db.get(Gtt, signal.gtt_id)
    if gtt is None:
        return None
    if gtt.status in RELEASED:
        _keep(position)
        signals.let_go(signal, gtt.status)
        return None
    order = db.get(Order, gtt.order_pk) if gtt.order_pk else None
    if order is not None:
        signal.order_id = order.order_id
        signal.gtt_status = "triggered"
    return order


def _stops(
    db: Session, portfolio: ModelPortfolio, trading: PortfolioTrading, done: Reconciled
) -> list[ModelPosition]:
    """Follow fired stops, then give every open position the stop it needs; the positions
    whose stop is already crossed are returned, to be sold."""
    desk = signals.stops_of(trading, portfolio)
    crossed = []
    for position in db.scalars(
        select(ModelPosition)
        .where(
            ModelPosition.portfolio_id == portfolio.id,
            ModelPosition.status.in_(("open", "exit_pending")),
        )
        .order_by(ModelPosition.id)
    ):
        sold = desk.follow(db, portfolio, position)  # a fired stop's sale is its fill's to book
        if sold is not None:  # ... unless its fill event did not book it: caught up here
            fills.catch_up(sold, f"position {position.id}'s stop")
            fill = partial(fills.ledger_fill, db, sold)
            fills.book_exit(
                db,
                portfolio,
                position,
                None,
                sold.order_id,
                fill,
                clock=trading.clock,
                notices=trading.notices,
            )
            done.closed.append(position.id)
        if position.status != "closed" and not desk.sync(db, portfolio, position):
            crossed.append(position)
    for position in db.scalars(
        select(ModelPosition)
        .join(Gtt, Gtt.id == ModelPosition.stop_gtt_id)
        .where(
            ModelPosition.portfolio_id == portfolio.id,
            ModelPosition.status == "closed",
            Gtt.status == GTT_ACTIVE,
        )
    ):  # sold by another hand (an MTM exit): its stop would sell shares no longer held
        desk.cancel(db, position)
    return crossed


def _sell_at_stop(
    db: Session,
    portfolio: ModelPortfolio,
    position: ModelPosition,
    trading: PortfolioTrading,
    done: Reconciled,
) -> None:
    """The stop is crossed with no GTT under it (its order ended unfilled, or it was gone
    while the price fell): sell now, through an exit signal like any other exit. Once a day,
    so a sell the market refuses is not retried every minute."""
    day = trading.clock.now().astimezone(IST).date()
    tried = db.scalar(
        select(ModelSignal.id).where(
            ModelSignal.position_id == position.id,
            ModelSignal.reason == STOP_REASON,
            ModelSignal.signal_date == day,
        )
    )
    if tried is not None:
        return
    tick = trading.exchange.last_tick(position.symbol)
    close = tick.last_price if tick is not None else position.entry_price
    signal = signals.exit_signal(
        db, portfolio, position, close=close, day=day, reason=STOP_REASON, clock=trading.clock
    )
    signals.place(db, [signal], trading=trading, auto=True)  # notify: an automatic exit
    done.stopped_out.append(signal.id)


def drift(db: Session, portfolio: ModelPortfolio) -> list[str]:
    """Instruments where the portfolio's open positions and its book differ and nothing
    explains it (an order of the book still working, part filled, is waiting to be booked):
    a sale nobody booked to the portfolio (a broker's own square-off reported without the
    portfolio's tags, a corporate action), or shares bought there by another hand. Every
    sale in the book by anyone is booked to the positions by the fill subscriber
    (`fills.sold_by_other`), so this stays empty unless something bypassed it."""
    wanted: dict[str, int] = {}
    db.flush()  # the pass's own changes: read as the transaction sees them
    for symbol, quantity in _HELD.rows(db, {"portfolio_id": portfolio.id}):
        wanted[symbol] = wanted.get(symbol, 0) + quantity
    held = book_held.held(db, portfolio)
    differ = {s for s in wanted.keys() | held.keys() if wanted.get(s, 0) != held.get(s, 0)}
    if not differ:
        return []
    book = book_held.book_of(portfolio)
    working = db.execute(
        select(Order.exchange, Order.tradingsymbol).where(
            Order.user_id == portfolio.user_id,
            Order.book == books.parent_of(book),
            Order.status.in_(PENDING),
            Order.owned_by(portfolio_owner(portfolio.id)),
        )
    )
    return sorted(differ - {f"{exchange}:{symbol}" for exchange, symbol in working})
