"""What reconciliation compares besides orders: trades, positions, holdings and GTTs.

The broker's side arrives in the port's Kite shapes (every adapter translates into them);
ours is read from the trades booked in that broker's books. The comparisons are pure
functions of the two sides and only *report*: a position or holding is never corrected
from the broker's figure, because our books are the sum of executions we can name, and a
number with no execution behind it would hide the cause instead of showing it (a missed
fill shows up on the order side, where `apply_report` books it with its price and charges).

Holdings the broker has beyond ours are normal, not an error: the user held them before
TraderTape booked anything, or bought them outside it. They are reported as
``held_outside``; only holding *less* than we booked is drift (``holding_short``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Gtt, Order, Trade
from tradertape.ports.broker import KiteDict


class DriftKind(StrEnum):
    """What one finding of a reconciliation is."""

    ORDER_ADOPTED = "order_adopted"  # placed outside TraderTape, now one of our rows
    ORDER_UNLISTED = "order_unlisted"  # placed outside, in an instrument we do not list
    ORDER_MISSING = "order_missing"  # ours, working, and the broker does not list it
    TRADES = "trades"  # an order's traded quantity differs
    POSITION = "position"  # a net position's quantity differs
    HOLDING_SHORT = "holding_short"  # the broker holds less than we booked
    HELD_OUTSIDE = "held_outside"  # the broker holds more: held before TraderTape, or bought
    GTT_EXTERNAL = "gtt_external"  # an active trigger at the broker we did not create
    GTT_MISSING = "gtt_missing"  # our active live trigger the broker does not list


#: Findings that need the user's eye (a notification); the others are information.
ATTENTION = frozenset(
    {
        DriftKind.ORDER_UNLISTED,
        DriftKind.ORDER_MISSING,
        DriftKind.TRADES,
        DriftKind.POSITION,
        DriftKind.HOLDING_SHORT,
        DriftKind.GTT_MISSING,
    }
)


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One finding: what, of which key (symbol, order or trigger), our figure and theirs."""

    kind: DriftKind
    key: str
    ours: int | None
    broker: int | None
    note: str


PositionKey = tuple[str, str, str]  # exchange, tradingsymbol, product


@dataclass(frozen=True, slots=True)
class OurBooks:
    """Our side in one broker's books: net positions as the broker shows them (carried
    products all-time, delivery only today's trades) and delivery holdings by symbol."""

    positions: dict[PositionKey, int]
    holdings: dict[str, int]


def _signed(side: str, quantity: int) -> int:
    return quantity if side == "BUY" else -quantity


def our_books(db: Session, *, user_id: int, broker: str, today: date) -> OurBooks:
    """Our positions and holdings in `broker`'s books, from the trades booked there."""
    positions: dict[PositionKey, int] = {}
    holdings: dict[str, int] = {}
    rows = db.execute(
        select(
            Trade.exchange,
            Trade.tradingsymbol,
            Trade.product,
            Trade.transaction_type,
            Trade.quantity,
            Trade.trade_date,
        ).where(Trade.user_id == user_id, Trade.broker == broker)
    )
    day = today.isoformat()
    for exchange, symbol, product, side, quantity, trade_date in rows:
        signed = _signed(side, quantity)
        if product == "CNC":
            holdings[symbol] = holdings.get(symbol, 0) + signed
            if trade_date != day:
                continue  # settled delivery lives in holdings, not positions (Kite's view)
        key = (exchange, symbol, product)
        positions[key] = positions.get(key, 0) + signed
    return OurBooks(positions, holdings)


def compare_positions(
    broker_net: Iterable[KiteDict], ours: Mapping[PositionKey, int]
) -> list[DriftItem]:
    """A `position` item for each (exchange, symbol, product) whose net quantity differs."""
    theirs: dict[PositionKey, int] = {}
    for row in broker_net:
        key = (str(row["exchange"]), str(row["tradingsymbol"]), str(row["product"]))
        theirs[key] = theirs.get(key, 0) + int(row.get("quantity") or 0)
    items = []
    for key in sorted(set(theirs) | set(ours)):
        mine, at_broker = ours.get(key, 0), theirs.get(key, 0)
        if mine != at_broker:
            name = ":".join(key)
            note = f"{name}: net {mine} in TraderTape, {at_broker} at the broker"
            items.append(DriftItem(DriftKind.POSITION, name, mine, at_broker, note))
    return items


