"""Reconciliation of one user's live broker against our books; nothing is ever re-sent.

The broker is asked for its orders first, then trades, positions, holdings and GTTs (all
in the port's Kite shapes, so any `LiveBroker` fits); our rows are read after that, so an
order we recorded before sending is always seen as ours (its row is committed before the
broker hears of it).

Orders:

- ours (a row with that broker order id): the broker's report goes through
  `LiveOrders.apply_report`, the one path that books fills once, so a status or fill we
  missed is fixed and a report already applied changes nothing;
- the broker's id of one of our unsent rows (found by its tag, `Broker.find_order`): left
  to `LiveOrders.resolve_unsent`;
- unknown: **adopted** as our row (``source = "external"``, attribution
  ``{"mode": "live", "adopted": true}``, client key ``ext:<broker>:<id>`` so two runs
  adopt it once), then its fills are booked through `apply_report` like any live order's;
  an instrument we do not list cannot be booked and is reported instead;
- our working orders the broker does not list (placed more than `SEND_GRACE` before the
  broker was asked) are **marked**: today's keep their status with a ``missing`` event in
  their history (a late report may still fill or close them); an earlier day's are closed
  (``expired``: Kite lists only today's orders, and a day order ends with its day). A fill
  we never heard of then shows as position drift.

Trades, positions, holdings and GTTs are compared and reported (`reconcile_compare`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.trading import Gtt, Order
from tradertape.domain.books import live_book
from tradertape.domain.decimal_input import MAX_PRICE, parse_decimal
from tradertape.domain.instruments import Instrument
from tradertape.domain.order_state import PENDING, EventKind, OrderEvent, OrderStatus
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms.context import TradingContext
from tradertape.oms.emitter import hold_owners
from tradertape.oms.ids import new_order_id
from tradertape.oms.ledger import Ledger
from tradertape.oms.live.broker_trades import Tradebook
from tradertape.oms.live.orders import SEND_GRACE, LiveBroker, LiveOrders, kite_report
from tradertape.oms.live.reconcile_compare import (
    ATTENTION,
    DriftItem,
    DriftKind,
    compare_holdings,
    compare_positions,
    compare_trades,
    gtt_items,
    our_books,
    our_trades_today,
)
from tradertape.oms.order_log import (
    EXTERNAL_KEY,
    UNPLACED,
    apply_event,
    claim,
    record,
    store_history,
)
from tradertape.ports.broker import KiteDict
from tradertape.ports.clock import IST

log = logging.getLogger("tradertape.oms.reconcile")

ADOPTED_NOTE = "Placed outside TraderTape; adopted by reconciliation."
MISSING_NOTE = (
    "Missing at the broker: its order book does not list this order (reconciliation). "
    "It was not sent again."
)
ENDED_NOTE = (
    "Not in the broker's order book after its day (reconciliation); it was not sent again. "
    "A fill we were never told of shows as position drift."
)
_ENTRY = {
    OrderStatus.TRIGGER_PENDING.value: OrderStatus.TRIGGER_PENDING,
    OrderStatus.AMO_REQ_RECEIVED.value: OrderStatus.AMO_REQ_RECEIVED,
}


@dataclass(frozen=True, slots=True)
class ReconcileCounts:
    """How much each side holds, and what this run did."""

    broker_orders: int
    our_orders: int  # today's rows in the broker's name, adopted ones included
    adopted: int
    corrected: int  # our orders whose status or fill the broker's report changed
    missing: int
    broker_trades: int
    our_trades: int  # booked today in the broker's books
    broker_positions: int
    broker_holdings: int
    broker_gtts: int  # active triggers


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """One reconciliation of one user's broker."""

    broker: str
    ran_at: datetime
    counts: ReconcileCounts
    items: tuple[DriftItem, ...]

    @property
    def drift(self) -> bool:
        """Whether any finding needs the user's eye (`ATTENTION`)."""
        return any(item.kind in ATTENTION for item in self.items)


@dataclass(frozen=True, slots=True)
class _OrderPass:
    adopted: int
    corrected: int
    items: list[DriftItem]


