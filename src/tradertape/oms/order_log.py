"""Order rows and their history.

An order changes only through the status machine (`apply_event`), and each change is
also a row of its history. A new order is worked out whole in memory (accepted or
rejected, matched, filled) and then stored by `claim`: one INSERT that lets the unique
(user, client key) constraint decide a race. The loser stores nothing and reads the
winner back, so one key is one order however many requests carry it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models.trading import Order, OrderEventRow, Trade
from tradertape.db.prepared import Prepared
from tradertape.db.rate_window import SlotAsk, bucket_lock, take, taking
from tradertape.db.rows import adopt, fresh, insert_new, table_of, value_keys, values_of
from tradertape.domain.enum_members import members_of
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.order_state import UNPLACED as UNPLACED  # named here for its callers
from tradertape.domain.order_state import EventKind, OrderEvent, OrderState, OrderStatus, apply
from tradertape.domain.orders import (
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
)
from tradertape.domain.owners import owner_from
from tradertape.oms import emitter
from tradertape.oms.context import BROKER
from tradertape.oms.ids import new_order_id
from tradertape.oms.owners import owner_book

# A cover order's stop-loss leg is keyed ``co:<entry order id>``: the user's unique
# client key makes the leg exist at most once, and names its parent.
COVER_LEG_KEY = "co:"
# An order placed outside TraderTape and adopted by reconciliation is keyed
# ``ext:<broker>:<broker order id>``: the key makes two runs adopt it once.
EXTERNAL_KEY = "ext:"
# Client keys the broker gives its own orders (and a live worker run its orders, ``worker:``);
# a user's key may not start so.
RESERVED_KEY_PREFIXES = (COVER_LEG_KEY, "gtt:", "squareoff:", EXTERNAL_KEY, "worker:")
_ORDERS = table_of(Order)
_EVENTS = table_of(OrderEventRow)
_EVENT_KEYS = ("order_pk", "kind", "status_after", "ts_event", "ts_init", "fill_quantity")
_NEW_EVENT = Prepared(insert(_EVENTS), keys=(*_EVENT_KEYS, "fill_price", "message", "changes"))
# What a modification may change, in the order the history lists a change's terms.
AMENDABLE = (
    "price",
    "trigger_price",
    "quantity",
    "order_type",
    "validity",
    "disclosed_quantity",
    "validity_ttl",
)
_NEW_ORDER = {
    dialect: Prepared(insert_new(_ORDERS, dialect), keys=value_keys(Order))
    for dialect in ("sqlite", "postgresql")
}
_TRADES = table_of(Trade)
_TRADE_KEYS = tuple(key for key in value_keys(Trade) if key != "order_pk")
# A trade's columns that are its order's (who, where, what, which side, and how many when the
# first fill is the whole order, as a paper market order's is): the claim binds them once.
# psycopg converts a statement's parameters anew on every call past 50 of them. A trade that
# differs in any (a part fill) is inserted by the ledger after the claim (`_claim_with`).
_SAME_AS_ORDER = (
    "user_id",
    "broker",
    "book",
    "exchange",
    "tradingsymbol",
    "instrument_token",
    "product",
    "transaction_type",
    "quantity",
)


@cache
def _claim_together(trade: bool, slot: bool) -> Prepared:
    """PostgreSQL: the order's claim with its first trade, its order-rate slot or both, in
    one statement (a round trip saved for each). The trade is inserted, and the slot
    taken (`db.rate_window.taking`), only if the order was, each in a CTE of its own; each
    INSERT lets its unique keys decide as `claim` and the ledger's do. One row comes back:
    the order's, the trade's and the slot's ids (None: not inserted)."""
    binds = {key: bindparam(f"o_{key}", type_=_ORDERS.c[key].type) for key in value_keys(Order)}
    claimed = (
        postgresql.insert(_ORDERS)
        .values(binds)
        .on_conflict_do_nothing()
        .returning(_ORDERS.c.id)
        .cte("claimed")
    )
    ids = [select(claimed.c.id).scalar_subquery().label("order_pk")]
    if trade:
        values = (
            binds[key]
            if key in _SAME_AS_ORDER
            else bindparam(f"t_{key}", type_=_TRADES.c[key].type)
            for key in _TRADE_KEYS
        )
        traded = (
            postgresql.insert(_TRADES)
            .from_select([*_TRADE_KEYS, "order_pk"], select(*values, claimed.c.id))
            .on_conflict_do_nothing()
            .returning(_TRADES.c.id)
            .cte("traded")
        )
        ids.append(select(traded.c.id).scalar_subquery().label("trade_pk"))
    if slot:
        counted = taking(prefix="s_", when=exists(select(claimed.c.id))).cte("counted")
        ids.append(select(counted.c.id).scalar_subquery().label("slot_pk"))
    return Prepared(select(*ids))