def compare_holdings(
    broker_holdings: Iterable[KiteDict], ours: Mapping[str, int]
) -> list[DriftItem]:
    """Holdings by symbol (settled plus T1): less at the broker is drift, more is held
    outside TraderTape (before it, or bought elsewhere), which is normal."""
    theirs: dict[str, int] = {}
    for row in broker_holdings:
        symbol = str(row["tradingsymbol"])
        held = int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)
        theirs[symbol] = theirs.get(symbol, 0) + held
    items = []
    for symbol in sorted(set(theirs) | set(ours)):
        mine, at_broker = ours.get(symbol, 0), theirs.get(symbol, 0)
        if at_broker > mine:
            note = (
                f"{symbol}: {at_broker} held at the broker, {mine} booked by TraderTape; "
                f"the rest was held before TraderTape or bought outside it (not an error)"
            )
            items.append(DriftItem(DriftKind.HELD_OUTSIDE, symbol, mine, at_broker, note))
        elif at_broker < mine:
            note = f"{symbol}: TraderTape booked {mine}, the broker holds only {at_broker}"
            items.append(DriftItem(DriftKind.HOLDING_SHORT, symbol, mine, at_broker, note))
    return items


def our_trades_today(
    db: Session, *, user_id: int, broker: str, today: date
) -> tuple[int, dict[str, int]]:
    """How many trades we booked today in `broker`'s books, and their quantity per broker
    order id."""
    rows = db.execute(
        select(Order.broker_order_id, Trade.quantity)
        .join(Order, Order.id == Trade.order_pk)
        .where(
            Trade.user_id == user_id, Trade.broker == broker, Trade.trade_date == today.isoformat()
        )
    ).all()
    quantities: dict[str, int] = {}
    for broker_order_id, quantity in rows:
        if broker_order_id is not None:
            quantities[broker_order_id] = quantities.get(broker_order_id, 0) + quantity
    return len(rows), quantities


def compare_trades(
    broker_trades: Iterable[KiteDict], ours: Mapping[str, int], *, our_orders: set[str]
) -> list[DriftItem]:
    """A `trades` item for each of our broker orders whose traded quantity differs.

    Counts of trades are not compared: we book the broker's cumulative fill, so one of
    our trades may stand for several of the exchange's.
    """
    theirs: dict[str, int] = {}
    for row in broker_trades:
        order_id = str(row["order_id"])
        theirs[order_id] = theirs.get(order_id, 0) + int(row.get("quantity") or 0)
    items = []
    for order_id in sorted((set(theirs) | set(ours)) & our_orders):
        mine, at_broker = ours.get(order_id, 0), theirs.get(order_id, 0)
        if mine != at_broker:
            note = (
                f"broker order {order_id}: {mine} traded in TraderTape, {at_broker} at the broker"
            )
            items.append(DriftItem(DriftKind.TRADES, order_id, mine, at_broker, note))
    return items


def gtt_items(
    db: Session, *, user_id: int, broker: str, broker_gtts: Iterable[KiteDict]
) -> tuple[int, list[DriftItem]]:
    """The broker's active triggers against our live ones (rows in `broker`'s name, keyed
    by the broker's trigger id): how many are active there, and what differs.

    A trigger the user set in the broker's own app is information (``gtt_external``); our
    active trigger the broker does not list is drift. Nothing is re-created.
    """
    active = {str(g["id"]): g for g in broker_gtts if g.get("status") == "active"}
    rows = db.execute(
        select(Gtt.broker_trigger_id, Gtt.status).where(
            Gtt.user_id == user_id, Gtt.broker == broker, Gtt.broker_trigger_id.is_not(None)
        )
    )
    known: set[str] = set()
    ours_active: set[str] = set()
    for trigger_id, status in rows:
        known.add(str(trigger_id))
        if status == "active":
            ours_active.add(str(trigger_id))
    items = []
    for trigger_id in sorted(set(active) - known, key=lambda t: (len(t), t)):
        condition = active[trigger_id].get("condition") or {}
        symbol = f"{condition.get('exchange', '')}:{condition.get('tradingsymbol', '')}"
        note = f"trigger {trigger_id} on {symbol} was set outside TraderTape"
        items.append(DriftItem(DriftKind.GTT_EXTERNAL, trigger_id, None, 1, note))
    for trigger_id in sorted(ours_active - set(active), key=lambda t: (len(t), t)):
        note = f"our active trigger {trigger_id} is not active at the broker"
        items.append(DriftItem(DriftKind.GTT_MISSING, trigger_id, 1, None, note))
    return len(active), items
