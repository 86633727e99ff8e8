"""A model portfolio's fills, booked to its position and money by the OMS's fill event.

The ledger books every fill of a portfolio, and charges it there, once, by the one charges
module: a virtual fill (a ``close``/``next_open`` paper portfolio's, in its own book,
``portfolio:<id>``, as its own contract note) and the local agent's reported fill (handed to
the OMS as an `ExternalFill` by the agent's results, `services.agent.signals`, in the
portfolio's broker book ``live:<broker>``). This watcher (`OrderEvents.watch`, wired by the
composition root) hears that fill's `OrderFilled` in the same transaction and books the
portfolio's side of it, `positions.fill_entry` or `fill_exit`, by the event's figures: its
price, its IST day and the charges the ledger booked. So one write path books a
portfolio's fill, and the portfolio's charges and realised P&L are the ledger's figure,
never a second contract note.

What the fill is to the portfolio is said by its attribution (`attribution` for the
agent's, `book_virtual` for a virtual fill): the portfolio, the signal and the
leg (entry, exit or stop); a virtual exit names the position it sells and why, a virtual
entry whether its amount was earmarked while it waited. Why a watcher and not a call after
the OMS returns: what books the portfolio is then said by the fill itself, whoever records
it, and a fill the OMS does not record (a repeat of its client key) books nothing here
either.

Locks: a watcher runs while the ledger's lock is held. Whoever records a portfolio's fill
took the portfolio's lock before the ledger's (the OMS's external-fill command, by the
fill's attribution: `oms.portfolio_books`; a virtual fill's caller, `money.hold`, before it
asks the OMS to book), so `money.hold` here asks for a lock its transaction holds already:
the order portfolio → ledger is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.money import plain
from tradertape.oms import OmsEvent, OrderFilled, PortfolioBooks, portfolio_named
from tradertape.ports.clock import IST, Clock
from tradertape.services.portfolios.positions import fill_entry, fill_exit
from tradertape.services.portfolios.stops import REASON as STOP_REASON

#: The source of an agent's fill (`ExternalFill.source`).
SOURCE = "agent"
#: The source of a paper portfolio's virtual fill (the OMS's, `oms.paper.virtual_fill`).
VIRTUAL = "virtual"
#: The legs of a signal a fill can be: the entry's, the exit signal's, the stop GTT's.
ENTRY, EXIT, STOP = "entry", "exit", "stop"
LEGS = (ENTRY, EXIT, STOP)
_BOOKED = "tradertape.portfolio_fills.booked"  # Session.info: (signal id, leg) booked here
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
    """An `OrderEvents` watcher booking each portfolio fill (an agent's or a virtual one)
    to its portfolio's position and money (see the module)."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock  # when the position row says it changed (market time)

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        for event in events:
            if not isinstance(event, OrderFilled) or event.source not in _SOURCES:
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
            fill_entry(
                db,
                portfolio,
                signal,
                price=price,
                charges=event.charges,
                day=day,
                clock=self._clock,
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
