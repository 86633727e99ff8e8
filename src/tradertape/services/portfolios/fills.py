"""A model portfolio's fills, booked to its position and money by the OMS's fill events.

The ledger books every fill of a portfolio, and charges it there, once, by the one charges
module: a virtual fill (a ``close``/``next_open`` paper portfolio's, in its own book,
``portfolio:<id>``, as its own contract note), the local agent's reported fill (handed to
the OMS as an `ExternalFill` by the agent's results, `services.agent.signals`, in the
portfolio's broker book ``live:<broker>``), and the fills of the orders the server placed
for it (a ``paper_fill: gtt`` entry's GTT that fired, an exit order or exit GTT, a standing
stop GTT that fired: paper in its book, live in its broker's). This watcher
(`OrderEvents.watch`, wired by the composition root) hears those events in the fill's
transaction and books the portfolio's side, `positions.fill_entry` or `fill_exit`, by the
ledger's figures: price, IST day and the charges it booked. So one write path books every
portfolio fill, and no second charge figure exists.

A portfolio's positions are its book's: an order in its book that names no signal of it and
is no stop is another hand's (an MTM exit rule's, a manual exit placed in that book), and
its sale, once done, closes or reduces the portfolio's open positions in the symbol, oldest
first, recorded as by whom (`sold_by_other`); so no sale in the book leaves the positions
wrong, whoever placed it.

What a fill is to the portfolio is said by its order's attribution: the portfolio, the
signal and, for an agent's or a virtual fill, the leg (`attribution`, `book_virtual`; a
virtual exit names its position and why, a virtual entry whether it was earmarked). A
server-placed order names the portfolio and its signal (an entry's or an exit's), or only
the portfolio for a stop GTT's, whose position is the one standing on that trigger.

A server-placed order is booked once, when it is done, at its aggregate fill (the quantity,
the value and the charges of all its fills): an entry when it completes, or ends (cancelled,
expired) part filled, so its earmark (``committed``) is released once, whole, and capital is
the filled part's cost and charges to the paisa; a sale only when it completes (a position is
sold whole; an exit that ends unfilled or part filled gives the position back to its stop,
`reconcile`). An order's fills before its final one are in the ledger already (their trades),
and those of the final transaction come with its events. Why once and not fill by fill: the
earmark, the signal's quantity, the add-on count and the stop are the whole order's, and a
position grown fill by fill would re-size its stop and its notices at every part; the cost
is that while an order works part filled, the portfolio's row waits for it to end (its book
holds the part already). Booking is idempotent on the
signal's leg, kept in the database (an entry's signal is ``filled``, a sold position
``closed``), so no event heard twice and no later pass books it again; the reconciliation
pass books nothing, and says so loudly when it finds a filled order that nobody booked (a
process with no watcher wired).

Why a watcher and not a call after the OMS returns: what books the portfolio is said by the
fill itself, whoever records it (the paper venue's tick, a fired GTT, a broker's report),
and a fill the OMS does not record (a repeat of its client key) books nothing here either.

Locks: a watcher runs while the ledger's lock is held. Whoever records a portfolio's fill
took the portfolio's lock before the ledger's: the OMS, wherever it books a fill of an order
whose attribution names a portfolio (`oms.portfolio_books`: its external-fill command, a
paper placement that may match at once, the paper matching of working orders and the
session jobs, a live broker's report applied), and a virtual fill's caller (`money.hold`,
before it asks the OMS to book). So `money.hold` here asks for a lock its transaction holds
already: the order portfolio → ledger is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Order, Trade
from tradertape.domain.money import average_price, paise, plain
from tradertape.domain.signals import SignalStatus
from tradertape.oms import OmsEvent, OrderFilled, OrderUpdate, PortfolioBooks, portfolio_named
from tradertape.ports.clock import IST, Clock
from tradertape.services.portfolios import money
from tradertape.services.portfolios.positions import (
    exit_signal,
    fill_entry,
    fill_exit,
    filled,
    sell_part,
)
from tradertape.services.portfolios.stops import REASON as STOP_REASON

log = logging.getLogger("tradertape.portfolios.fills")

#: The source of an agent's fill (`ExternalFill.source`).
SOURCE = "agent"
#: The source of a paper portfolio's virtual fill (the OMS's, `oms.paper.virtual_fill`).
VIRTUAL = "virtual"
#: The legs of a signal a fill can be: the entry's, the exit signal's, the stop GTT's.
ENTRY, EXIT, STOP = "entry", "exit", "stop"
LEGS = (ENTRY, EXIT, STOP)
_BOOKED = "tradertape.portfolio_fills.booked"  # Session.info: (signal id, leg) booked here
_OPENED = "tradertape.portfolio_fills.opened"  # Session.info: signal id -> position it booked
_SOURCES = (SOURCE, VIRTUAL)


def attribution(portfolio_id: int, signal_id: int, leg: str) -> dict[str, Any]:
    """What an agent's fill carries so that this watcher books it (and whose it is)."""
    assert leg in LEGS
    return {
        "mode": "live",
        "executor": SOURCE,
        "portfolio_id": portfolio_id,
        "signal_id": signal_id,
        "leg": leg,
    }


