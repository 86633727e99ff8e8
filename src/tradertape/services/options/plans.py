"""What an option run's entry or exit sends, leg by leg, and each leg's state.

A *plan* is the list of orders an entry or an exit sends, in the order they go: bought
legs first on entry (the hedge stands before a sold leg asks for margin), shorts bought
back first on exit (no moment holds a naked short). Each planned leg carries the client
key its order is placed with (unique per run, action key and leg), so sending a leg twice
answers the first order, and the order id once the order is recorded.

A leg's state is read from its orders, never stored beside them: ``queued`` (not sent
yet), ``sent`` (recorded; the broker's answer not in yet), ``open`` (working at the
venue), ``filled``, ``rejected``, ``cancelled``, ``skipped`` (an earlier leg failed, so
it was never sent), then on the way out ``unwinding``/``unwound`` (a partial entry's
automatic exit) or ``exiting``/``closed``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerOptionRun, WorkerRun
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import PENDING, OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.oms import UNPLACED
from tradertape.services.options.metrics import Position
from tradertape.services.workers.intents import WorkerOrder
from tradertape.services.workers.placement import client_key

UNWIND = "unwind"  # the exit reason of a partial entry's automatic exit
OPEN_STATES = frozenset({"sent", "open"})


def order_fields(leg: dict[str, Any], side: str, quantity: int, *, exit_: bool) -> dict[str, Any]:
    """The order a leg sends, as the worker contract writes orders (an exit goes at market)."""
    order_type = "MARKET" if exit_ else leg["order_type"]
    fields: dict[str, Any] = {
        "exchange": "NFO",
        "tradingsymbol": leg["tradingsymbol"],
        "transaction_type": side,
        "variety": "regular",
        "product": leg["product"],
        "order_type": order_type,
        "quantity": quantity,
        "validity": "DAY",
    }
    if order_type == "LIMIT":
        fields["price"] = leg["price"]
    if leg.get("market_protection") is not None:
        fields["market_protection"] = leg["market_protection"]
    return fields


def worker_order(fields: dict[str, Any]) -> WorkerOrder:
    """The fields as the domain reads them."""
    price = fields.get("price")
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=fields["tradingsymbol"],
        transaction_type=TransactionType(fields["transaction_type"]),
        quantity=fields["quantity"],
        product=Product(fields["product"]),
        order_type=OrderType(fields["order_type"]),
        price=Decimal(str(price)) if price is not None else None,
        market_protection=fields.get("market_protection"),
    )
    return WorkerOrder(spec=spec, fields=fields)


def entry_legs(option: WorkerOptionRun) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(leg, order fields) of the entry, bought legs first."""
    legs = sorted(option.legs, key=lambda leg: leg["transaction_type"] != "BUY")
    return [
        (leg, order_fields(leg, leg["transaction_type"], leg["quantity"], exit_=False))
        for leg in legs
    ]


