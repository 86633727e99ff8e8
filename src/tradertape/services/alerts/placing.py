"""The alert's placing command: its attached order, one from stored terms placed by the
placer alerts and webhooks share (`services.term_orders`), or its basket.

An alert's basket is sent as the option chain's is, by the one mechanism (`services.baskets`):
legs sent bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
a leg refused, rejected or cancelled unfilled stops the basket (the rest ``skipped``: no
naked short after its hedge failed), and the legs that filled are exited at market, shorts
bought back first, as exits the rules never block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.order_state import OrderStatus
from tradertape.oms import PAPER_ACCOUNT
from tradertape.services import baskets
from tradertape.services.term_orders import OrderTerms, Placed, TermsPlacer, account_of

__all__ = ["MAX_LEGS", "BasketPlaced", "LegTerms", "OrderTerms", "Placed", "Placer", "basket_legs"]

MAX_LEGS = 10  # an alert's basket: a structure, not a portfolio


@dataclass(frozen=True, slots=True)
class LegTerms:
    """One leg of a basket: its symbol (None: the firing symbol) and terms."""

    symbol: str | None
    terms: OrderTerms


def basket_legs(stored: dict[str, Any]) -> list[LegTerms]:
    """A stored order's basket legs (empty for a single order); account fields are the
    basket's."""
    account = {"mode": stored.get("mode", "paper"), "broker": stored.get("broker")}
    return [
        LegTerms(leg.get("symbol"), OrderTerms.of({**leg, **account}))
        for leg in stored.get("legs") or []
    ]


@dataclass(frozen=True, slots=True)
class BasketPlaced:
    """A basket's word (``placed``: every leg; ``failed``: none; ``partial``; ``unwound``),
    its first order, why it stopped, and each leg then the unwind as the fire keeps them."""

    outcome: str
    order_id: str | None
    message: str | None
    legs: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Placer(TermsPlacer):
    """The one-order placer (`term_orders.TermsPlacer`) and an alert's basket."""

    def place_basket(
        self,
        db: Session,
        *,
        user_id: int,
        key: str,
        legs: list[LegTerms],
        client_key: str,
        source: str,
        attribution: dict[str, Any],
    ) -> BasketPlaced:
        """Send the legs bought-first (`baskets.place_basket`; each commits); a leg refused,
        rejected or cancelled unfilled skips the rest and exits what the sent legs filled.
        Leg ``i``'s key is ``<client_key>:i``, so a retry answers the first orders."""
        try:
            sent = [
                baskets.BasketLeg(leg.terms.spec(leg.symbol or key), leg.symbol or key)
                for leg in legs
            ]
        except ValueError as exc:  # a leg that is no order: nothing sent
            return BasketPlaced("failed", None, str(exc)[:400], [])
        terms = legs[0].terms if legs else None
        result = baskets.place_basket(
            self.pipeline,
            db,
            user_id=user_id,
            account=account_of(terms) if terms is not None else PAPER_ACCOUNT,
            legs=sent,
            key=client_key,
            source=source,
            attribution=attribution,
            last_tick=self.quotes,
        )
        rows = [_row(r, "") for r in result.legs] + [_row(r, "unwind ") for r in result.unwind]
        first = next((r.order.order_id for r in result.legs if r.order is not None), None)
        outcome = "placed" if result.status == "complete" else result.status
        halted = result.halted[:400] if result.halted else None
        return BasketPlaced(outcome, first, halted, rows)


def _row(result: baskets.LegResult[str], prefix: str) -> dict[str, Any]:
    """A leg (or its unwind) as the fire keeps it, in the alerts' words."""
    order, outcome, message = result.order, result.state, result.reason
    if order is None and outcome == "refused":
        message = (message or "")[:400]
    elif order is not None:
        rejected = order.status == OrderStatus.REJECTED.value
        outcome, message = ("rejected" if rejected else "placed"), (message or None)
    return {
        "leg": result.index,
        "symbol": result.leg.context,
        "transaction_type": result.spec.transaction_type.value,
        "quantity": result.spec.quantity,
        "outcome": prefix + outcome,
        "order_id": order.order_id if order is not None else None,
        "message": message,
    }
