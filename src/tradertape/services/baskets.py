"""A basket of orders sent leg by leg: the one mechanism behind the option chain's structure
(`services.options.basket`) and an alert's attached basket (`services.alerts.placing`).

Legs go bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
each through the one `OrderPipeline` with the key ``<basket>:<i>``, so sending the basket
again answers its first orders. A leg refused, rejected or cancelled unfilled stops the
basket (the rest ``skipped``: no naked short after its hedge failed), a sent leg still
working is cancelled (a paper leg then fills no more: its cancel and its fills are one
book's), and what the sent legs filled is exited at market, shorts bought back first, as
exits the rules never block (keys ``<basket>:unwind:<i>``). Each caller keeps its own
words by mapping the one result.

A live leg is answered later: the broker may take it and refuse it afterwards (its RMS, a
price band), by a postback, the socket or the order book's poll. `LateRefusals` hears that
rejection among the OMS's committed events and, on the trading loop's next pass, does what
an immediate refusal does: it asks the broker how the basket's other legs stand, cancels
those still working (no short without its hedge), and exits what they filled at market,
shorts first, so however often it runs, or an immediate refusal's unwind ran before it,
each leg is exited once. A partner that fills after its exit was sent (its cancel raced a
fill, or more filled before the cancel landed) is exited for the difference: the exits of a
leg are summed, and what it filled beyond them goes out under a key of its own cumulative
quantity (``<basket>:unwind:<i>:<qty>``; the first exit keeps ``<basket>:unwind:<i>``), so
a repeated pass or a restart sends it once and no leg is exited beyond what it filled. The
pass hears such a fill (the partner's `OrderFilled` once its basket is unwinding) and
comes back to a basket while a partner its cancel missed is still working. A restart
between the rejection's booking and that pass loses no unwind: the first pass of a process
looks for today's late rejections of live legs in the order book too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import Order
from tradertape.db.models.trading import OrderEventRow
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import (
    MARKET_PROTECTION_AUTO,
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
)
from tradertape.errors import TraderTapeError
from tradertape.oms import (
    BROKER,
    UNGUARDED,
    Account,
    Guard,
    LastTick,
    OmsEvent,
    OrderFilled,
    OrderPipeline,
    OrderRejected,
)
from tradertape.ports.broker import BrokerError, KnowsBasketMargins
from tradertape.ports.clock import IST, Clock
from tradertape.services.options.plans import order_state
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, cost_contract

C = TypeVar("C")
Status = Literal["complete", "partial", "failed", "unwound"]
HALTS = ("refused", "rejected", "cancelled")  # the leg will never trade


@dataclass(frozen=True, slots=True)
class BasketLeg(Generic[C]):
    """One leg: its order and what its caller reports it by (a row, the chain's fields)."""

    spec: OrderSpec
    context: C


@dataclass(frozen=True, slots=True)
class LegResult(Generic[C]):
    """What became of a leg (or its unwind): the order sent (None: refused or skipped), its
    state (``refused``: nothing stored; ``skipped``; else `plans.order_state`'s word) and
    why."""

    index: int  # the leg's place in the request
    leg: BasketLeg[C]
    spec: OrderSpec  # the order sent: the leg's, or its exit
    order: Order | None
    state: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class BasketResult(Generic[C]):
    """Each leg in sending order, the unwind's orders, the basket's word and why it halted."""

    status: Status
    legs: list[LegResult[C]]
    unwind: list[LegResult[C]]
    halted: str | None


def hedge_first(sides: Sequence[str]) -> list[int]:
    """The legs' sending order: bought legs first, each side in the order given."""
    return sorted(range(len(sides)), key=lambda i: sides[i] != TransactionType.BUY)


def place_basket(
    pipeline: OrderPipeline,
    db: Session,
    *,
    user_id: int,
    account: Account,
    legs: Sequence[BasketLeg[C]],
    key: str,
    source: str,
    attribution: dict[str, Any],
    last_tick: LastTick,
) -> BasketResult[C]:
    """Send the legs hedge-first (each commits); a leg that will never trade skips the rest
    and unwinds what the sent legs filled."""

    def send(index: int, leg: BasketLeg[C], spec: OrderSpec, *, unwind: bool) -> LegResult[C]:
        extra: dict[str, Any] = {"basket_leg": index, **({"unwind": True} if unwind else {})}
        try:
            placed = pipeline.submit(
                db,
                user_id=user_id,
                spec=spec,
                last=last_tick(spec.key),
                account=account,
                client_key=f"{key}:unwind:{index}" if unwind else f"{key}:{index}",
                source=source,
                attribution={**attribution, **extra},
                exit_only=unwind,
            )
        except (TraderTapeError, ValueError) as exc:  # refused before anything was stored
            db.rollback()
            detail = exc.detail if isinstance(exc, TraderTapeError) else str(exc)
            return LegResult(index, leg, spec, None, "refused", detail)
        order = placed.order
        return LegResult(index, leg, spec, order, order_state(order), order.status_message)

    sent: list[LegResult[C]] = []
    halted: str | None = None
    for index in hedge_first([leg.spec.transaction_type for leg in legs]):
        leg = legs[index]
        if halted is not None:
            sent.append(LegResult(index, leg, leg.spec, None, "skipped", halted))
            continue
        result = send(index, leg, leg.spec, unwind=False)
        sent.append(result)
        if result.state in HALTS:
            halted = f"leg {index + 1} was not placed: {result.reason or result.state}"
    unwind: list[LegResult[C]] = []
    if halted is not None:
        _stop_working(pipeline, db, user_id, sent, halted)
        filled = [s for s in sent if s.order is not None and (s.order.filled_quantity or 0) > 0]
        filled.sort(key=lambda s: s.spec.transaction_type == TransactionType.BUY)  # shorts first
        for s in filled:
            assert s.order is not None
            exit_spec = replace(
                s.spec,
                transaction_type=_opposite(s.spec.transaction_type),
                quantity=s.order.filled_quantity or 0,
                order_type=OrderType.MARKET,
                price=None,
            )
            unwind.append(send(s.index, s.leg, exit_spec, unwind=True))
    return BasketResult(_status(halted, sent, unwind), sent, unwind, halted)


def _stop_working(
    pipeline: OrderPipeline, db: Session, user_id: int, sent: list[LegResult[C]], halted: str
) -> None:
    """Cancel the sent legs still working, in `sent` too: no short is left to fill unhedged,
    and what each filled is final before it is exited (a live cancel that raced a fill is
    `LateRefusals`' to finish)."""
    for at, s in enumerate(sent):
        if s.order is not None and s.order.status in PENDING:
            try:
                pipeline.cancel(db, user_id=user_id, order_id=s.order.order_id)
            except TraderTapeError:  # filled meanwhile, or its broker did not answer
                db.rollback()
            db.refresh(s.order)
            sent[at] = replace(s, state=order_state(s.order), reason=halted)


def _opposite(side: TransactionType) -> TransactionType:
    return TransactionType.SELL if side == TransactionType.BUY else TransactionType.BUY


def _status(halted: str | None, sent: Sequence[LegResult[C]], unwind: list[Any]) -> Status:
    if halted is None:
        return "complete"
    if unwind:
        return "unwound"
    nothing = all(s.state in ("refused", "rejected", "skipped", "cancelled") for s in sent)
    return "failed" if nothing else "partial"


# What a leg was once it was taken: working at its broker (a rejection after it is late).
_TAKEN = ("OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED")
# The states an order reaches before its venue answers: a refusal then is no late one (the
# placement's own answer, which `place_basket` already halts and unwinds on).
_UNANSWERED = frozenset({"PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"})


def _late_leg(event: OrderRejected) -> bool:
    """Whether `event` is a live basket leg's rejection after its broker took it."""
    if event.broker == BROKER:
        return False
    tags = event.attribution
    return (
        isinstance(tags.get("basket_leg"), int)
        and not tags.get("unwind")
        and event.broker_order_id is not None
        and event.previous_status not in _UNANSWERED
    )


def _live_leg_filled(event: OrderFilled) -> bool:
    """Whether `event` is a live basket leg's fill (its basket may be unwinding)."""
    tags = event.attribution
    return (
        event.broker != BROKER
        and isinstance(tags.get("basket_leg"), int)
        and not tags.get("unwind")
    )


def _exited(exit_order: Order) -> int:
    """What an exit takes off its leg: all it asked while it may still trade, what it
    filled once it never will (a rejected or cancelled exit)."""
    if exit_order.status in ("REJECTED", "CANCELLED"):
        return exit_order.filled_quantity or 0
    return exit_order.quantity


def basket_of(order: Order) -> str | None:
    """The basket key a leg was sent with (its key is ``<basket>:<i>``), or None."""
    index = (order.attribution or {}).get("basket_leg")
    key, suffix = order.client_key, f":{index}"
    if not isinstance(index, int) or key is None or not key.endswith(suffix):
        return None
    return key[: -len(suffix)]


class LateRefusals:
    """Unwinds a live basket whose leg its broker rejected after taking it: an OMS event
    listener (`hear`) and a trading-loop watcher (`on_timer`, `on_prices`) in one.

    The listener only notes the leg (it runs in the committing thread, and the unwind asks
    the broker); the loop's next pass unwinds. Every leg and exit is found by its key.
    """

    def __init__(
        self,
        *,
        db: Database,
        orders: OrderPipeline,
        last_tick: LastTick,
        clock: Clock,
        guard: Guard = UNGUARDED,
    ) -> None:
        """`clock` is market time: its day is the one whose rejections a restart looks for."""
        self._db = db
        self._clock = clock
        self._scanned = False  # this process has looked for rejections heard before it
        self._orders = orders
        self._last_tick = last_tick
        self._guard = guard
        self._heard: list[tuple[int, str]] = []  # (user, our order id) of each late refusal
        self._lock = threading.Lock()

    def hear(self, events: Sequence[OmsEvent]) -> None:
        """Note each live basket leg rejected late, and each live leg's fill (its basket
        may be unwinding: `unwind` tells), from a committed transaction's events."""
        late = [
            (e.user_id, e.order_id)
            for e in events
            if (isinstance(e, OrderRejected) and _late_leg(e))
            or (isinstance(e, OrderFilled) and _live_leg_filled(e))
        ]
        if late:
            with self._lock:
                self._heard.extend(late)

    def on_prices(self, keys: Iterable[str]) -> object:
        """A tick batch: unwind what was heard since the last pass."""
        return self.sweep()

    def on_timer(self) -> object:
        """The loop's timer (after its jobs polled the brokers): the same."""
        return self.sweep()

    def sweep(self) -> list[str]:
        """Unwind each basket a late refusal was heard of; the exit orders' ids."""
        missed = [] if self._scanned else self._missed()
        self._scanned = True
        with self._lock:
            self._heard.extend(missed)
            heard, self._heard = list(dict.fromkeys(self._heard)), []
        done = self._guard.each(
            heard,
            job="baskets.late_refusals",
            key=lambda item: item[1],
            owner=lambda item: item[0],
            work=lambda item: self.unwind(*item),
        )
        return [order_id for found in done for order_id in found]

    def _missed(self) -> list[tuple[int, str]]:
        """Today's live basket legs rejected after they were taken, as the order book has
        them: a process that starts finds those its predecessor heard and never unwound
        (an unwound basket is answered by its keys: nothing is sent twice)."""
        start = datetime.combine(self._clock.now().astimezone(IST).date(), time(0), IST)
        taken = exists().where(
            OrderEventRow.order_pk == Order.id, OrderEventRow.status_after.in_(_TAKEN)
        )
        with self._db.session() as db:
            rows = db.execute(
                select(Order.user_id, Order.order_id, Order.attribution).where(
                    Order.broker != BROKER,
                    Order.status == "REJECTED",
                    Order.broker_order_id.is_not(None),
                    Order.client_key.is_not(None),
                    Order.placed_at >= start,
                    taken,
                )
            ).all()
        return [
            (user_id, order_id)
            for user_id, order_id, tags in rows
            if isinstance((tags or {}).get("basket_leg"), int) and not (tags or {}).get("unwind")
        ]

    def unwind(self, user_id: int, order_id: str) -> list[str]:
        """Unwind the basket of the user's leg `order_id` if it is unwinding (a leg was
        rejected, or an exit was sent); the exits' order ids. A leg still working after
        its cancel brings the basket back on the next pass."""
        with self._db.session() as db:
            heard = db.scalar(
                select(Order).where(Order.user_id == user_id, Order.order_id == order_id)
            )
            basket = None if heard is None else basket_of(heard)
            if heard is None or basket is None:
                return []
            broker = heard.broker
            account = Account(live=True, broker=broker)
            legs, exits = self._legs(db, user_id, broker, basket)
            if not exits and not any(leg.status == "REJECTED" for leg in legs):
                return []  # a fill of a basket that is not unwinding
            self._refresh(db, user_id, broker, legs)
            for leg in legs:
                if leg.status in PENDING:  # still working: no short stands without its hedge
                    try:
                        self._orders.cancel(db, user_id=user_id, order_id=leg.order_id)
                    except TraderTapeError:  # filled or gone meanwhile: exited below
                        db.rollback()
            self._refresh(db, user_id, broker, legs)
            if any(leg.status in PENDING for leg in legs):  # the cancel missed: again
                with self._lock:
                    self._heard.append((user_id, order_id))
            filled = [leg for leg in legs if (leg.filled_quantity or 0) > 0]
            filled.sort(key=lambda leg: leg.transaction_type == TransactionType.BUY)
            return [
                exit_id
                for leg in filled
                if (exit_id := self._exit(db, leg, basket, account, exits)) is not None
            ]

    @staticmethod
    def _legs(
        db: Session, user_id: int, broker: str, basket: str
    ) -> tuple[list[Order], dict[int, list[Order]]]:
        """The basket's legs at `broker`, oldest first, and its exits by leg index."""
        rows = db.scalars(
            select(Order)
            .where(
                Order.user_id == user_id,
                Order.broker == broker,
                Order.client_key.startswith(f"{basket}:", autoescape=True),
            )
            .order_by(Order.id)
        ).all()
        exits: dict[int, list[Order]] = {}
        for row in rows:
            tags = row.attribution or {}
            if tags.get("unwind") and isinstance(tags.get("basket_leg"), int):
                exits.setdefault(tags["basket_leg"], []).append(row)
        return [row for row in rows if not (row.attribution or {}).get("unwind")], exits

    def _refresh(self, db: Session, user_id: int, broker: str, legs: list[Order]) -> None:
        """Book what the broker says of the legs now (a fill its report has not brought)."""
        ids = [leg.broker_order_id for leg in legs if leg.broker_order_id]
        try:
            self._orders.refresh(db, user_id=user_id, broker_order_ids=ids, broker=broker)
        except TraderTapeError:  # the broker did not answer: the legs as we booked them
            db.rollback()
        for leg in legs:
            db.refresh(leg)

    def _exit(
        self,
        db: Session,
        leg: Order,
        basket: str,
        account: Account,
        exits: dict[int, list[Order]],
    ) -> str | None:
        """Exit at market with protection, as the basket's unwind does, what `leg` filled
        beyond its exits (`exits`, by leg index). The first exit's key is the basket's
        ``<basket>:unwind:<i>``; a further one's names the leg's filled quantity it exits
        up to (``<basket>:unwind:<i>:<qty>``): sent once, whoever asks again."""
        tags = leg.attribution or {}
        index = tags.get("basket_leg")
        sent = exits.get(index, []) if isinstance(index, int) else []
        filled = leg.filled_quantity or 0
        left = filled - sum(_exited(row) for row in sent)
        if left <= 0:  # exited already (or more is on its way out): never beyond the fills
            return None
        key = f"{basket}:unwind:{index}" + (f":{filled}" if sent else "")
        spec = OrderSpec(
            exchange=Exchange(leg.exchange),
            tradingsymbol=leg.tradingsymbol,
            transaction_type=_opposite(TransactionType(leg.transaction_type)),
            quantity=left,
            product=Product(leg.product),
            order_type=OrderType.MARKET,
            market_protection=MARKET_PROTECTION_AUTO,
        )
        try:
            placed = self._orders.submit(
                db,
                user_id=leg.user_id,
                spec=spec,
                last=self._last_tick(spec.key),
                account=account,
                client_key=key,
                source=leg.source,
                attribution={**tags, "unwind": True},
                exit_only=True,
            )
        except TraderTapeError:  # refused before anything was stored
            db.rollback()
            return None
        return placed.order.order_id


@dataclass(frozen=True, slots=True)
class Margin:
    """What a basket needs and what the account has, before it is sent (nothing stored)."""

    margin_required: Decimal | None  # None: a leg without a price to estimate it at
    charges: Decimal | None
    available: Decimal
    order: list[int]  # the legs' sending order (request indices)
    source: Literal["broker", "estimate"]  # the broker's answer, or the paper table's


def margin(
    db: Session,
    workers: WorkerContext,
    priced: Sequence[PricedLeg],
    *,
    broker: str,
    available: Decimal,
    adapter: object | None = None,
) -> Margin:
    """The basket's margin and charges together, for the chain's and an alert's preview
    alike: `adapter`'s (a live broker's basket-margin answer, hedges credited: Kite's
    ``/margins/basket``) when it can tell, else the estimate on `broker`'s schedule
    (`costs.cost_contract`, hedges credited by `domain.margins`)."""
    order = hedge_first([leg.spec.transaction_type for leg in priced])
    if isinstance(adapter, KnowsBasketMargins):
        try:
            answer = adapter.basket_margins([leg.spec for leg in priced])
        except BrokerError:  # no answer now: the estimate still tells the order of size
            answer = {}
        total = (answer.get("final") or {}).get("total")
        if total is not None:
            charges = (answer.get("charges") or {}).get("total")
            return Margin(
                margin_required=Decimal(str(total)),
                charges=Decimal(str(charges)) if charges is not None else None,
                available=available,
                order=order,
                source="broker",
            )
    cost = cost_contract(workers, priced, broker=broker, catalog=workers.trading.catalog(db))
    required, charges = cost["margin_required"], cost["total_charges"]
    return Margin(
        margin_required=Decimal(str(required)) if required is not None else None,
        charges=Decimal(str(charges)) if charges is not None else None,
        available=available,
        order=order,
        source="estimate",
    )