class Reconciler:
    """Compares a user's live broker with our books; adopts, marks and reports."""

    def __init__(self, *, context: TradingContext, live: LiveOrders) -> None:
        self._context = context
        self._live = live

    def run(self, db: Session, *, user_id: int, broker: LiveBroker) -> ReconcileReport:
        """Reconcile `user_id` with `broker` (commits as it goes). A broker error raises
        before anything is written; the next run tries again."""
        asked_at = self._context.clock.now()
        adapter = broker.adapter
        orders = adapter.orders()
        trades = adapter.trades()
        net = list(adapter.positions().get("net") or [])
        holdings = adapter.holdings()
        gtts = adapter.gtts() if adapter.capabilities.gtt else []
        fired = _fired_by_our_gtts(db, user_id, broker.name, gtts)
        passed = self._orders(db, user_id, broker, orders, fired, Tradebook.of(trades))
        missing = self._missing(db, user_id, broker.name, orders, asked_at)
        today = asked_at.astimezone(IST).date()
        books = our_books(db, user_id=user_id, broker=broker.name, today=today)
        our_trade_count, traded = our_trades_today(
            db, user_id=user_id, broker=broker.name, today=today
        )
        active_gtts, gtt_findings = gtt_items(
            db, user_id=user_id, broker=broker.name, broker_gtts=gtts
        )
        ids = {str(t.get("order_id")) for t in trades} | set(traded)
        items = [
            *passed.items,
            *missing,
            *compare_trades(trades, traded, our_orders=self._owned(db, user_id, broker.name, ids)),
            *compare_positions(net, books.positions),
            *compare_holdings(holdings, books.holdings),
            *gtt_findings,
        ]
        counts = ReconcileCounts(
            broker_orders=len(orders),
            our_orders=self._today_rows(db, user_id, broker.name, asked_at),
            adopted=passed.adopted,
            corrected=passed.corrected,
            missing=len(missing),
            broker_trades=len(trades),
            our_trades=our_trade_count,
            broker_positions=len(net),
            broker_holdings=len(holdings),
            broker_gtts=active_gtts,
        )
        return ReconcileReport(broker.name, self._context.clock.now(), counts, tuple(items))

    # -- orders ---------------------------------------------------------------------------

    def _orders(
        self,
        db: Session,
        user_id: int,
        broker: LiveBroker,
        rows: list[KiteDict],
        fired: set[str],
        tradebook: Tradebook,
    ) -> _OrderPass:
        by_id = {str(r["order_id"]): r for r in rows if r.get("order_id")}
        before = self._states(db, broker.name, set(by_id))
        mine = {oid for oid, (owner, _state) in before.items() if owner == user_id}
        unsent = db.scalars(
            select(Order.order_id).where(
                Order.user_id == user_id,
                Order.broker == broker.name,
                Order.status == UNPLACED,
                Order.broker_order_id.is_(None),
            )
        ).all()
        sending = {found for key in unsent if (found := broker.adapter.find_order(key)) is not None}
        sending |= fired  # our own triggers' orders: the GTT sweep adopts them, linked
        adopted, items = 0, []
        for oid, row in by_id.items():
            if oid in mine:
                self._live.apply_report(db, broker.name, kite_report(row), tradebook)
            elif oid not in before and oid not in sending:
                item = self._adopt(db, user_id, broker.name, row, tradebook)
                if item is not None:
                    items.append(item)
                if item is not None and item.kind is DriftKind.ORDER_ADOPTED:
                    adopted += 1
                    mine.add(oid)
        after = self._states(db, broker.name, mine)
        corrected = sum(1 for oid in mine if oid in before and before[oid] != after.get(oid))
        return _OrderPass(adopted, corrected, items)

    def _owned(self, db: Session, user_id: int, broker: str, ids: set[str]) -> set[str]:
        """Those of `ids` that are broker ids of the user's orders."""
        states = self._states(db, broker, ids)
        return {oid for oid, (owner, _state) in states.items() if owner == user_id}

    @staticmethod
    def _states(db: Session, broker: str, ids: set[str]) -> dict[str, tuple[int, tuple[str, int]]]:
        """Broker id → (owner, (status, filled)) of the rows we hold for `ids`, any user's."""
        if not ids:
            return {}
        rows = db.execute(
            select(Order.broker_order_id, Order.user_id, Order.status, Order.filled_quantity).where(
                Order.broker == broker, Order.broker_order_id.in_(sorted(ids))
            )
        )
        return {str(oid): (owner, (status, filled)) for oid, owner, status, filled in rows}

    def _adopt(
        self, db: Session, user_id: int, broker: str, row: KiteDict, tradebook: Tradebook
    ) -> DriftItem | None:
        """Store an order placed outside TraderTape as ours, then book what it filled."""
        oid = str(row["order_id"])
        key = f"{row.get('exchange', '')}:{row.get('tradingsymbol', '')}"
        quantity = int(row.get("quantity") or 0)
        side, product = row.get("transaction_type"), row.get("product")
        instrument = self._context.catalog(db).find(key)
        if instrument is None:
            note = (
                f"broker order {oid} ({side} {quantity} {key} {product}) was placed outside "
                f"TraderTape in an instrument it does not list: not adopted"
            )
            return DriftItem(DriftKind.ORDER_UNLISTED, oid, None, quantity, note)
        now = self._context.clock.now()
        order = _external_order(user_id, broker, row, instrument, now)
        report = kite_report(row)
        rejected = report.status == OrderStatus.REJECTED.value and report.filled_quantity == 0
        first = (
            OrderEvent(EventKind.REJECTED, now, message=report.message or "rejected at the broker")
            if rejected
            else OrderEvent(
                EventKind.ACCEPTED,
                now,
                status_after=_ENTRY.get(report.status, OrderStatus.OPEN),
                message=ADOPTED_NOTE,
            )
        )
        history = [apply_event(order, first, now)]
        stored = claim(db, order)
        if stored is not order:  # another run adopted it first
            db.commit()
            return None
        store_history(db, order, history)
        db.commit()
        self._live.apply_report(db, broker, report, tradebook)
        note = (
            f"broker order {oid} ({side} {quantity} {key} {product}) was placed outside "
            f"TraderTape: adopted as order {order.order_id}"
        )
        log.info("adopted broker order %s of user %s as %s", oid, user_id, order.order_id)
        return DriftItem(DriftKind.ORDER_ADOPTED, oid, None, quantity, note)

    def _missing(
        self, db: Session, user_id: int, broker: str, rows: list[KiteDict], asked_at: datetime
    ) -> list[DriftItem]:
        """Mark our working orders the broker does not list (once); never send them again."""
        listed = {str(r.get("order_id")) for r in rows}
        candidates = db.execute(
            select(Order.id, Order.attribution, Order.owner_kind, Order.owner_id).where(
                Order.user_id == user_id,
                Order.broker == broker,
                Order.broker_order_id.is_not(None),
                Order.status.in_(PENDING),
                Order.placed_at <= asked_at - SEND_GRACE,  # a send in flight is not missing
            )
        ).all()
        today = asked_at.astimezone(IST).date()
        items = []
        for pk, attribution, owner_kind, owner_id in candidates:
            # its followers' owner locks, before the ledger's
            hold_owners(db, [Owner.of(owner_kind, owner_id)], [attribution or {}])
            Ledger(db, broker=broker).lock(user_id)  # one writer of this user's orders
            order = db.scalar(
                select(Order).where(Order.id == pk).execution_options(populate_existing=True)
            )
            assert order is not None
            if order.broker_order_id in listed or order.status not in PENDING:
                db.commit()
                continue
            now = self._context.clock.now()
            ended = order.placed_at.astimezone(IST).date() < today
            if ended:
                record(db, order, OrderEvent(EventKind.EXPIRED, now, message=ENDED_NOTE), now)
            elif order.status_message != MISSING_NOTE:
                record(db, order, OrderEvent(EventKind.MISSING, now, message=MISSING_NOTE), now)
            db.commit()
            pending = order.quantity - order.filled_quantity
            note = (
                f"our order {order.order_id} (broker order {order.broker_order_id}, "
                f"{order.transaction_type} {pending} {order.exchange}:{order.tradingsymbol}) "
                + ("ended with its day" if ended else "is not in the broker's order book")
                + "; not sent again"
            )
            items.append(DriftItem(DriftKind.ORDER_MISSING, order.order_id, pending, None, note))
        return items

    @staticmethod
    def _today_rows(db: Session, user_id: int, broker: str, asked_at: datetime) -> int:
        today = asked_at.astimezone(IST).date()
        placed = db.scalars(
            select(Order.placed_at).where(Order.user_id == user_id, Order.broker == broker)
        )
        return sum(1 for at in placed if at.astimezone(IST).date() == today)