_BY_KEY = Prepared(
    select(_ORDERS.c.id).where(
        _ORDERS.c.user_id == bindparam("user_id"), _ORDERS.c.client_key == bindparam("client_key")
    )
)
# not `Variety.CO.value` and the like in the calls: on Python 3.11 an enum class's attribute
# passes through `EnumType.__getattr__`'s hook, and every order's event asks these
_CO, _TRIGGERED = Variety.CO.value, EventKind.TRIGGERED
_STATUS = members_of(OrderStatus)  # `OrderStatus(status)`, as a dict read
_ID_ATTEMPTS = 8  # random order ids collide now and then on a busy day; draw again


def new_order(
    user_id: int,
    spec: OrderSpec,
    instrument: Instrument,
    *,
    client_key: str | None,
    source: str,
    attribution: dict[str, Any] | None,
    now: datetime,
    slice_parent: str | None = None,
) -> Order:
    """An unstored order for `spec`, before any event (every column set: once stored,
    reading one never goes back to the database); `slice_parent`: the key it shares with
    the other children of a sliced order (`oms.slicing`); its owner is the one its source
    and attribution name (`domain.owners.owner_from`)."""
    owner = owner_from(source, attribution)
    values = {
        "user_id": user_id,
        "order_id": new_order_id(now),
        "broker": BROKER,
        "broker_order_id": None,
        "client_key": client_key,
        # each member's own field: `.value` is a Python-level property (two frames)
        "exchange": spec.exchange._value_,
        "tradingsymbol": spec.tradingsymbol,
        "instrument_token": instrument.instrument_token,
        "transaction_type": spec.transaction_type._value_,
        "product": spec.product._value_,
        "order_type": spec.order_type._value_,
        "variety": spec.variety._value_,
        "validity": spec.validity._value_,
        "validity_ttl": spec.validity_ttl,
        "quantity": spec.quantity,
        "price": spec.price,
        "trigger_price": spec.trigger_price,
        "disclosed_quantity": spec.disclosed_quantity,
        "market_protection": spec.market_protection,
        "iceberg_legs": spec.iceberg_legs,
        "iceberg_quantity": spec.iceberg_quantity,
        "status": UNPLACED,
        "status_message": None,
        "filled_quantity": 0,
        "average_price": Decimal(0),
        "filled_value": Decimal(0),
        "triggered": False,
        "source": source,
        "attribution": dict(attribution or {}),
        "owner_kind": owner.kind._value_,
        "owner_id": owner.id,
        "book": owner_book(BROKER, owner),
        "algo_id": None,
        "egress_ip": None,
        "slice_parent": slice_parent,
        "placed_at": now,
        "updated_at": now,
        "expires_at": now + timedelta(minutes=spec.validity_ttl) if spec.validity_ttl else None,
    }
    return fresh(Order, values)


def entry_status(spec: OrderSpec) -> OrderStatus:
    """Where an accepted order lands: the AMO queue, the trigger queue or the book."""
    if spec.variety is Variety.AMO:
        return OrderStatus.AMO_REQ_RECEIVED
    if spec.order_type in (OrderType.SL, OrderType.SL_M):
        return OrderStatus.TRIGGER_PENDING
    return OrderStatus.OPEN


