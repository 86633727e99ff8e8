"""A basket of orders sent leg by leg: the one mechanism behind the option chain's structure
(`baskets.chain`) and an alert's attached basket (`services.alerts.placing`).

Legs go bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
each through the one `OrderPipeline` with the key ``<basket>:<i>``, so sending the basket
again answers its first orders. A sold leg goes only once the bought legs before it have
filled in full: a live hedge is waited for (`HedgeWait`, 5 s), a paper one must have filled
when sent; a hedge left resting (a far limit) halts the basket like a refused leg, saying
so, and is cancelled: ordering the sends alone once left a naked short. A leg refused,
rejected or cancelled unfilled stops the basket (the rest ``skipped``: no naked short after
its hedge failed), a sent leg still working is cancelled (a paper leg then fills no more:
its cancel and its fills are one book's), and what the sent legs filled is exited at
market, shorts bought back first, as exits the rules never block (keys
``<basket>:unwind:<i>``). Each caller keeps its own words by mapping the one result.

A basket that halts with a partner stored opens its durable mark (`baskets.marks`) before
it cancels anything, and settles it once nothing is left working or unexited. A cancel the
broker did not answer leaves the mark open: the trading loop's unwind (`baskets.unwind`)
comes back to it on a later pass, or after a restart, cancels the partner (with a back-off)
or exits what it filled, with the same once-only keys. A live leg the broker takes and
rejects afterwards is that module's to unwind too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.money import paise
from tradertape.domain.order_state import MAY_FILL, PENDING
from tradertape.domain.orders import OrderSpec, OrderType, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import Account, CancelOrder, LastTick, OrderPipeline, SubmitOrder
from tradertape.ports.broker import BrokerError, KnowsBasketMargins
from tradertape.services.baskets import marks as basket_marks
from tradertape.services.options.plans import order_state
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, cost_contract, structure_margin

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


@dataclass(frozen=True, slots=True)
class HedgeWait:
    """How long a bought leg may take to fill before the sold legs after it are sent: a
    live broker reports its fill afterwards (a postback, the order socket), so the basket
    looks again every `poll_s` until `timeout_s` has passed. A venue that answers at once
    (paper) is not waited for: a hedge still resting there halts the basket at once."""

    timeout_s: float = 5.0
    poll_s: float = 0.2
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    def said(self) -> str:
        """The wait, as the halt's reason says it."""
        return f"within {self.timeout_s:g} s" if self.timeout_s else "when it was sent"