def _fired_by_our_gtts(db: Session, user_id: int, broker: str, gtts: list[KiteDict]) -> set[str]:
    """The broker's order ids placed by triggers of ours (``LiveGttBook.sync`` adopts them
    with their trigger; adopting them here as external would leave the trigger unlinked)."""
    ours = set(
        db.scalars(
            select(Gtt.broker_trigger_id).where(
                Gtt.user_id == user_id, Gtt.broker == broker, Gtt.broker_trigger_id.is_not(None)
            )
        ).all()
    )
    fired = set()
    for remote in gtts:
        if str(remote.get("id")) not in ours:
            continue
        for leg in remote.get("orders") or []:
            result = (leg or {}).get("result") or {}
            order_id = (result.get("order_result") or {}).get("order_id")
            if order_id:
                fired.add(str(order_id))
    return fired


def _number(value: Any) -> Decimal | None:
    """A broker's price as we store it: None for none (0), and for one no book can hold
    (text, NaN, 1e308), which NUMERIC(18, 4) would refuse and the reads could not show."""
    try:
        number = parse_decimal(value or 0)
    except InvalidOperation:
        return None
    return number if 0 < number <= MAX_PRICE else None


def _placed_at(row: KiteDict, now: datetime) -> datetime:
    """The broker's order time (Kite's IST text or ISO), else now."""
    try:
        at = datetime.fromisoformat(str(row.get("order_timestamp")))
    except ValueError:
        return now
    return at if at.tzinfo is not None else at.replace(tzinfo=IST)