class PortfolioFills:
    """An `OrderEvents` watcher booking each portfolio fill (an agent's, a virtual one, or
    a server-placed order's) to its portfolio's position and money (see the module)."""

    def __init__(self, *, clock: Clock, notices: Clock | None = None) -> None:
        self._clock = clock  # when the position row says it changed (market time)
        self._notices = notices  # what its fill notices are stamped with (real time)

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        for event in events:
            if not isinstance(event, OrderUpdate):
                continue
            if event.source not in _SOURCES:
                if _done_filled(event) and portfolio_named(event.attribution) is not None:
                    self._book_placed(db, events, event)
                continue
            if not isinstance(event, OrderFilled):
                continue
            if portfolio_named(event.attribution) is None or "leg" not in event.attribution:
                # a fill of no portfolio, or one that names no leg of a signal (a position
                # seeded straight into a portfolio's book): the ledger's alone. Its
                # recorders that mean the portfolio's side name the leg and check it was
                # booked (`booked`), so a missing watcher or tag cannot pass unseen.
                continue
            self._book(db, event)
            done: set[tuple[Any, Any]] = db.info.setdefault(_BOOKED, set())
            done.add((event.attribution.get("signal_id"), event.attribution.get("leg")))

    def _book(self, db: Session, event: OrderFilled) -> None:
        tags = event.attribution
        portfolio, signal, leg = _named(db, tags)
        day = event.ts_event.astimezone(IST).date()
        price = plain(event.fill_price)  # the ledger's figure, as the fill was reported
        if leg == ENTRY:
            db.info.setdefault(_OPENED, {})[signal.id] = fill_entry(
                db,
                portfolio,
                signal,
                price=price,
                charges=event.charges,
                day=day,
                clock=self._clock,
                notices=self._notices,
                # an agent's entry always waited earmarked; a virtual one says if it did
                committed=bool(tags.get("earmarked", True)),
            )
            return
        held = tags.get("position_id", signal.position_id)  # a virtual exit names its own
        position = db.get(ModelPosition, held) if isinstance(held, int) else None
        if position is None:
            raise LookupError(f"fill of signal {signal.id}: it has no position to sell")
        reason = str(tags.get("reason") or "") or (
            STOP_REASON if leg == STOP else (signal.reason or "exit")
        )
        fill_exit(
            portfolio,
            position,
            price=price,
            charges=event.charges,
            day=day,
            reason=reason,
            clock=self._clock,
            notices=self._notices,
        )

    def _book_placed(self, db: Session, events: Sequence[OmsEvent], done: OrderUpdate) -> None:
        """Book a server-placed order of the portfolio that is `done` (see the module)."""
        tags = done.attribution
        found = _leg_of(db, done)
        portfolio = db.get(ModelPortfolio, portfolio_named(tags))
        if portfolio is None:
            raise LookupError(f"order {done.order_id} names no portfolio: {dict(tags)}")
        if found is None:  # another hand's order in the portfolio's book (an MTM exit's)
            if done.transaction_type == _SELL and done.product == _CNC:
                symbol = f"{done.exchange}:{done.tradingsymbol}"
                fill = _aggregate(db, events, done)
                sold_by_other(
                    db, portfolio, symbol, fill, done.order_id, hand_of(done), clock=self._clock
                )
            return
        leg, signal, position = found
        if signal is not None and leg == ENTRY:
            book_entry(
                db,
                portfolio,
                signal,
                done.order_id,
                lambda: _aggregate(db, events, done),
                clock=self._clock,
            )
            return
        if done.status != _COMPLETE:
            return  # a position is sold whole: a sale that ended short gives it back its stop
        book_exit(
            db,
            portfolio,
            position,
            signal,
            done.order_id,
            lambda: _aggregate(db, events, done),
            clock=self._clock,
        )


