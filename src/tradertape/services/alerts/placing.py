"""Orders that alerts and webhooks place: built from stored terms and sent through the one
order pipeline (`tradertape.oms.OrderPipeline`), so the risk gate, the kill switch and SEBI's
order-rate ceiling judge them as they judge an order from the ticket.

An alert's basket is sent as the option chain's is, by the one mechanism (`services.baskets`):
legs sent bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
a leg refused, rejected or cancelled unfilled stops the basket (the rest ``skipped``: no
naked short after its hedge failed), and the legs that filled are exited at market, shorts
bought back first, as exits the rules never block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import PAPER_ACCOUNT, Account, LastTick, OrderPipeline
from tradertape.services import baskets

MAX_LEGS = 10  # an alert's basket: a structure, not a portfolio


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """What to trade on a symbol named later (the alert's firing symbol, a hook's body)."""

    transaction_type: str
    quantity: int
    product: str
    order_type: str
    price: Decimal | None = None
    mode: str = "paper"
    broker: str | None = None

    @classmethod
    def of(cls, stored: dict[str, Any]) -> OrderTerms:
        """The terms kept in a row's JSON."""
        price = stored.get("price")
        return cls(
            transaction_type=str(stored["transaction_type"]),
            quantity=int(stored["quantity"]),
            product=str(stored["product"]),
            order_type=str(stored["order_type"]),
            price=Decimal(str(price)) if price is not None else None,
            mode=str(stored.get("mode", "paper")),
            broker=stored.get("broker"),
        )

    def spec(self, key: str) -> OrderSpec:
        """The order on ``EXCH:SYMBOL``."""
        exchange, symbol = key.split(":", 1)
        return OrderSpec(
            exchange=Exchange(exchange),
            tradingsymbol=symbol,
            transaction_type=TransactionType(self.transaction_type),
            quantity=self.quantity,
            product=Product(self.product),
            order_type=OrderType(self.order_type),
            price=self.price,
        )


@dataclass(frozen=True, slots=True)
class Placed:
    """What became of one order: ``placed`` (accepted or filled), ``rejected`` (stored
    REJECTED: a risk rule, funds) or ``refused`` (nothing stored: the reason)."""

    outcome: str
    order_id: str | None
    message: str | None


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
class Placer:
    """The pipeline and the prices an order is placed on."""

    pipeline: OrderPipeline
    quotes: LastTick

    def answers_at_once(self, terms: OrderTerms) -> bool:
        """Whether an order on these terms is answered in the caller's transaction (the
        venue's trait: `VenueTraits.answers_at_once`)."""
        return self.pipeline.traits(_account(terms)).answers_at_once

    def place(
        self,
        db: Session,
        *,
        user_id: int,
        key: str,
        terms: OrderTerms,
        client_key: str | None,
        source: str,
        attribution: dict[str, Any],
        on_record: Callable[[Session, Order], None] | None = None,
    ) -> Placed:
        """Place one order (commits); a refusal rolls the session back and is answered.
        ``on_record`` writes the caller's rows in the order's own transaction (the
        pipeline's, which a refusal before the order is stored never reaches)."""
        placed, _order = self._submit(
            db,
            user_id=user_id,
            key=key,
            terms=terms,
            client_key=client_key,
            source=source,
            attribution=attribution,
            on_record=on_record,
        )
        return placed

    def _submit(
        self,
        db: Session,
        *,
        user_id: int,
        key: str,
        terms: OrderTerms,
        client_key: str | None,
        source: str,
        attribution: dict[str, Any],
        exit_only: bool = False,
        on_record: Callable[[Session, Order], None] | None = None,
    ) -> tuple[Placed, Order | None]:
        try:
            submitted = self.pipeline.submit(
                db,
                user_id=user_id,
                spec=terms.spec(key),
                last=self.quotes(key),
                account=_account(terms),
                client_key=client_key,
                source=source,
                attribution=attribution,
                exit_only=exit_only,
                on_record=on_record,
            )
        except (TraderTapeError, ValueError) as exc:
            db.rollback()
            detail = exc.detail if isinstance(exc, TraderTapeError) else str(exc)
            return Placed("refused", None, detail[:400]), None
        order = submitted.order
        outcome = "rejected" if order.status == OrderStatus.REJECTED.value else "placed"
        return Placed(outcome, order.order_id, (order.status_message or None)), order

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
            account=_account(terms) if terms is not None else PAPER_ACCOUNT,
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


def _account(terms: OrderTerms) -> Account:
    return Account(live=terms.mode == "live", broker=terms.broker)


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
