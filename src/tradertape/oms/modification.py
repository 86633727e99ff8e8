"""The one modify sequence every change of a working order passes, paper or live (`modify`).

Issue 68: the paper exchange and the live book each had their own; a reduction under the
kill switch was refused live (the live one gated every change) and accepted on paper (the
paper one gated an order whose value grew). The steps are now written here once, in the
one order both venues take them:

1. the venue reads the order as the change must see it and refuses one it cannot change
   (`ModifyAct.take`: paper, under the user's ledger lock; live, one at its broker);
2. the rules a new order passes, on the new terms (listed, the fields), and those of a
   change (a stop stays a stop, the quantity exceeds what has filled);
3. the venue's own refusal of the new terms (`ModifyAct.refusal`: paper, the funds);
4. the one pre-trade gate, for a change that can add risk (`opens_risk`): an enlargement
   or a change of price, trigger, type or validity passes the gate as a new order would
   (the kill switch refuses it unless it only closes); a reduction of the quantity, alone
   or with what is shown (``disclosed_quantity``), only lowers risk and is never gated;
5. the change's slot under SEBI's order-rate ceiling (`gate.PreTradeGate.admit`);
6. the venue's act (`ModifyAct.send`: live, commit, then ask the broker);
7. the record: the new terms on the row and one ``MODIFIED`` event listing them
   (`order_log.amendments`), the gate's warnings with it; then what the venue does with
   the changed order (`ModifyAct.after`: paper, match it on the last tick).

A refusal by the gate is a 400 in its words; the order keeps its terms, and the breach is
recorded as a risk event (committed), at either venue.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.domain.order_state import EventKind, OrderEvent
from tradertape.domain.orders import OrderSpec, OrderType
from tradertape.errors import BadRequest, InvalidField
from tradertape.oms.context import TradingContext
from tradertape.oms.gate import PreTradeVerdict
from tradertape.oms.order_log import amendments, record, spec_of, terms_of
from tradertape.oms.order_rules import check_fields, listed

_STOPS = (OrderType.SL, OrderType.SL_M)
_COLUMNS = tuple(column.key for column in inspect(Order).column_attrs)


class ModifyAct(Protocol):
    """What a venue does inside `modify`, and nothing else."""

    def take(self, db: Session, order: Order, changes: dict[str, Any]) -> Order:
        """`order` as the change must see it (read again under the venue's locks, if it
        takes any); a 400 when the venue cannot make these `changes` (a final order, one
        not at its broker yet, a filled cover entry's trigger)."""
        ...

    def refusal(
        self,
        db: Session,
        changed: Order,
        instrument: Instrument,
        catalog: InstrumentCatalog,
        last: Tick | None,
    ) -> str | None:
        """Why the venue refuses the new terms (`changed`: the order as it would stand)."""
        ...

    def send(self, db: Session, order: Order, changes: dict[str, Any]) -> None:
        """The change passed and took its slot: the venue's act before it is recorded."""
        ...

    def after(self, db: Session, order: Order, instrument: Instrument, last: Tick | None) -> None:
        """The change is recorded on `order`: what the venue does with it then."""
        ...


def opens_risk(order: Order, spec: OrderSpec) -> bool:
    """Whether changing `order` to `spec` can add risk, so passes the gate: an enlargement,
    or a new price, trigger, type or validity (a limit moved toward the market fills
    sooner; a day order kept longer stays open longer). Only a smaller or equal quantity,
    alone or with a new ``disclosed_quantity`` (what the exchange shows), cannot."""
    return spec.quantity > order.quantity or (
        spec.price,
        spec.trigger_price,
        spec.order_type.value,
        spec.validity.value,
        spec.validity_ttl,
    ) != (order.price, order.trigger_price, order.order_type, order.validity, order.validity_ttl)


def modify(
    context: TradingContext,
    db: Session,
    order: Order,
    changes: dict[str, Any],
    last: Tick | None,
    act: ModifyAct,
    *,
    commit: bool = True,
) -> Order:
    """Change `order`'s terms through `act`'s venue (module docstring: the steps); the
    order as it now stands. Commits unless ``commit`` is false (a venue that sends commits
    before it does)."""
    order = act.take(db, order, changes)
    spec = replace(spec_of(order), **changes)
    _check_change(order, spec)
    catalog = context.catalog(db)
    instrument = listed(catalog, spec)
    check_fields(context, spec, instrument, last)
    changed = _as_changed(order, spec)
    problem = act.refusal(db, changed, instrument, catalog, last)
    if problem is not None:
        db.rollback()  # the order keeps its terms
        raise BadRequest(problem)
    verdict = (
        _pass_gate(context, db, changed, instrument, last) if opens_risk(order, spec) else None
    )
    context.gate.admit(db, changed)  # a modify counts against the client's order-rate ceiling
    act.send(db, order, changes)
    terms = terms_of(order)
    _apply(order, spec)
    now = context.clock.now()
    record(db, order, OrderEvent(EventKind.MODIFIED, now), now, changes=amendments(terms, order))
    if verdict is not None and verdict.record is not None:
        verdict.record(db, order)  # warnings, stored with the change
    act.after(db, order, instrument, last)
    if commit:
        db.commit()
    return order


def _check_change(order: Order, spec: OrderSpec) -> None:
    """What no change may do, whichever venue: turn a stop into a plain order (or back),
    or leave the quantity at or below what has filled."""
    if (OrderType(order.order_type) in _STOPS) != (spec.order_type in _STOPS):
        raise InvalidField("order_type", "cannot switch between stop and non-stop orders")
    if spec.quantity <= order.filled_quantity:
        raise InvalidField(
            "quantity",
            f"must exceed the {order.filled_quantity} already filled; cancel instead",
        )


def _as_changed(order: Order, spec: OrderSpec) -> Order:
    """An unstored copy of `order` with the new terms (its id kept: the gate and the funds
    check read a stored order's old terms as making way for these)."""
    changed = Order(**{column: getattr(order, column) for column in _COLUMNS})
    _apply(changed, spec)
    return changed


def _apply(order: Order, spec: OrderSpec) -> None:
    order.quantity, order.price, order.trigger_price = (
        spec.quantity,
        spec.price,
        spec.trigger_price,
    )
    order.order_type, order.validity = spec.order_type.value, spec.validity.value
    order.disclosed_quantity = spec.disclosed_quantity
    order.validity_ttl = spec.validity_ttl


def _pass_gate(
    context: TradingContext, db: Session, changed: Order, instrument: Instrument, last: Tick | None
) -> PreTradeVerdict | None:
    """The gate's verdict on a change that can add risk, judged as a new order would be.

    A refusal is a 400 in the gate's words; the order keeps its terms and the breaches
    are recorded (committed: a refused change is worth a risk event, like a refused order).
    """
    verdict = context.gate.check(db, changed, instrument, last)
    if verdict is None or verdict.refusal is None:
        return verdict
    db.rollback()  # the order keeps its terms
    if verdict.record is not None:
        verdict.record(db, changed)
        db.commit()
    raise BadRequest(verdict.refusal)