def spec_of(order: Order) -> OrderSpec:
    """The order's terms as a spec (to validate a modification like a new order)."""
    return OrderSpec(
        exchange=Exchange(order.exchange),
        tradingsymbol=order.tradingsymbol,
        transaction_type=TransactionType(order.transaction_type),
        quantity=order.quantity,
        product=Product(order.product),
        order_type=OrderType(order.order_type),
        variety=Variety(order.variety),
        validity=Validity(order.validity),
        price=order.price,
        trigger_price=order.trigger_price,
        disclosed_quantity=order.disclosed_quantity,
        validity_ttl=order.validity_ttl,
        market_protection=order.market_protection,
        iceberg_legs=order.iceberg_legs,
        iceberg_quantity=order.iceberg_quantity,
    )


def apply_event(order: Order, event: OrderEvent, ts_init: datetime) -> dict[str, Any]:
    """Move `order` through the status machine; return its history row (`store_history`),
    with what the order's event says besides (its status before, its fills after)."""
    before = order.status  # a mapped column: read once
    state = OrderState(
        status=None if before == UNPLACED else _STATUS(before),
        quantity=order.quantity,
        filled_quantity=order.filled_quantity,
        average_price=order.average_price,
        status_message=order.status_message,
    )
    after = apply(state, event)
    assert after.status is not None
    order.status = status = after.status._value_  # the member's field, not `.value`
    order.filled_quantity = after.filled_quantity
    order.average_price = after.average_price
    order.status_message = after.status_message
    order.updated_at = event.ts_event
    if event.kind is _TRIGGERED:
        order.triggered = True
    return {
        "kind": event.kind._value_,
        "status_after": status,
        "ts_event": event.ts_event,
        "ts_init": ts_init,
        "fill_quantity": event.fill_quantity,
        "fill_price": event.fill_price,
        "message": event.message,
        "changes": None,
        # not stored: for the order's event (`emitter.order_history`)
        "status_before": before,
        "filled_after": after.filled_quantity,
        "average_after": after.average_price,
    }


def terms_of(order: Order) -> dict[str, Any]:
    """The order's terms a modification may change (`AMENDABLE`), to compare afterwards."""
    return {field: getattr(order, field) for field in AMENDABLE}


def amendments(before: dict[str, Any], order: Order) -> list[dict[str, Any]]:
    """The terms `order` changed since `before` (`terms_of`), in `AMENDABLE`'s order, as
    ``{field, old, new}`` with decimals as exact text (a price 101 set to 101.00 is no
    change)."""
    return [
        {"field": field, "old": _stored(before[field]), "new": _stored(getattr(order, field))}
        for field in AMENDABLE
        if before[field] != getattr(order, field)
    ]


