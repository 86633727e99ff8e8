"""The trading loop's unwind of a halted basket (`baskets.place_basket`): what the placement
could not finish, and what a live broker refused after taking a leg.

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
a repeated pass or a restart sends it once and no leg is exited beyond what it filled.

What is left owed is stored, not remembered: a basket that halted (a gate's immediate
refusal included, which the broker never heard of) while a partner was stored carries an
open mark (`baskets.marks`), and so does a late-refused basket whose partner's cancel missed.
The loop's timer reads the open marks, so a partner its cancel missed is cancelled, or
exited once it fills, on a later pass or after a restart; the mark is settled once nothing
works and every fill is exited. The pass also hears a leg's fill (the partner's
`OrderFilled`) and, on a process's first pass, today's late rejections in the order book.

A cancel the broker keeps refusing (5xx, 429, no answer) is not asked again on every pass:
each order waits 3 s after its first failure, doubling to 5 min, on the injected clock
(in memory: a restart asks once more at once), and its owner is told once
(``unwind_stuck``, keyed by the order) at the third failure: `cancel_backoff`, the
mechanism an option run's exit shares.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, time

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import Order
from tradertape.db.models.trading import OrderEventRow
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import MAY_FILL, PENDING
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
    SubmitOrder,
)
from tradertape.ports.clock import IST, Clock
from tradertape.services.baskets import marks as basket_marks
from tradertape.services.baskets import opposite
from tradertape.services.cancel_backoff import CancelBackoff, ask_cancel

# What a leg was once it was taken: working at its broker (a rejection after it is late).
_TAKEN = ("OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED")
# The states an order reaches before its venue answers: a refusal then is no late one (the
# placement's own answer, which `place_basket` already halts and unwinds on).
_UNANSWERED = frozenset({"PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"})


def _late_leg(event: OrderRejected) -> bool:
    """Whether `event` is a live basket leg's rejection after its broker took it."""
    if OrderPipeline.traits_of(event.broker).answers_at_once:  # paper: refused at once
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
        not OrderPipeline.traits_of(event.broker).answers_at_once
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
    """Unwinds a halted basket: an OMS event listener (`hear`) and a trading-loop watcher
    (`on_timer`, `on_prices`) in one.

    The listener only notes the leg (it runs in the committing thread, and the unwind asks
    the broker); the loop's next pass unwinds, and its timer also reads the open marks.
    Every leg and exit is found by its key.
    """

    def __init__(
        self,
        *,
        db: Database,
        orders: OrderPipeline,
        last_tick: LastTick,
        clock: Clock,
        guard: Guard = UNGUARDED,
        wall: Clock | None = None,
    ) -> None:
        """`clock` is market time: its day is the one whose rejections a restart looks for;
        `wall` (by default `clock`) times a failed cancel's back-off."""
        self._db = db
        self._clock = clock
        self._wall = wall or clock
        self._scanned = False  # this process has looked for rejections heard before it
        self._orders = orders
        self._last_tick = last_tick
        self._guard = guard
        self._heard: list[tuple[int, str]] = []  # (user, our order id) of each late refusal
        self._lock = threading.Lock()
        self._passed: set[tuple[int, str]] | None = None  # (user, basket) done in a sweep
        self.cancels = CancelBackoff()

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
        return self.sweep(marked=False)

    def on_timer(self) -> object:
        """The loop's timer (after its jobs polled the brokers): that, and every basket
        whose mark is open."""
        return self.sweep()

    def sweep(self, *, marked: bool = True) -> list[str]:
        """Unwind each basket a late refusal or a fill was heard of and, when `marked`
        (and on a process's first pass), each basket marked as owing; the exits' ids."""
        first = not self._scanned
        missed = self._missed() if first else []
        self._scanned = True
        with self._lock:
            self._heard.extend(missed)
            heard, self._heard = list(dict.fromkeys(self._heard)), []
        passed: set[tuple[int, str]] = set()
        self._passed = passed
        try:
            done = self._guard.each(
                heard,
                job="baskets.late_refusals",
                key=lambda item: item[1],
                owner=lambda item: item[0],
                work=lambda item: self.unwind(*item),
            )
            if marked or first:
                with self._db.session() as db:
                    owing = basket_marks.open_marks(db)
                done += self._guard.each(
                    [mark for mark in owing if (mark[0], mark[2]) not in passed],
                    job="baskets.unwinds",
                    key=lambda mark: mark[2],
                    owner=lambda mark: mark[0],
                    work=lambda mark: self.unwind_basket(*mark),
                )
        finally:
            self._passed = None
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
        """Unwind the basket of the user's leg `order_id` if it is unwinding; the exits'
        order ids (`unwind_basket`)."""
        with self._db.session() as db:
            heard = db.scalar(
                select(Order).where(Order.user_id == user_id, Order.order_id == order_id)
            )
            basket = None if heard is None else basket_of(heard)
            if heard is None or basket is None:
                return []
            broker = heard.broker
        return self.unwind_basket(user_id, broker, basket)

    def unwind_basket(self, user_id: int, broker: str, basket: str) -> list[str]:
        """Unwind the user's `basket` at `broker` if it is unwinding (marked, a leg
        rejected, or an exit sent): cancel its legs still working whose back-off allows,
        exit what they filled beyond their exits; the exits' order ids. A leg still working
        keeps (or opens) the basket's mark; a basket that owes nothing more settles it."""
        if self._passed is not None:  # once a sweep, however many of its legs were heard
            if (user_id, basket) in self._passed:
                return []
            self._passed.add((user_id, basket))
        account = Account.of_venue(broker)
        asks = not OrderPipeline.traits_of(broker).answers_at_once  # its legs' news: asked
        with self._db.session() as db:
            mark = basket_marks.find(db, user_id, basket)
            marked = mark is not None and mark.done_at is None
            legs, exits = self._legs(db, user_id, broker, basket)
            if not (marked or exits or any(leg.status == "REJECTED" for leg in legs)):
                return []  # a fill of a basket that is not unwinding
            now = self._wall.now()
            self._stop_working(db, user_id, broker, basket, legs, asks=asks, now=now)
            filled = [leg for leg in legs if (leg.filled_quantity or 0) > 0]
            filled.sort(key=lambda leg: leg.transaction_type == TransactionType.BUY)
            sent = [self._exit(db, leg, basket, account, exits) for leg in filled]
            self._keep_mark(db, user_id, broker, basket, legs, owed=False in sent, now=now)
            return [exit_id for exit_id in sent if isinstance(exit_id, str)]

    def _stop_working(
        self,
        db: Session,
        user_id: int,
        broker: str,
        basket: str,
        legs: list[Order],
        *,
        asks: bool,
        now: datetime,
    ) -> None:
        """Cancel the legs still working whose back-off allows (no short stands without its
        hedge), with what their venue says of them before and after (`asks`: a venue that
        answers later); a pass within every leg's back-off reads only the booked fills."""
        working = [leg for leg in legs if leg.status in PENDING]
        due = [leg for leg in working if self.cancels.due(leg.order_id, now)]
        if asks and (due or not working):
            self._refresh(db, user_id, broker, legs)
        for leg in due:
            if leg.status in PENDING:  # the refresh may have found it done
                self._cancel(db, leg, basket, now)
        if due and asks:
            self._refresh(db, user_id, broker, legs)
        for leg in legs:
            if leg.status not in PENDING:  # done however it ended: no cancel to pace
                self.cancels.forget(leg.order_id)

    @staticmethod
    def _keep_mark(
        db: Session,
        user_id: int,
        broker: str,
        basket: str,
        legs: list[Order],
        *,
        owed: bool,
        now: datetime,
    ) -> None:
        """A leg that may still trade keeps the basket's mark open (or opens it: a
        late-refused basket's) for a later pass or the next process; a basket that owes
        nothing more (no leg may trade, no exit refused) settles it."""
        mark = basket_marks.find(db, user_id, basket)
        if any(leg.status in MAY_FILL for leg in legs):  # an unsent one may yet be sent
            reason = mark.reason if mark is not None else "a leg's cancel did not land"
            basket_marks.mark(
                db, user_id=user_id, broker=broker, basket=basket, reason=reason, now=now
            )
            db.commit()
        elif mark is not None and mark.done_at is None and not owed:
            basket_marks.settle(db, user_id=user_id, basket=basket, now=now)
            db.commit()

    def _cancel(self, db: Session, leg: Order, basket: str, now: datetime) -> None:
        """Ask for the leg's cancel (`cancel_backoff.ask_cancel`): a refusal waits its
        back-off, and its owner is told once when it keeps failing."""
        why = "another leg of its basket was refused"
        ask_cancel(self._orders, self.cancels, db, leg, now, why=why, payload={"basket": basket})

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
    ) -> str | bool:
        """Exit at market with protection, as the basket's unwind does, what `leg` filled
        beyond its exits (`exits`, by leg index): the exit's id, True when none is owed,
        False when it was refused before anything was stored (a later pass tries again).
        The first exit's key is the basket's ``<basket>:unwind:<i>``; a further one's
        names the leg's filled quantity it exits up to (``<basket>:unwind:<i>:<qty>``):
        sent once, whoever asks again."""
        tags = leg.attribution or {}
        index = tags.get("basket_leg")
        sent = exits.get(index, []) if isinstance(index, int) else []
        filled = leg.filled_quantity or 0
        left = filled - sum(_exited(row) for row in sent)
        if left <= 0:  # exited already (or more is on its way out): never beyond the fills
            return True
        key = f"{basket}:unwind:{index}" + (f":{filled}" if sent else "")
        spec = OrderSpec(
            exchange=Exchange(leg.exchange),
            tradingsymbol=leg.tradingsymbol,
            transaction_type=opposite(TransactionType(leg.transaction_type)),
            quantity=left,
            product=Product(leg.product),
            order_type=OrderType.MARKET,
            market_protection=MARKET_PROTECTION_AUTO,
        )
        try:
            placed = self._orders.submit(
                db,
                SubmitOrder(
                    user_id=leg.user_id,
                    spec=spec,
                    last=self._last_tick(spec.key),
                    account=account,
                    client_key=key,
                    source=leg.source,
                    attribution={**tags, "unwind": True},
                    exit_only=True,
                ),
            )
        except TraderTapeError:  # refused before anything was stored
            db.rollback()
            return False
        return placed.order.order_id