def exit_legs(
    option: WorkerOptionRun, held: dict[str, Position], covering: dict[str, int]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(leg, order fields) that flatten what is held, shorts bought back first.

    `covering` is the signed quantity exit orders still working will trade (a sent exit
    whose fill is not booked yet): it is not sent again.
    """
    by_symbol = {leg["tradingsymbol"]: leg for leg in option.legs}
    out = []
    for symbol, pos in sorted(held.items(), key=lambda p: p[1].net > 0):
        left = pos.net + covering.get(symbol, 0)
        if left == 0 or symbol not in by_symbol:
            continue
        leg, side = by_symbol[symbol], "SELL" if left > 0 else "BUY"
        out.append((leg, order_fields(leg, side, abs(left), exit_=True)))
    return out


def action_key(option: WorkerOptionRun, action: str, given: str | None, fields: list[Any]) -> str:
    """The action's idempotency key: the caller's, or one derived from its orders."""
    if given:
        return given
    legs = "|".join(f"{f['tradingsymbol']}:{f['quantity']}" for f in fields)
    digest = hashlib.sha1(legs.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"options-{action}:{option.id}:{digest}"


def basket_id(run: WorkerRun, key: str) -> str:
    """The ``bex_…`` id the worker contract names a basket by."""
    return "bex_" + hashlib.sha1(f"{run.id}:{key}".encode(), usedforsecurity=False).hexdigest()[:20]


def plan(
    run: WorkerRun, key: str, legs: list[tuple[dict[str, Any], dict[str, Any]]], *, start: int = 0
) -> list[dict[str, Any]]:
    """The planned legs, each with its order's fields and client key; none sent yet.
    `start`: the first leg's index, for legs added to a plan (their keys its own)."""
    return [
        {
            "leg_index": index,
            "leg_id": leg["leg_id"],
            "order": fields,
            "client_key": client_key(run, key, index),
            "order_id": None,
            "skipped": False,
        }
        for index, (leg, fields) in enumerate(legs, start=start)
    ]


def planned_orders(db: Session, records: Iterable[dict[str, Any]]) -> dict[str, Order]:
    """The orders the records' legs were sent as, by order id."""
    ids = [s["order_id"] for r in records for s in r.get("plan") or [] if s.get("order_id")]
    if not ids:
        return {}
    return {o.order_id: o for o in db.scalars(select(Order).where(Order.order_id.in_(ids)))}


def order_state(order: Order) -> str:
    """A sent leg's state from its order."""
    if order.status == UNPLACED:
        return "sent"
    if order.status in PENDING:
        return "open"
    status = OrderStatus(order.status)
    if status is OrderStatus.COMPLETE:
        return "filled"
    if status is OrderStatus.REJECTED:
        return "rejected"
    return "filled" if order.filled_quantity else "cancelled"  # the rest cancelled


def step_state(step: dict[str, Any], orders: dict[str, Order]) -> str:
    """A planned leg's state: its order's, or ``queued``/``skipped`` before one exists."""
    order = orders.get(step.get("order_id") or "")
    if order is None:
        return "skipped" if step.get("skipped") else "queued"
    return order_state(order)


def failed(step: dict[str, Any], orders: dict[str, Order]) -> bool:
    """The leg will never trade: refused, cancelled unfilled, or skipped."""
    return step_state(step, orders) in ("rejected", "cancelled", "skipped")


def record_status(record: dict[str, Any], orders: dict[str, Order]) -> str:
    """The basket's word for a plan: ``submitting`` while legs wait to be sent, then
    ``success`` (no leg failed), ``partial`` or ``failed`` (none stands)."""
    steps = record.get("plan", [])
    states = [step_state(s, orders) for s in steps]
    if "queued" in states:
        return "submitting"
    bad = sum(1 for s in steps if failed(s, orders))
    if not bad:
        return "success"
    return "failed" if bad == len(steps) else "partial"


def leg_states(option: WorkerOptionRun, orders: dict[str, Order]) -> dict[str, dict[str, Any]]:
    """Per leg id: its state now, the order ids of its entry and exit, and why it failed."""
    out: dict[str, dict[str, Any]] = {}
    for step in option.entry.get("plan", []):
        order = orders.get(step.get("order_id") or "")
        out[step["leg_id"]] = {
            "state": step_state(step, orders),
            "entry_order_id": step.get("order_id"),
            "exit_order_id": None,
            "state_message": order.status_message if order is not None else None,
        }
    unwinding = option.exit.get("reason") == UNWIND
    for step in option.exit.get("plan", []):
        shown = out.setdefault(step["leg_id"], {"state": None, "entry_order_id": None})
        state = step_state(step, orders)
        order = orders.get(step.get("order_id") or "")
        if state in ("queued", "sent", "open"):
            word = "unwinding" if unwinding else "exiting"
        elif state == "filled":
            word = "unwound" if unwinding else "closed"
        else:
            word = f"exit_{state}"
        shown |= {
            "state": word,
            "exit_order_id": step.get("order_id"),
            "state_message": order.status_message if order is not None else None,
        }
    return out