def book_entry(
    db: Session,
    portfolio: ModelPortfolio,
    signal: ModelSignal,
    order_id: str,
    fill_of: Callable[[], OrderFill],
    *,
    clock: Clock,
    notices: Clock | None = None,
) -> None:
    """Book a server-placed entry (or add-on) that ended with `fill_of()` filled: once per
    leg (a signal already ``filled`` is booked). The watcher's and the catch-up's one path."""
    if signal.gtt_status == "filled":
        return  # its entry is booked: once per leg
    fill = fill_of()
    signal.order_id = order_id
    signal.quantity = fill.quantity  # what filled: its position's size
    fill_entry(
        db,
        portfolio,
        signal,
        price=average_price(fill.value, fill.quantity),
        cost=fill.value,
        charges=fill.charges,
        day=fill.day,
        clock=clock,
        notices=notices,
        committed=True,  # a server-placed entry waited earmarked at the broker
    )
    filled(signal, clock=clock)


def book_exit(
    db: Session,
    portfolio: ModelPortfolio,
    position: ModelPosition | None,
    signal: ModelSignal | None,
    order_id: str,
    fill_of: Callable[[], OrderFill],
    *,
    clock: Clock,
    notices: Clock | None = None,
) -> None:
    """Book a server-placed sale that completed with `fill_of()` filled: an exit signal's
    (its position is the signal's) or a stop's (`position`, no signal). Once: a position
    closed already is not sold again."""
    if signal is not None:
        position = db.get(ModelPosition, signal.position_id or 0)
    if position is None or position.status == "closed":
        return  # sold and booked already (a stop and an exit are never both sent)
    fill = fill_of()
    fill_exit(
        portfolio,
        position,
        price=average_price(fill.value, fill.quantity),
        proceeds=fill.value,
        charges=fill.charges,
        day=fill.day,
        reason=STOP_REASON if signal is None else (signal.reason or "exit"),
        clock=clock,
        notices=notices,
    )
    if signal is not None:
        signal.order_id = order_id
        filled(signal, clock=clock)


#: Why a position was sold by an order the portfolio did not place, by the order's source.
HANDS = {"mtm_exit": "mtm_exit", "squareoff": "square_off", "expiry": "expiry"}
MANUAL = "manual"  # a sale by hand (the order ticket, Positions' Exit, the agent's report)
_SELL, _CNC = "SELL", "CNC"


def hand_of(event: OrderUpdate) -> str:
    """Whose sale `event`'s order is, as a position's ``exit_reason``: an MTM exit rule's,
    the session's square-off, an expiry, else a sale by hand."""
    return HANDS.get(event.source, MANUAL)


def sold_by_other(
    db: Session,
    portfolio: ModelPortfolio,
    symbol: str,
    fill: OrderFill,
    order_id: str,
    reason: str,
    *,
    clock: Clock,
) -> list[ModelPosition]:
    """Book a sale in the portfolio's book that the portfolio did not place (an MTM exit, a
    manual exit, a square-off): its open positions in `symbol` give up the shares, oldest
    first (FIFO, as the holdings' cost is taken), each whole or in part, with an exit signal
    that names the order and who sold (`reason`), so the position's money reads the sale's
    trades (`position_money`) and the activity list says what happened. Shares beyond what
    the portfolio holds are left to reconciliation's drift. The positions it sold."""
    money.hold(db, portfolio)
    held = db.scalars(
        select(ModelPosition)
        .where(
            ModelPosition.portfolio_id == portfolio.id,
            ModelPosition.symbol == symbol,
            ModelPosition.status.in_(_HELD),
        )
        .order_by(ModelPosition.entry_date, ModelPosition.id)
    ).all()
    price = fill.value / fill.quantity
    left, value_left, charges_left = fill.quantity, fill.value, fill.charges
    sold: list[ModelPosition] = []
    for position in held:
        if left == 0:
            break
        part = min(left, position.quantity)
        last = part == left
        value = value_left if last else paise(fill.value * part / fill.quantity)
        charges = charges_left if last else paise(fill.charges * part / fill.quantity)
        left, value_left, charges_left = left - part, value_left - value, charges_left - charges
        signal = exit_signal(
            db, portfolio, position, close=price, day=fill.day, reason=reason, clock=clock
        )
        signal.quantity, signal.amount, signal.order_id = part, value, order_id
        signal.status = SignalStatus.EXECUTED.value
        signal.executed_at, signal.gtt_status = clock.now(), "filled"
        sell_part(
            portfolio,
            position,
            quantity=part,
            price=price,
            proceeds=value,
            charges=charges,
            day=fill.day,
            reason=reason,
            clock=clock,
        )
        sold.append(position)
    if left:
        log.warning(
            "portfolio %s: order %s sold %s %s more than its positions held",
            portfolio.id,
            order_id,
            left,
            symbol,
        )
    return sold