HEDGE_WAIT = HedgeWait()


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
    wait: HedgeWait | None = None,
) -> BasketResult[C]:
    """Send the legs hedge-first (each commits); a leg that will never trade, or a hedge
    not filled in full before a short's turn (`wait`), skips the rest and unwinds what the
    sent legs filled."""

    def send(index: int, leg: BasketLeg[C], spec: OrderSpec, *, unwind: bool) -> LegResult[C]:
        extra: dict[str, Any] = {"basket_leg": index, **({"unwind": True} if unwind else {})}
        try:
            placed = pipeline.submit(
                db,
                SubmitOrder(
                    user_id=user_id,
                    spec=spec,
                    last=last_tick(spec.key),
                    account=account,
                    client_key=f"{key}:unwind:{index}" if unwind else f"{key}:{index}",
                    source=source,
                    attribution={**attribution, **extra},
                    exit_only=unwind,
                ),
            )
        except (TraderTapeError, ValueError) as exc:  # refused before anything was stored
            db.rollback()
            detail = exc.detail if isinstance(exc, TraderTapeError) else str(exc)
            return LegResult(index, leg, spec, None, "refused", detail)
        order = placed.order
        return LegResult(index, leg, spec, order, order_state(order), order.status_message)

    sent: list[LegResult[C]] = []
    halted: str | None = None
    order = hedge_first([leg.spec.transaction_type for leg in legs])
    shorts_after = [
        any(legs[later].spec.transaction_type == TransactionType.SELL for later in order[at + 1 :])
        for at in range(len(order))
    ]
    at_once = pipeline.traits(account).answers_at_once
    waits = HedgeWait(timeout_s=0) if at_once else wait or HEDGE_WAIT  # read when called
    for at, index in enumerate(order):
        leg = legs[index]
        if halted is not None:
            sent.append(LegResult(index, leg, leg.spec, None, "skipped", halted))
            continue
        result = send(index, leg, leg.spec, unwind=False)
        if shorts_after[at]:  # a short goes only once the hedges before it stand
            result = _hedged(db, result, waits, ask=lambda o: _ask(pipeline, db, user_id, o))
        sent.append(result)
        halted = _halt(result, waits, hedge=shorts_after[at])
    unwind: list[LegResult[C]] = []
    if halted is not None:
        marked = _mark(pipeline, db, user_id, key, sent, halted)
        _stop_working(pipeline, db, user_id, sent, halted)
        filled = [s for s in sent if s.order is not None and (s.order.filled_quantity or 0) > 0]
        filled.sort(key=lambda s: s.spec.transaction_type == TransactionType.BUY)  # shorts first
        for s in filled:
            assert s.order is not None
            exit_spec = replace(
                s.spec,
                transaction_type=opposite(s.spec.transaction_type),
                quantity=s.order.filled_quantity or 0,
                order_type=OrderType.MARKET,
                price=None,
            )
            unwind.append(send(s.index, s.leg, exit_spec, unwind=True))
        if marked and not _owes(sent, unwind):
            basket_marks.settle(db, user_id=user_id, basket=key, now=pipeline.context.clock.now())
            db.commit()
    return BasketResult(_status(halted, sent, unwind), sent, unwind, halted)


def _ask(pipeline: OrderPipeline, db: Session, user_id: int, order: Order) -> None:
    """Ask a live broker for the order's state now (a postback may be slow or unset up)."""
    if order.broker_order_id:
        pipeline.refresh(
            db, user_id=user_id, broker_order_ids=[order.broker_order_id], broker=order.broker
        )


def _hedged(
    db: Session, result: LegResult[C], wait: HedgeWait, *, ask: Callable[[Order], None]
) -> LegResult[C]:
    """The hedge's result once it has filled in full, will never trade, or `wait` ran out.
    A hedge its send left filled is not read again (a paper one at market: each leg of a
    basket read its order back once more). Each look past the first asks its broker
    (`ask`) and reads afresh (a fill may be another thread's commit: a postback, the order
    socket, the trading loop)."""
    order = result.order
    if order is None or result.state in HALTS or result.state == "filled":
        return result  # as sent: filled in full (final), or never to trade
    deadline = wait.monotonic() + wait.timeout_s
    looked = False
    while True:
        if looked:
            ask(order)
        looked = True
        db.commit()  # nothing pending (the send committed): a new read sees other commits
        db.refresh(order)
        state = order_state(order)
        if state == "filled" or state in HALTS or wait.monotonic() >= deadline:
            return replace(result, state=state, reason=order.status_message or result.reason)
        wait.sleep(wait.poll_s)


def _halt(result: LegResult[C], wait: HedgeWait, *, hedge: bool) -> str | None:
    """Why the basket stops after `result` (None: it goes on)."""
    if result.state in HALTS:
        return f"leg {result.index + 1} was not placed: {result.reason or result.state}"
    if hedge and result.state != "filled":
        return (
            f"hedge leg {result.index + 1} had not filled ({result.state}) "
            f"{wait.said()}: the short legs were not sent"
        )
    return None


