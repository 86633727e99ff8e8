"""Notifications of orders, from the OMS's events: a fill, a broker's refusal, a GTT fired.

`OrderNotices` watches the OMS's events (`OrderEvents.watch`) and writes the notification of
each one worth telling in the transaction that records it, so it is stored exactly once,
with the change, whichever venue or caller made it: the bell lists it and Telegram sends it
(`tradertape.telegram`). What is told:

- ``fill``: each fill of an order, with its quantity, price and book, but for one the user
  placed (source ``api``: the ticket, the Kite-compatible API) that filled as it was placed
  (its acceptance and fill are one change, the paper exchange's market order): the answer
  to the placement said so already, and a notice per such order would cost every order a
  write. A limit order that fills later, on a tick or at the broker, is told.
- ``rejected``: an order refused by a venue that answers after its caller was answered (a
  live broker, `VenueTraits.answers_at_once` false); a venue that answers at once (the
  paper exchange) gave its refusal to the caller, as the order ticket shows it.
- ``gtt_triggered``: a trigger that fired, and which leg.

What is not told here, because someone else tells it, each order owner's policy says
(`oms.owners`; the policy is in the owner's package, ``services/<it>/owner.py``):

- a model portfolio's fills and fired stops: they are told as a position opened or closed,
  with its P&L (`services.portfolios.positions`, which writes them itself); a broker's
  refusal of a portfolio's order is told here (nobody else tells it: the auto-place notice
  said "placed" when the order was sent);
- a worker run's fills: they are the run's timeline (`services.workers.order_journal`),
  where its author reads them; a run's broker refusal and its GTTs firing are real money
  without a person watching, so those are told;
- what the callers who placed the order tell with their own notice: an alert's order (its
  ``alert`` notice says the outcome), a webhook's (``webhook``), an MTM exit's
  (``risk_breach``, whoever's position it closed) and an order adopted from the broker by
  reconciliation (``drift``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.books import book_words
from tradertape.domain.instrument_names import instrument_label
from tradertape.domain.money import inr
from tradertape.oms import (
    GttTriggered,
    OmsEvent,
    OrderAccepted,
    OrderFilled,
    tells,
)
from tradertape.services import order_owners  # noqa: F401  (registers every owner's policy)
from tradertape.services.notifications.events import Kind, add


def worth_telling(event: OmsEvent, *, placed_now: bool = False) -> bool:
    """Whether `event` gets a notification from this module: its owner's policy and its
    placer's say so (`oms.tells`, each kind's answer in its package's ``owner.py``);
    `placed_now`: its order was accepted in the same change (its placer was answered)."""
    return tells(event, placed_now=placed_now)


def _name(exchange: str, tradingsymbol: str) -> str:
    return instrument_label(f"{exchange}:{tradingsymbol}")


def _told(event: OmsEvent) -> tuple[Kind, str, dict[str, Any]]:
    name = _name(event.exchange, event.tradingsymbol)
    where = book_words(event.book)
    if isinstance(event, GttTriggered):
        side = "buy" if event.transaction_type == "BUY" else "sell"
        text = (
            f"🎯 GTT #{event.trigger_id} fired: {side} {name}, {event.quantity} at trigger "
            f"{inr(event.trigger_value)} ({where})"
        )
        payload = {"trigger_id": event.trigger_id, "leg": event.leg, "book": event.book}
        return Kind.GTT_TRIGGERED, text, payload
    facts = {"order_id": event.order_id, "book": event.book, "source": event.source}
    if isinstance(event, OrderFilled):
        verb = "Bought" if event.transaction_type == "BUY" else "Sold"
        done = (
            ""
            if event.filled_quantity >= event.quantity
            else (f", {event.filled_quantity} of {event.quantity} so far")
        )
        text = f"✅ {verb} {name}, {event.fill_quantity} @ {inr(event.fill_price)}{done} ({where})"
        payload = {
            **facts,
            "event": "filled",
            "fill_quantity": event.fill_quantity,
            "fill_price": str(event.fill_price),
        }
        return Kind.FILL, text, payload
    side = "buy" if event.transaction_type == "BUY" else "sell"
    why = f": {event.message}" if event.message else ""
    text = f"⛔ {event.broker.capitalize()} rejected your {side} of {name}, {event.quantity}{why}"
    return Kind.REJECTED, text, {**facts, "event": "rejected", "message": event.message}


class OrderNotices:
    """An `OrderEvents` watcher writing the notification of each event worth telling."""

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        # One order's (or one trigger's) events of one change: its acceptance among them
        # means it was just placed, and its placer is being answered with the rest.
        placed_now = any(isinstance(e, OrderAccepted) for e in events)
        for event in events:
            if not worth_telling(event, placed_now=placed_now):
                continue
            kind, text, payload = _told(event)
            add(db, user_id=event.user_id, kind=kind, text=text, at=event.ts_event, payload=payload)
