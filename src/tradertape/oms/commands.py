"""The engine's commands, as typed values: one is built where a caller hands an order in
and travels whole to the venue that acts on it, so its fields are named once (issue 51:
a paper order's keywords were listed four times on their way to placement).

Each of the door's verbs takes one (`OrderPipeline.submit` a `SubmitOrder`, `modify` a
`ModifyOrder`, `cancel` a `CancelOrder`, `cancel_slices` a `CancelSlices`, `create_gtt` a
`CreateGtt`, `modify_gtt` a `ModifyGtt`, `cancel_gtt` a `CancelGtt`, `delete_gtt` a
`DeleteGtt`; a fill placed outside is an `ExternalFill`), so what a caller asks is one value
it can build, log, keep and hand on, and a new option is a field here, not a keyword
threaded through every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick
from tradertape.domain.orders import OrderSpec, Product, TransactionType
from tradertape.domain.values import value_class
from tradertape.errors import InvalidField
from tradertape.oms.context import BROKER as PAPER
from tradertape.oms.slicing import SliceOf
from tradertape.ports.broker import GttSpec


@dataclass(frozen=True, slots=True)
class Account:
    """Whose money an order uses: the paper account, or the user's live broker (by name, or
    their one connected broker when no name is given)."""

    live: bool = False
    broker: str | None = None

    @classmethod
    def of_venue(cls, broker: str) -> Account:
        """The account a stored order (or its event) went to, by its ``broker`` column."""
        return PAPER_ACCOUNT if broker == PAPER else cls(live=True, broker=broker)

    @classmethod
    def of(cls, mode: str, broker: str | None) -> Account:
        """The account a request names with its ``mode`` and ``broker`` fields."""
        if mode != "live" and broker is not None:
            raise InvalidField("broker", 'only a live order ("mode": "live") goes to a broker')
        return cls(live=mode == "live", broker=broker)


PAPER_ACCOUNT = Account()


class Quoted:
    """The default tick of a change: the feed's last one of the order's instrument."""


QUOTED = Quoted()


@dataclass(frozen=True, slots=True)
class Checked:
    """What a caller's `OrderPipeline.check` of `spec` on the tick `last` found: the listed
    `instrument`, the field rules passed (and the market-hours rule, with `session`).

    Placement asks the rules again unless the command it judges carries this very spec and
    tick (a worker's intent checks its orders before it claims its key, to answer a 422 in
    its own words; issue 69: the check was asked twice an order)."""

    spec: OrderSpec
    last: Tick | None
    instrument: Instrument
    session: bool


@value_class  # frozen to mypy, its fields plain slot stores: one is made per order
class SubmitOrder:
    """Place a new order for `user_id`.

    ``client_key``: the idempotency key (a repeat answers the first order). ``last``: the
    tick a paper order may fill on at once (None: the next one). ``commit=False`` leaves
    the order in the caller's transaction. ``exit_only``: an order the caller knows only
    closes (it skips the gate and is never refused by the rate ceiling). ``on_record``
    writes the caller's rows in the transaction that records the order (not on a repeat).
    ``slice_of``: the order is one child of an order above its freeze quantity.
    ``account``: whose money (the paper account unless a live one is named). ``switches``:
    the venue's switches apply (live trading on, the kill switch); False only for a change
    that takes risk off, which the switches never stop. ``checked``: the caller's passed
    check of this spec (`Checked`), which spares the paper placement's asking again.
    """

    user_id: int
    spec: OrderSpec
    account: Account = PAPER_ACCOUNT
    switches: bool = True
    client_key: str | None = None
    source: str = "api"
    attribution: dict[str, Any] | None = None
    last: Tick | None = None
    commit: bool = True
    exit_only: bool = False
    on_record: Callable[[Session, Order], None] | None = None
    slice_of: SliceOf | None = None
    checked: Checked | None = None


@dataclass(frozen=True, slots=True)
class ModifyOrder:
    """Change the working order `order_id` of `user_id` (`changes`: Kite's fields).

    ``last``: the tick the change is judged on (by default the feed's last).
    ``commit=False`` leaves a paper change in the caller's transaction (a live one
    commits: the broker has it). ``switches=False``: the caller checked the live switches
    its own way (a worker run). ``requested_by`` rides on the change's events
    (`OrderUpdate.requested_by`): how a subscriber knows whose command it was.
    """

    user_id: int
    order_id: str
    changes: dict[str, Any]
    last: Tick | None | Quoted = QUOTED
    commit: bool = True
    switches: bool = True
    requested_by: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel the working order `order_id` of `user_id` (on a cover order's stop-loss leg:
    exit the cover order). ``parent_order_id``: Kite's, sent with a leg's exit (when given
    it must match); ``last``, ``commit`` and ``requested_by`` as for `ModifyOrder`."""

    user_id: int
    order_id: str
    parent_order_id: str | None = None
    last: Tick | None | Quoted = QUOTED
    commit: bool = True
    requested_by: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CancelSlices:
    """Cancel every working child of the sliced order `order_id` (ours or its broker's id)
    is a child of; ``requested_by`` as for `ModifyOrder`."""

    user_id: int
    order_id: str
    requested_by: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CreateGtt:
    """Create a trigger for `account`. ``checked``: the caller ran the gate on its legs
    already. ``commit=False`` leaves a paper trigger in the caller's transaction.
    ``attribution`` tags the order it places; ``switches`` as for `ModifyOrder`."""

    user_id: int
    spec: GttSpec
    account: Account = PAPER_ACCOUNT
    commit: bool = True
    checked: bool = False
    attribution: dict[str, Any] | None = None
    switches: bool = True


@dataclass(frozen=True, slots=True)
class ModifyGtt:
    """Change the active trigger `trigger_id` of `user_id` to `spec`. ``gate``: the new
    legs pass the gate as a new trigger's do (a user's edit; a stop the platform moves is
    an exit and skips it); ``switches`` and ``commit`` as for `ModifyOrder`."""

    user_id: int
    trigger_id: int
    spec: GttSpec
    gate: bool = True
    switches: bool = True
    commit: bool = True


@dataclass(frozen=True, slots=True)
class CancelGtt:
    """The platform retires trigger `trigger_id` (a stop before another exit): no user
    asked, so none is named."""

    trigger_id: int


@dataclass(frozen=True, slots=True)
class DeleteGtt:
    """The user `user_id` deletes their active trigger `trigger_id`."""

    user_id: int
    trigger_id: int


@dataclass(frozen=True, slots=True)
class ExternalFill:
    """One fill at `broker` that the server did not place: the command that books it.

    `client_key` names it once and for all (a repeat books nothing); `attribution` says
    whose it is (a model portfolio's signal, say), as an order placed here would."""

    user_id: int
    broker: str
    symbol: str  # EXCHANGE:TRADINGSYMBOL
    side: TransactionType
    quantity: int
    price: Decimal
    client_key: str
    broker_order_id: str
    source: str
    at: datetime
    product: Product = Product.CNC
    attribution: dict[str, Any] = field(default_factory=dict)