def _external_order(
    user_id: int, broker: str, row: KiteDict, instrument: Instrument, now: datetime
) -> Order:
    """Our row for a broker order placed outside TraderTape (before any event)."""
    oid = str(row["order_id"])
    return Order(
        user_id=user_id,
        order_id=new_order_id(now),
        broker=broker,
        broker_order_id=oid,
        client_key=f"{EXTERNAL_KEY}{broker}:{oid}",
        exchange=instrument.exchange.value,
        tradingsymbol=instrument.tradingsymbol,
        instrument_token=instrument.instrument_token,
        transaction_type=str(row["transaction_type"]),
        product=str(row["product"]),
        order_type=str(row["order_type"]),
        variety=str(row.get("variety") or "regular"),
        validity=str(row.get("validity") or "DAY"),
        validity_ttl=int(row.get("validity_ttl") or 0) or None,
        quantity=int(row["quantity"]),
        price=_number(row.get("price")),
        trigger_price=_number(row.get("trigger_price")),
        disclosed_quantity=int(row.get("disclosed_quantity") or 0) or None,
        market_protection=int(row.get("market_protection") or 0) or None,
        iceberg_legs=None,
        iceberg_quantity=None,
        status=UNPLACED,
        status_message=None,
        filled_quantity=0,
        average_price=Decimal(0),
        filled_value=Decimal(0),
        triggered=False,
        source="external",
        attribution={"mode": "live", "adopted": True},
        owner_kind=OwnerKind.EXTERNAL.value,
        owner_id=None,
        book=live_book(broker),
        placed_at=_placed_at(row, now),
        updated_at=now,
        expires_at=None,
    )