_HELD = ("open", "exit_pending")


def ledger_fill(db: Session, order: Order) -> OrderFill:
    """A done order's fills as the ledger booked them (its trades, every one committed)."""
    rows = db.execute(
        select(Trade.quantity, Trade.price, Trade.charges, Trade.filled_at).where(
            Trade.order_pk == order.id
        )
    ).all()
    fills = [(q, p, c, at) for q, p, c, at in rows]
    return _total(order.order_id, order.filled_quantity, fills)


def catch_up(order: Order, what: str) -> None:
    """Say that reconciliation books a done order its fill event did not book: one filled
    before the watcher booked server-placed orders (an upgrade), or a live GTT's order that
    broker reconciliation adopted before the GTT was linked (its events named no portfolio).
    Booked by the same path (`book_entry`/`book_exit`) from the ledger's trades."""
    log.warning(
        "order %s (%s, %s filled) was not booked by its fill event: %s booked by reconciliation",
        order.order_id,
        order.status,
        order.filled_quantity,
        what,
    )


#: The source of an order a GTT placed when it fired (`oms`: paper and live alike).
GTT_SOURCE = "gtt"
_COMPLETE = "COMPLETE"
_ENDED = frozenset({_COMPLETE, "CANCELLED", "REJECTED"})


def _done_filled(event: OrderUpdate) -> bool:
    """Whether `event` ends its order with something filled (the change into its end)."""
    return (
        event.status in _ENDED and event.previous_status not in _ENDED and event.filled_quantity > 0
    )


def _leg_of(
    db: Session, done: OrderUpdate
) -> tuple[str, ModelSignal | None, ModelPosition | None] | None:
    """Which leg a server-placed order is: its signal's entry or exit, or a position's stop
    (None: an order of the portfolio's that is neither)."""
    signal_id = done.attribution.get("signal_id")
    if isinstance(signal_id, int) and not isinstance(signal_id, bool):
        signal = db.get(ModelSignal, signal_id)
        if signal is None or signal.portfolio_id != portfolio_named(done.attribution):
            # tags of no signal of the portfolio's: the ledger's alone, said in the log
            log.warning("order %s names no signal %s of its portfolio", done.order_id, signal_id)
            return None
        return (EXIT if signal.signal_type == "exit" else ENTRY), signal, None
    position = _stopped(db, done) if done.source == GTT_SOURCE else None
    return None if position is None else (STOP, None, position)


def _stopped(db: Session, event: OrderUpdate) -> ModelPosition | None:
    """The position whose stop GTT placed `event`'s order (a live GTT's order names its
    trigger; a paper one's key does: ``gtt:<id>``), or None."""
    gtt_id = event.attribution.get("gtt_id")
    if not isinstance(gtt_id, int):
        key = db.scalar(
            select(Order.client_key).where(
                Order.user_id == event.user_id, Order.order_id == event.order_id
            )
        )
        head, _, tail = (key or "").partition(":")
        if head != GTT_SOURCE or not tail.isdigit():
            return None
        gtt_id = int(tail)
    return db.scalar(
        select(ModelPosition).where(
            ModelPosition.portfolio_id == portfolio_named(event.attribution),
            ModelPosition.stop_gtt_id == gtt_id,
        )
    )


@dataclass(frozen=True, slots=True)
class OrderFill:
    """An order's fills together: shares, value (price × quantity of each), charges, and
    the IST day of the last."""

    quantity: int
    value: Decimal
    charges: Decimal
    day: date


def _aggregate(db: Session, events: Sequence[OmsEvent], done: OrderUpdate) -> OrderFill:
    """All of `done`'s order's fills: those of earlier transactions from the ledger's
    trades, those of this one from its events (their trades are not written yet)."""
    ours = [e for e in events[: events.index(done) + 1] if isinstance(e, OrderFilled)]
    first = events[0]
    assert isinstance(first, OrderUpdate)
    before = first.filled_quantity - (first.fill_quantity if isinstance(first, OrderFilled) else 0)
    fills: list[tuple[int, Decimal, Decimal, datetime]] = []
    if before > 0:
        for quantity, price, charges, at in db.execute(
            select(Trade.quantity, Trade.price, Trade.charges, Trade.filled_at)
            .join(Order, Order.id == Trade.order_pk)
            .where(Order.user_id == done.user_id, Order.order_id == done.order_id)
        ):
            fills.append((quantity, price, charges, at))
    fills += [(e.fill_quantity, plain(e.fill_price), e.charges, e.ts_event) for e in ours]
    return _total(done.order_id, done.filled_quantity, fills)


