"""A basket of orders sent leg by leg: the one mechanism behind the option chain's structure
(`services.options.basket`) and an alert's attached basket (`services.alerts.placing`).

Legs go bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
each through the one `OrderPipeline` with the key ``<basket>:<i>``, so sending the basket
again answers its first orders. A leg refused, rejected or cancelled unfilled stops the
basket (the rest ``skipped``: no naked short after its hedge failed), and what the sent legs
filled is exited at market, shorts bought back first, as exits the rules never block (keys
``<basket>:unwind:<i>``). Each caller keeps its own words by mapping the one result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.orders import OrderSpec, OrderType, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import Account, LastTick, OrderPipeline
from tradertape.services.options.plans import order_state

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


def _opposite(side: TransactionType) -> TransactionType:
    return TransactionType.SELL if side == TransactionType.BUY else TransactionType.BUY


def _status(halted: str | None, sent: Sequence[LegResult[C]], unwind: list[Any]) -> Status:
    if halted is None:
        return "complete"
    if unwind:
        return "unwound"
    nothing = all(s.state in ("refused", "rejected", "skipped") for s in sent)
    return "failed" if nothing else "partial"