def _stored(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def store_history(db: Session, order: Order, rows: list[dict[str, Any]]) -> None:
    """Insert history rows, oldest first, of an order already stored (no commit), and emit
    the order's event of each (`oms.emitter`): the one place order events come from."""
    if rows:
        _NEW_EVENT.execute_many(db, [{"order_pk": order.id, **row} for row in rows])
        emitter.order_history(db, order, rows)


def record(
    db: Session,
    order: Order,
    event: OrderEvent,
    ts_init: datetime,
    *,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """Apply an event to a stored order and log it (no commit); a modification's row keeps
    the terms it `changes` (`amendments`)."""
    row = apply_event(order, event, ts_init)
    row["changes"] = changes
    store_history(db, order, [row])


def claim(db: Session, order: Order, *, trade: dict[str, Any] | None = None) -> Order:
    """Store a new order, or return the order that already holds its client key.

    Stored, `order` itself comes back, held by the session. A clash of the random order
    id alone is no duplicate: the order draws a fresh id and is inserted again.

    `trade` (a booked trade of `order` not written yet, as `ledger.Ledger` holds it) is
    inserted with the order on PostgreSQL, in the same round trip: stored, it gets its
    ``id`` and ``order_pk`` (the ledger then leaves it be); a trade id already taken
    leaves it for the ledger to insert under a fresh one.
    """
    return claim_taking(db, order, None, trade=trade)[0]


def claim_taking(
    db: Session, order: Order, slot: SlotAsk | None, *, trade: dict[str, Any] | None = None
) -> tuple[Order, int | None]:
    """`claim`, and when the order is stored, its `slot` under the order-rate ceiling (in
    the same statement on PostgreSQL): the stored order, and the slot's id (None when
    none was asked for, the window was full, or `order` lost its key to an earlier one).
    The slot's bucket lock is taken first if the transaction does not hold it yet."""
    dialect = db.get_bind().dialect.name
    together = dialect == "postgresql" and (trade is not None or slot is not None)
    if slot is not None:
        lock_names(db, [bucket_lock(slot.bucket)])
    for _ in range(_ID_ATTEMPTS):
        taken = None
        if together:
            pk, taken = _claim_with(db, order, trade, slot)
        else:
            pk = _NEW_ORDER[dialect].scalar(db, values_of(order))
            if pk is not None and slot is not None:
                taken = take(db, slot)
        if pk is not None:
            adopt(db, order, pk)
            return order, taken
        key = order.client_key
        winner = by_key(db, order.user_id, key) if key is not None else None
        if winner is not None:
            return winner, None
        order.order_id = new_order_id(order.placed_at)
    raise RuntimeError("no free order id after repeated draws")


def _claim_with(
    db: Session, order: Order, trade: dict[str, Any] | None, slot: SlotAsk | None
) -> tuple[int | None, int | None]:
    """The order's and its slot's ids from `_claim_together` (the trade's is set on it; a
    trade that is not wholly its order's is left to the ledger, as a taken trade id is)."""
    values = values_of(order)
    if trade is not None and any(trade[key] != values[key] for key in _SAME_AS_ORDER):
        trade = None
    params = {f"o_{key}": value for key, value in values.items()}
    if trade is not None:
        params.update({f"t_{key}": trade[key] for key in _TRADE_KEYS if key not in _SAME_AS_ORDER})
    if slot is not None:
        params.update(slot.params("s_"))
    row = _claim_together(trade is not None, slot is not None).first(db, params)
    assert row is not None  # one row, whatever was inserted
    pk = row[0]
    if trade is not None and pk is not None and row[1] is not None:
        trade["order_pk"], trade["id"] = pk, row[1]
    return pk, (row[-1] if slot is not None else None)


def cover_leg_key(entry_order_id: str) -> str:
    """The client key of a cover order's stop-loss leg."""
    return f"{COVER_LEG_KEY}{entry_order_id}"


def is_cover_leg(variety: str, client_key: str | None) -> bool:
    """Whether an order is the stop-loss leg of a cover order."""
    return variety == _CO and (client_key or "").startswith(COVER_LEG_KEY)


def parent_order_id(order: Order) -> str | None:
    """The entry's order id for a cover order's stop-loss leg (Kite's ``parent_order_id``)."""
    if not is_cover_leg(order.variety, order.client_key):
        return None
    assert order.client_key is not None
    return order.client_key.removeprefix(COVER_LEG_KEY)


def by_key(db: Session, user_id: int, client_key: str) -> Order | None:
    """The user's order placed with this idempotency key, if any (one indexed read of its
    id when there is none: the usual answer, asked before every keyed order)."""
    pk = _BY_KEY.scalar(db, {"user_id": user_id, "client_key": client_key})
    return None if pk is None else db.get(Order, pk)


def history_of(db: Session, order: Order) -> list[OrderEventRow]:
    """Every state the order went through, oldest first."""
    query = select(OrderEventRow).where(OrderEventRow.order_pk == order.id)
    return list(db.scalars(query.order_by(OrderEventRow.id)))
