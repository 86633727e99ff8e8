"""Orders that alerts and webhooks place: built from stored terms and sent through the one
order pipeline (`tradertape.oms.OrderPipeline`), so the risk gate, the kill switch and SEBI's
order-rate ceiling judge them as they judge an order from the ticket."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import Account, LastTick, OrderPipeline


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
            )
        except (TraderTapeError, ValueError) as exc:
            db.rollback()
            detail = exc.detail if isinstance(exc, TraderTapeError) else str(exc)
            return Placed("refused", None, detail[:400])
        order = submitted.order
        outcome = "rejected" if order.status == OrderStatus.REJECTED.value else "placed"
        return Placed(outcome, order.order_id, (order.status_message or None))