def _mark(
    pipeline: OrderPipeline,
    db: Session,
    user_id: int,
    key: str,
    sent: list[LegResult[C]],
    halted: str,
) -> bool:
    """Open the basket's durable mark, committed, when a sent leg may still trade (an unsent
    live one too: its broker may have it) or has filled: whatever becomes of the cancels and
    exits that follow (a broker that does not answer, a crash), the loop's unwind finds the
    basket. Whether it was marked."""
    stored = [
        s.order
        for s in sent
        if s.order is not None
        and (s.order.status in MAY_FILL or (s.order.filled_quantity or 0) > 0)
    ]
    if not stored:
        return False
    now = pipeline.context.clock.now()
    broker = stored[0].broker
    basket_marks.mark(db, user_id=user_id, broker=broker, basket=key, reason=halted, now=now)
    db.commit()
    return True


def _owes(sent: Sequence[LegResult[C]], unwind: Sequence[LegResult[C]]) -> bool:
    """Whether the halted basket still owes an unwind: a leg that may still trade after its
    cancel, or an exit refused before it was stored."""
    working = any(s.order is not None and s.order.status in MAY_FILL for s in sent)
    return working or any(u.order is None for u in unwind)


def _stop_working(
    pipeline: OrderPipeline, db: Session, user_id: int, sent: list[LegResult[C]], halted: str
) -> None:
    """Cancel the sent legs still working, in `sent` too: no short is left to fill unhedged,
    and what each filled is final before it is exited (a live cancel the broker did not
    answer, or that raced a fill, is the loop's to finish: `baskets.unwind`)."""
    for at, s in enumerate(sent):
        if s.order is not None and s.order.status in PENDING:
            try:
                pipeline.cancel(db, CancelOrder(user_id, s.order.order_id))
            except TraderTapeError:  # filled meanwhile, or its broker did not answer
                db.rollback()
            db.refresh(s.order)
            sent[at] = replace(s, state=order_state(s.order), reason=halted)


def opposite(side: TransactionType) -> TransactionType:
    """The side that closes `side`."""
    return TransactionType.SELL if side == TransactionType.BUY else TransactionType.BUY


def _status(halted: str | None, sent: Sequence[LegResult[C]], unwind: list[Any]) -> Status:
    if halted is None:
        return "complete"
    if unwind:
        return "unwound"
    nothing = all(s.state in ("refused", "rejected", "skipped", "cancelled") for s in sent)
    return "failed" if nothing else "partial"


@dataclass(frozen=True, slots=True)
class Margin:
    """What a basket needs and what the account has, before it is sent (nothing stored)."""

    margin_required: Decimal | None  # None: a leg without a price to estimate it at
    charges: Decimal | None
    available: Decimal
    order: list[int]  # the legs' sending order (request indices)
    source: Literal["broker", "estimate"]  # the broker's answer, or the paper table's
    # each leg's margin alone, added up (None: unknown), and what holding them together
    # spares: `margin_without_hedge` − `margin_required`
    margin_without_hedge: Decimal | None = None
    hedge_benefit: Decimal | None = None


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
            initial = (answer.get("initial") or {}).get("total")  # the orders' sum, unnetted
            required = paise(Decimal(str(total)))
            alone = paise(Decimal(str(initial))) if initial is not None else None
            return Margin(
                margin_required=required,
                charges=Decimal(str(charges)) if charges is not None else None,
                available=available,
                order=order,
                source="broker",
                margin_without_hedge=alone,
                hedge_benefit=alone - required if alone is not None else None,
            )
    catalog = workers.trading.catalog(db)
    cost = cost_contract(workers, priced, broker=broker, catalog=catalog)
    charges = cost["total_charges"]
    held = structure_margin(workers, priced, catalog=catalog)
    return Margin(
        margin_required=paise(held.hedged) if held is not None else None,
        charges=Decimal(str(charges)) if charges is not None else None,
        available=available,
        order=order,
        source="estimate",
        margin_without_hedge=paise(held.alone) if held is not None else None,
        hedge_benefit=paise(held.alone) - paise(held.hedged) if held is not None else None,
    )