def _total(
    order_id: str, filled_quantity: int, fills: list[tuple[int, Decimal, Decimal, datetime]]
) -> OrderFill:
    """The fills of one order together; they must add up to what the order says filled."""
    total = sum(q for q, _, _, _ in fills)
    if total != filled_quantity or not fills:
        raise RuntimeError(f"order {order_id}: {filled_quantity} filled, {total} found booked")
    return OrderFill(
        quantity=total,
        value=sum((p * q for q, p, _, _ in fills), Decimal(0)),
        charges=sum((c for _, _, c, _ in fills), Decimal(0)),
        day=max(at for _, _, _, at in fills).astimezone(IST).date(),
    )


def _named(db: Session, tags: Mapping[str, Any]) -> tuple[ModelPortfolio, ModelSignal, str]:
    """The portfolio, signal and leg a fill's attribution names (a portfolio's fill without
    the other two is a programming error: its recorders always name them)."""
    portfolio_id, signal_id, leg = portfolio_named(tags), tags.get("signal_id"), tags.get("leg")
    portfolio = db.get(ModelPortfolio, portfolio_id) if portfolio_id is not None else None
    signal = db.get(ModelSignal, signal_id) if isinstance(signal_id, int) else None
    if portfolio is None or signal is None or leg not in LEGS:
        raise LookupError(f"a portfolio's fill names no portfolio, signal and leg: {dict(tags)}")
    return portfolio, signal, str(leg)


_OPEN, _CLOSE = time(9, 15), time(15, 30)


def book_virtual(
    exchange: PortfolioBooks,
    db: Session,
    portfolio: ModelPortfolio,
    *,
    symbol: str,
    buy: bool,
    quantity: int,
    price: Decimal,
    day: date,
    at_open: bool,
    signal_id: int | None,
    earmarked: bool = False,
    position_id: int | None = None,
    reason: str = "exit",
) -> Decimal:
    """Book a virtual fill (at ``day``'s open or close) in the portfolio's book, as every
    other fill is booked: the account's orders, trades, positions and funds show it, and
    its fill event books the portfolio's position and money (this module's watcher). A buy
    is `signal_id`'s entry (or add-on), which had `earmarked` its amount while it waited; a
    sale sells the whole of position `position_id`, for `reason`. The caller holds the
    portfolio's lock (`money.hold`) already: the OMS takes the ledger's after it. The
    charges the ledger booked for it: the one figure its position and capital took."""
    leg = ENTRY if buy else EXIT
    tags: dict[str, Any] = {
        "portfolio_id": portfolio.id,
        "signal_id": signal_id,
        "paper_fill": portfolio.paper_fill,
        "leg": leg,
    }
    if buy:
        tags["earmarked"] = earmarked
    else:
        tags.update(position_id=position_id, reason=reason)
    charges = exchange.book_virtual_fill(
        db,
        user_id=portfolio.user_id,
        key=symbol,
        buy=buy,
        quantity=quantity,
        price=price,
        at=datetime.combine(day, _OPEN if at_open else _CLOSE, IST),
        attribution=tags,
    )
    if signal_id is None or not booked(db, signal_id, leg):
        # wired wherever the OMS is (the composition root): a fill it did not hear is a
        # wiring fault, and the ledger's fill must not commit without the portfolio's side
        raise RuntimeError(
            f"portfolio {portfolio.id}: a virtual {leg} fill of {symbol} was not booked to it"
            " (no PortfolioFills watcher on the OMS's events)"
        )
    return charges


def booked(db: Session, signal_id: int, leg: str) -> bool:
    """Whether this watcher booked a fill of `signal_id`'s `leg` in `db`'s transaction
    since last asked (the caller that handed the fill to the OMS checks it was heard)."""
    done: set[tuple[Any, Any]] = db.info.get(_BOOKED, set())
    found = (signal_id, leg) in done
    done.discard((signal_id, leg))
    return found


def opened(db: Session, signal: ModelSignal) -> ModelPosition:
    """The position `signal`'s entry fill opened (or added to), as this watcher booked it
    in `db`'s transaction: the session keeps a flushed row only weakly, so asking it by id
    read the row back once per virtual entry."""
    found: ModelPosition | None = db.info.get(_OPENED, {}).pop(signal.id, None)
    if found is None or found not in db or found.id != signal.position_id:
        found = db.get(ModelPosition, signal.position_id or 0)
    if found is None:
        raise LookupError(f"signal {signal.id}: its entry fill opened no position")
    return found
