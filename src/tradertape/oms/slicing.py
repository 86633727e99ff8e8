"""Orders above the exchange's freeze quantity, placed as children the exchange accepts.

NSE rejects an F&O order for more than its underlying's freeze quantity
(`domain.freeze_quantities`). Kite's ``autoslice`` places such an order as at most 10
children of at most the freeze quantity each (answered with ``children``), Upstox's
``slice`` as at most 25; the paper exchange slices by Kite's rule. Without ``autoslice``
an order above the limit is refused (422 on ``quantity``, naming the limit); with it, one
above the cap is refused too.

`OrderPipeline.submit` calls `plan` for every order, paper or live, and places each child
through the one admission sequence (`oms.admission.admit`) with a `SliceOf`, or, at a
broker that slices itself, all of them in one pass of it (`LiveOrders.place_sliced`): the
first child is judged by the risk gate at its parent's quantity (the parent counts once
against limits), the others skip the gate, and every child claims its own key and its own
slot under SEBI's order-rate ceiling. An exit (``exit_only``) is always sliced, whatever
the cap: exits are never blocked.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tradertape.db.models.instruments import FreezeQuantityRow
from tradertape.db.models.trading import Order
from tradertape.db.prepared import Prepared
from tradertape.domain.freeze_quantities import FreezeLimit, shipped_limits
from tradertape.domain.instruments import Instrument
from tradertape.errors import InvalidField

KITE_SLICE_CAP = 10  # Kite's autoslice: at most 10 children
UPSTOX_SLICE_CAP = 25  # Upstox's v3 place-order ``slice``: at most 25
PAPER_SLICE_CAP = KITE_SLICE_CAP  # the paper exchange slices as Kite does
# An exit is never refused (exits are never blocked): sliced past any broker's cap, one
# child at a time, as the reference's peers slice protective exits.
EXIT_SLICE_CAP = 1_000
_CAPS = {"kite": KITE_SLICE_CAP, "upstox": UPSTOX_SLICE_CAP}


@dataclass(frozen=True, slots=True)
class SliceOf:
    """One child of a sliced order: its parent's key, its place (1-based) among `count`
    children, and the parent's quantity (what the gate judges the first child at)."""

    parent: str
    index: int
    count: int
    quantity: int

    @property
    def gated(self) -> bool:
        """Only the first child passes the risk gate, at the parent's quantity."""
        return self.index == 1


def slice_cap(broker: str | None) -> int:
    """The most children `broker` slices an order into (paper: Kite's cap)."""
    return _CAPS.get(broker or "", PAPER_SLICE_CAP)


# An imported limit, read as driver SQL: most underlyings have none imported, and the ORM's
# `get` of a missing row costs every F&O order (a basket's each leg) a full ORM query.
_IMPORTED = Prepared(
    select(FreezeQuantityRow.freeze_quantity, FreezeQuantityRow.as_of).where(
        FreezeQuantityRow.underlying == bindparam("underlying")
    )
)


def freeze_limit(db: Session, instrument: Instrument) -> FreezeLimit | None:
    """The freeze limit of a derivative's underlying and the day it is of (imported, else
    shipped); None for anything without one (cash equities, an underlying no list names)."""
    underlying = instrument.underlying
    if not instrument.is_derivative or underlying is None:
        return None
    row = _IMPORTED.first(db, {"underlying": underlying})
    if row is not None:
        return FreezeLimit(underlying, row[0], row[1])
    return shipped_limits().get(underlying)


def freeze_quantity(db: Session, instrument: Instrument) -> int | None:
    """The freeze quantity of a derivative's underlying (`freeze_limit`), in units."""
    limit = freeze_limit(db, instrument)
    return None if limit is None else limit.freeze_quantity


def slices(quantity: int, freeze: int, lot_size: int, *, cap: int) -> list[int]:
    """The children's quantities: as many full slices (the freeze quantity rounded down
    to whole lots) as fit, then the rest. 422 on ``quantity`` past `cap` children."""
    per = (freeze // lot_size) * lot_size
    if per <= 0:
        raise InvalidField("quantity", f"the freeze quantity {freeze} is less than a lot")
    full, rest = divmod(quantity, per)
    count = full + (1 if rest else 0)
    if count > cap:
        raise InvalidField(
            "quantity",
            f"{quantity} needs {count} slices of at most {per} (freeze quantity {freeze});"
            f" the broker slices into at most {cap}: send at most {cap * per}",
        )
    return [per] * full + ([rest] if rest else [])


def plan(
    db: Session, instrument: Instrument, quantity: int, *, autoslice: bool, cap: int
) -> list[int] | None:
    """The children an order of `quantity` is placed as; None when it goes whole (within
    the freeze quantity, or not a whole number of lots: the order's rules refuse that).
    422 on ``quantity`` when it is above the limit and `autoslice` was not asked for."""
    freeze = freeze_quantity(db, instrument)
    lot = max(instrument.lot_size, 1)
    if freeze is None or quantity <= freeze or quantity % lot:
        return None
    if not autoslice:
        raise InvalidField(
            "quantity",
            f"{quantity} is above the freeze quantity {freeze} of {instrument.underlying};"
            ' the exchange rejects it whole: send "autoslice": true to place it in slices',
        )
    return slices(quantity, freeze, lot, cap=cap)


def parent_key(client_key: str | None) -> str:
    """The key children share: derived from the client's key (a retry finds the same
    children), else fresh."""
    if client_key is None:
        return f"S{uuid.uuid4().hex}"
    return f"S{hashlib.sha256(client_key.encode()).hexdigest()[:32]}"


def child_key(client_key: str | None, parent: str, index: int) -> str | None:
    """A child's idempotency key: the first keeps the client's (a repeat finds it), the
    others the parent's key and their place."""
    if index == 1:
        return client_key
    return f"{parent}#{index}" if client_key is not None else None


def children(db: Session, first: Order) -> list[Order]:
    """All children of the sliced order `first` belongs to, in placement order (just
    `first` for an order that was not sliced)."""
    if first.slice_parent is None:
        return [first]
    query = (
        select(Order)
        .where(Order.user_id == first.user_id, Order.slice_parent == first.slice_parent)
        .order_by(Order.id)
    )
    return list(db.scalars(query))
