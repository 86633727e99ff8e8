"""The agent's fills, booked to their model portfolio by the OMS's fill event.

The local agent reports a fill; the agent's results (`services.agent.signals`) hand it to
the OMS as an `ExternalFill`, and the ledger books it in the portfolio's broker book
(``live:<broker>``) and charges it there, once, by the one charges module. This watcher
(`OrderEvents.watch`, wired by the composition root) hears that fill's `OrderFilled` in the
same transaction and books the portfolio's side of it, `positions.fill_entry` or
`fill_exit`, by the event's figures: its price, its IST day and the charges the ledger
booked. So one write path books an agent's fill, and the portfolio's charges and realised
P&L are the ledger's figure, never a second contract note.

Why a watcher and not a call after the OMS returns: what books the portfolio is then said
by the fill itself (its attribution: portfolio, signal and leg), whoever records it, and a
fill the OMS does not record (a repeat of its client key) books nothing here either.

Locks: a watcher runs while the ledger's lock is held. The OMS's external-fill command took
the portfolio's lock before the ledger's (`oms.portfolio_books`), so `money.hold` here asks
for a lock its transaction holds already: the order portfolio → ledger is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal
from tradertape.domain.money import plain
from tradertape.oms import OmsEvent, OrderFilled, portfolio_named
from tradertape.ports.clock import IST, Clock
from tradertape.services.portfolios.positions import fill_entry, fill_exit
from tradertape.services.portfolios.stops import REASON as STOP_REASON

#: The source of an agent's fill (`ExternalFill.source`).
SOURCE = "agent"
#: The legs of a signal a fill can be: the entry's, the exit signal's, the stop GTT's.
ENTRY, EXIT, STOP = "entry", "exit", "stop"
LEGS = (ENTRY, EXIT, STOP)
_BOOKED = "tradertape.agent_fills.booked"  # Session.info: (signal id, leg) booked here


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


class AgentFills:
    """An `OrderEvents` watcher booking each agent fill to its portfolio's position and
    money (see the module)."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock  # when the position row says it changed (market time)

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        for event in events:
            if not isinstance(event, OrderFilled) or event.source != SOURCE:
                continue
            if portfolio_named(event.attribution) is None:
                continue  # an agent's fill of no portfolio: the ledger's alone
            self._book(db, event)
            done: set[tuple[Any, Any]] = db.info.setdefault(_BOOKED, set())
            done.add((event.attribution.get("signal_id"), event.attribution.get("leg")))

    def _book(self, db: Session, event: OrderFilled) -> None:
        portfolio, signal, leg = _named(db, event.attribution)
        day = event.ts_event.astimezone(IST).date()
        price = plain(event.fill_price)  # the ledger's figure, as the agent reported it
        if leg == ENTRY:
            fill_entry(
                db,
                portfolio,
                signal,
                price=price,
                charges=event.charges,
                day=day,
                clock=self._clock,
                committed=True,
            )
            return
        position = db.get(ModelPosition, signal.position_id) if signal.position_id else None
        if position is None:
            raise LookupError(f"agent fill of signal {signal.id}: it has no position to sell")
        reason = STOP_REASON if leg == STOP else (signal.reason or "exit")
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
    """The portfolio, signal and leg an agent fill's attribution names (a portfolio's fill
    without the other two is a programming error: the agent's results always name them)."""
    portfolio_id, signal_id, leg = portfolio_named(tags), tags.get("signal_id"), tags.get("leg")
    portfolio = db.get(ModelPortfolio, portfolio_id) if portfolio_id is not None else None
    signal = db.get(ModelSignal, signal_id) if isinstance(signal_id, int) else None
    if portfolio is None or signal is None or leg not in LEGS:
        raise LookupError(f"an agent fill names no portfolio, signal and leg: {dict(tags)}")
    return portfolio, signal, str(leg)


def booked(db: Session, signal_id: int, leg: str) -> bool:
    """Whether this watcher booked a fill of `signal_id`'s `leg` in `db`'s transaction
    since last asked (the caller that handed the fill to the OMS checks it was heard)."""
    done: set[tuple[Any, Any]] = db.info.get(_BOOKED, set())
    found = (signal_id, leg) in done
    done.discard((signal_id, leg))
    return found
