"""What every new order passes between its rules and its venue, paper or live: the one
gate's verdict, then the claim of its idempotency key with the row, counted against the
client's order-rate ceiling. Placement (paper) and the live book both go through here, so
neither can skip or reorder a step the other takes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.oms.context import TradingContext
from tradertape.oms.emitter import read_ahead
from tradertape.oms.gate import PreTradeVerdict
from tradertape.oms.order_log import claim_taking
from tradertape.oms.slicing import SliceOf


def screen(
    context: TradingContext,
    db: Session,
    order: Order,
    instrument: Instrument,
    last: Tick | None,
    *,
    problem: str | None = None,
    skip: bool = False,
    slice_of: SliceOf | None = None,
) -> tuple[str | None, PreTradeVerdict | None]:
    """Why the order is refused (an earlier `problem`, such as paper funds, or the gate's
    refusal) and the gate's verdict to record once the order is stored. ``skip``: orders
    that only close (exits, the broker's square-off) never wait on the gate. A sliced
    order's first child is judged at its parent's quantity, the others not at all: the
    parent counts once against the limits."""
    if problem is not None or skip or (slice_of is not None and not slice_of.gated):
        return problem, None
    if slice_of is None:
        verdict = context.gate.check(db, order, instrument, last)
    else:
        own, order.quantity = order.quantity, slice_of.quantity
        try:
            verdict = context.gate.check(db, order, instrument, last)
        finally:
            order.quantity = own
    return (verdict.refusal if verdict is not None else None), verdict


def claim_counted(
    context: TradingContext,
    db: Session,
    order: Order,
    *,
    counted: bool,
    exit_only: bool,
    trade: dict[str, Any] | None = None,
) -> Order:
    """The stored order for its key: `order` when it claimed the key, else the first one.

    An order that claimed its key and is `counted` (not refused, not the broker's own)
    takes a slot under the order-rate ceiling, with the claim (one round trip on
    PostgreSQL); past it a 429 is raised and, as the caller has not committed, nothing is
    stored. `trade`: as for `order_log.claim`.
    """
    slot = context.gate.ask(order.user_id, exit_only=exit_only) if counted else None
    read_ahead(db, order.user_id)  # the watchers' reads for its events ride with the claim
    stored, taken = claim_taking(db, order, slot, trade=trade)
    if stored is order and slot is not None:
        context.gate.settle(db, order, slot, taken)
    return stored


def record_verdict(db: Session, order: Order, verdict: PreTradeVerdict | None) -> None:
    """What the gate found, recorded once the order is stored (a replay records nothing)."""
    if verdict is not None and verdict.record is not None:
        verdict.record(db, order)
