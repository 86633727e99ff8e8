"""Orders that alerts and webhooks place: built from stored terms and sent through the one
order pipeline (`tradertape.oms.OrderPipeline`), so the risk gate, the kill switch and SEBI's
order-rate ceiling judge them as they judge an order from the ticket.

An alert's basket keeps the option chain's basket semantics (`services.options.basket`):
legs sent bought-first (`hedge_first`: the hedge stands before a sold leg asks for margin),
a leg refused or rejected stops the basket (the rest ``skipped``: no naked short after its
hedge failed), and the legs that filled are exited at market, shorts bought back first, as
exits the rules never block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import Account, LastTick, OrderPipeline
from tradertape.services.options.basket import hedge_first

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
    ) -> Placed:
        """Place one order (commits); a refusal rolls the session back and is answered."""
        placed, _order = self._submit(
            db,
            user_id=user_id,
            key=key,
            terms=terms,
            client_key=client_key,
            source=source,
            attribution=attribution,
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
    ) -> tuple[Placed, Order | None]:
        try:
            submitted = self.pipeline.submit(
                db,
                user_id=user_id,
                spec=terms.spec(key),
                last=self.quotes(key),
                account=Account(live=terms.mode == "live", broker=terms.broker),
                client_key=client_key,
                source=source,
                attribution=attribution,
                exit_only=exit_only,
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
        """Send the legs bought-first (each commits); a leg refused or rejected skips the
        rest and exits what the sent legs filled. Leg ``i``'s key is ``<client_key>:i``, so
        a retry answers the first orders."""
        sides = [{"transaction_type": leg.terms.transaction_type} for leg in legs]
        rows: list[dict[str, Any]] = []
        filled: list[tuple[int, str, Order]] = []
        halted: str | None = None
        first: str | None = None
        for index in hedge_first(sides):
            leg = legs[index]
            symbol = leg.symbol or key
            row = {
                "leg": index,
                "symbol": symbol,
                "transaction_type": leg.terms.transaction_type,
                "quantity": leg.terms.quantity,
            }
            if halted is not None:
                rows.append({**row, "outcome": "skipped", "order_id": None, "message": halted})
                continue
            placed, order = self._submit(
                db,
                user_id=user_id,
                key=symbol,
                terms=leg.terms,
                client_key=f"{client_key}:{index}",
                source=source,
                attribution={**attribution, "basket_leg": index},
            )
            rows.append(
                {
                    **row,
                    "outcome": placed.outcome,
                    "order_id": placed.order_id,
                    "message": placed.message,
                }
            )
            first = first or placed.order_id
            if placed.outcome != "placed":
                halted = f"leg {index + 1} was not placed: {placed.message or placed.outcome}"
            elif order is not None and (order.filled_quantity or 0) > 0:
                filled.append((index, symbol, order))
        unwound = (
            self._unwind(db, user_id, legs, filled, client_key, source, attribution)
            if halted
            else []
        )
        if halted is None:
            outcome = "placed"
        elif unwound:
            outcome = "unwound"
        else:
            outcome = "failed" if first is None else "partial"
        return BasketPlaced(outcome, first, halted[:400] if halted else None, rows + unwound)

    def _unwind(
        self,
        db: Session,
        user_id: int,
        legs: list[LegTerms],
        filled: list[tuple[int, str, Order]],
        client_key: str,
        source: str,
        attribution: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Exit what the legs filled at market, shorts bought back first."""
        out = []
        for index, symbol, order in sorted(
            filled, key=lambda f: legs[f[0]].terms.transaction_type == "BUY"
        ):
            terms = legs[index].terms
            side = "SELL" if terms.transaction_type == "BUY" else "BUY"
            quantity = order.filled_quantity or 0
            exit_terms = replace(
                terms, transaction_type=side, quantity=quantity, order_type="MARKET", price=None
            )
            placed, _order = self._submit(
                db,
                user_id=user_id,
                key=symbol,
                terms=exit_terms,
                client_key=f"{client_key}:unwind:{index}",
                source=source,
                attribution={**attribution, "basket_leg": index, "unwind": True},
                exit_only=True,
            )
            out.append(
                {
                    "leg": index,
                    "symbol": symbol,
                    "transaction_type": side,
                    "quantity": quantity,
                    "outcome": f"unwind {placed.outcome}",
                    "order_id": placed.order_id,
                    "message": placed.message,
                }
            )
        return out
