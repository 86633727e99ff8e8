"""The engine's commands, as typed values: one is built where a caller hands an order in
and travels whole to the venue that acts on it, so its fields are named once (issue 51:
a paper order's keywords were listed four times on their way to placement)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec
from tradertape.oms.slicing import SliceOf


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """Place a new order for `user_id`.

    ``client_key``: the idempotency key (a repeat answers the first order). ``last``: the
    tick a paper order may fill on at once (None: the next one). ``commit=False`` leaves
    the order in the caller's transaction. ``exit_only``: an order the caller knows only
    closes (it skips the gate and is never refused by the rate ceiling). ``on_record``
    writes the caller's rows in the transaction that records the order (not on a repeat).
    ``slice_of``: the order is one child of an order above its freeze quantity.
    """

    user_id: int
    spec: OrderSpec
    client_key: str | None = None
    source: str = "api"
    attribution: dict[str, Any] | None = None
    last: Tick | None = None
    commit: bool = True
    exit_only: bool = False
    on_record: Callable[[Session, Order], None] | None = None
    slice_of: SliceOf | None = None
