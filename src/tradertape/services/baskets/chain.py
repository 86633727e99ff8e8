"""A structure built on the option chain, placed as one basket from the desk: the basket
owner's placing command (`baskets.owner`), over the package's leg-by-leg sender.

Its legs go as an option run's entry goes (`plans`): each leg an order with the fields
`plans.order_fields` writes, bought legs first (the hedge stands before a sold leg asks for
margin), one after another through the one `OrderPipeline` with the user's account (paper,
or live at their broker: both switches) by the mechanism an alert's basket shares
(`services.baskets`), so every leg meets the pre-trade gate, the kill switch and SEBI's
order-rate ceiling. A leg refused stops the basket (the rest are
``skipped``: no naked short after its hedge failed) and, as an option run unwinds a
partial entry, the legs that filled are exited at market, shorts bought back first.
Leg states are the plan's words (`plans.order_state`). Each leg's client key comes from
the basket's key, so sending the basket again answers its first orders; a basket sent
without one is keyed by its legs for `KEY_WINDOW` (a minute), not for ever.

The margin before sending is the broker's own basket-margin answer for a live basket
when its adapter can ask (`KnowsBasketMargins`: Kite's ``/margins/basket``, hedges and
positions counted), else the order preview's estimate of the legs together
(`costs.cost_contract`, the paper exchange's table with its hedge credit, each leg in its
underlying's risk class) on that broker's schedule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain import books
from tradertape.domain.utc_times import as_utc
from tradertape.errors import InvalidField
from tradertape.oms import Account
from tradertape.services import baskets
from tradertape.services.options import plans
from tradertape.services.workers import intents
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg

SOURCE = "api"  # a desk order, as the ticket's (the risk events' origin)
Status = Literal["success", "partial", "failed", "unwound"]


@dataclass(frozen=True, slots=True)
class ChainLeg:
    """A leg as the chain's structure holds it: a contract, a side, lots, how it is priced."""

    tradingsymbol: str
    transaction_type: str
    lots: int
    product: str = "NRML"
    order_type: str = "MARKET"
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """One leg's order (None when skipped) and its state in the plan's words."""

    leg_index: int  # its place in the request
    fields: dict[str, Any]
    order: Order | None
    state: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Placed:
    """The basket: each leg in sending order, the unwind's orders, and its word."""

    status: Status
    legs: list[Sent]
    unwind: list[Sent]
    key: str


def _fields(db: Session, workers: WorkerContext, legs: Sequence[ChainLeg]) -> list[dict[str, Any]]:
    """Each leg's order fields in request order (422 naming ``legs[i].field``)."""
    catalog = workers.trading.catalog(db)
    out = []
    for index, leg in enumerate(legs):
        instrument = catalog.find(f"NFO:{leg.tradingsymbol}")
        if instrument is None or instrument.option_type is None:
            raise InvalidField(f"legs[{index}].tradingsymbol", "not a listed option contract")
        if leg.order_type == "LIMIT" and leg.price is None:
            raise InvalidField(f"legs[{index}].price", "a LIMIT leg needs a price")
        if leg.order_type == "MARKET" and leg.price is not None:
            raise InvalidField(f"legs[{index}].price", "a MARKET leg takes no price")
        row = {
            "tradingsymbol": leg.tradingsymbol,
            "product": leg.product,
            "order_type": leg.order_type,
            "price": str(leg.price) if leg.price is not None else None,
        }
        quantity = leg.lots * instrument.lot_size
        out.append(plans.order_fields(row, leg.transaction_type, quantity, exit_=False))
    return out


def _checked(
    db: Session, workers: WorkerContext, fields: list[dict[str, Any]], *, session: bool
) -> list[PricedLeg]:
    """The legs as orders, each checked by the exchange's rules (422 on ``legs[i]``; market
    hours too when `session`: a live broker judges its own) and priced as the preview
    prices them."""
    orders = [plans.worker_order(f) for f in fields]
    try:
        return intents.priced_legs(
            workers, db, orders, intent_type=intents.PLACE_BASKET, session=session
        )
    except InvalidField as exc:  # the worker envelope's path, as the desk's body names it
        raise InvalidField(exc.field.replace("payload.basket.orders", "legs"), exc.message) from exc


def preview(
    db: Session,
    workers: WorkerContext,
    legs: Sequence[ChainLeg],
    *,
    broker: str,
    available: Decimal,
    adapter: object | None = None,
) -> baskets.Margin:
    """The basket's margin and charges before sending (nothing stored): `adapter`'s (a live
    broker's) when it can tell, else the preview's estimate on `broker`'s schedule."""
    fields = _fields(db, workers, legs)
    priced = _checked(db, workers, fields, session=False)  # a preview is asked out of hours too
    return baskets.margin(db, workers, priced, broker=broker, available=available, adapter=adapter)


KEY_WINDOW = timedelta(minutes=1)
"""How long a basket sent without a key is the same basket when sent again (a double
click, a retry): its legs' key covers this window, not all time (the same spread sent an
hour later is a new basket, not an echo of the first)."""


def basket_key(given: str | None, fields: list[dict[str, Any]], *, window: int) -> str:
    """The basket's key: the caller's, or one of its legs in the `window`'th `KEY_WINDOW`
    since the epoch."""
    if given:
        return given
    legs = "|".join(
        f"{f['tradingsymbol']}:{f['transaction_type']}:{f['quantity']}:{f['order_type']}"
        for f in fields
    )
    return hashlib.sha1(f"{window}|{legs}".encode(), usedforsecurity=False).hexdigest()[:16]


def _derived_key(db: Session, fields: list[dict[str, Any]], *, user_id: int, now: datetime) -> str:
    """The legs' key of this window, or of the last one when it was sent less than
    `KEY_WINDOW` ago (a double click across a window's edge still sends once)."""
    window = int(now.timestamp() // KEY_WINDOW.total_seconds())
    last = basket_key(None, fields, window=window - 1)
    sent = db.scalar(
        select(Order.placed_at)
        .where(Order.user_id == user_id, Order.client_key.like(f"chain:{last}:%"))
        .order_by(Order.placed_at)
        .limit(1)
    )
    if sent is not None and now - as_utc(sent) < KEY_WINDOW:
        return last
    return basket_key(None, fields, window=window)


def place(
    db: Session,
    workers: WorkerContext,
    legs: Sequence[ChainLeg],
    *,
    user_id: int,
    account: Account,
    key: str | None = None,
    source: str = SOURCE,
) -> Placed:
    """Send the legs hedge-first (`baskets.place_basket`); a refused leg skips the rest and
    unwinds what filled. `source` says whose the orders are (the chain's ticket, or an
    assistant's key)."""
    fields = _fields(db, workers, legs)
    traits = workers.orders.traits(account)
    _checked(db, workers, fields, session=traits.judges_session)
    if traits.needs_switches:  # both switches before the first leg (403 saying which is off)
        workers.orders.require_live(db, user_id=user_id)
    now = workers.orders.context.clock.now()
    basket = key or _derived_key(db, fields, user_id=user_id, now=now)
    result = baskets.place_basket(
        workers.orders,
        db,
        user_id=user_id,
        account=account,
        legs=[baskets.BasketLeg(plans.worker_order(f).spec, f) for f in fields],
        key=f"chain:{basket}",
        source=source,
        attribution={"chain_basket": f"chain:{basket}"},
        last_tick=workers.last_tick,
    )
    return Placed(
        status="success" if result.status == "complete" else result.status,
        legs=[_sent(r, r.leg.context) for r in result.legs],
        unwind=[_sent(r, _exit_fields(r)) for r in result.unwind],
        key=basket,
    )


def _sent(result: baskets.LegResult[dict[str, Any]], fields: dict[str, Any]) -> Sent:
    state = "rejected" if result.state == "refused" else result.state  # the plan's word
    return Sent(result.index, fields, result.order, state, result.reason)


def _exit_fields(result: baskets.LegResult[dict[str, Any]]) -> dict[str, Any]:
    """The unwind's order fields: the leg's, at market, on the exit's side and quantity."""
    row = {**result.leg.context, "order_type": "MARKET", "price": None}
    side, quantity = result.spec.transaction_type.value, result.spec.quantity
    return plans.order_fields(row, side, quantity, exit_=True)


def manual_available(workers: WorkerContext, db: Session, *, user_id: int) -> Decimal:
    """What a desk order may spend: the manual book's money, as the ticket's preview says."""
    margins = workers.portfolio.margins(db, user_id=user_id, book=books.MANUAL)
    return Decimal(str(margins["equity"]["net"]))
