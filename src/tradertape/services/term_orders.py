"""Orders placed from stored terms (an alert's attached order, a webhook's template): one
order on a symbol named later, sent through the one order pipeline
(`tradertape.oms.OrderPipeline`), so the risk gate, the kill switch and SEBI's order-rate
ceiling judge it as they judge an order from the ticket. The alert's placing
(`alerts.placing`, its basket too) and the webhook's (`webhooks.placing`) are commands over
this one placer, each writing its own source and attribution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.enum_members import members_of
from tradertape.domain.instruments import Exchange
from tradertape.domain.order_state import OrderStatus
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.errors import TraderTapeError
from tradertape.oms import Account, LastTick, OrderPipeline, SubmitOrder

# The stored terms' texts as members, each a dict read (`enum_members`): a webhook's or an
# alert's order turns four of them a placement (issue 69).
_EXCHANGE = members_of(Exchange)
_SIDE = members_of(TransactionType)
_PRODUCT = members_of(Product)
_ORDER_TYPE = members_of(OrderType)
_REJECTED = OrderStatus.REJECTED.value  # a stored status, read once (an enum property a call)


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
        """The order on ``EXCH:SYMBOL``: a priceless one (a MARKET order's) is made once a
        process and shared, as it is frozen (a webhook's or an alert's order built it
        afresh each time, issue 69); a price is never a key, since equal Decimals may be
        written apart (``1.0``, ``1``)."""
        if self.price is None:
            return _kept_spec(self, key)
        return self._made_spec(key)

    def _made_spec(self, key: str) -> OrderSpec:
        exchange, symbol = key.split(":", 1)
        return OrderSpec(
            exchange=_EXCHANGE(exchange),
            tradingsymbol=symbol,
            transaction_type=_SIDE(self.transaction_type),
            quantity=self.quantity,
            product=_PRODUCT(self.product),
            order_type=_ORDER_TYPE(self.order_type),
            price=self.price,
        )


# A key that names no exchange raises (not kept): the refusal is made each time.
_kept_spec = lru_cache(maxsize=4096)(OrderTerms._made_spec)


@dataclass(frozen=True, slots=True)
class Placed:
    """What became of one order: ``placed`` (accepted or filled), ``rejected`` (stored
    REJECTED: a risk rule, funds) or ``refused`` (nothing stored: the reason)."""

    outcome: str
    order_id: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class TermsPlacer:
    """The pipeline and the prices an order is placed on."""

    pipeline: OrderPipeline
    quotes: LastTick

    def answers_at_once(self, terms: OrderTerms) -> bool:
        """Whether an order on these terms is answered in the caller's transaction (the
        venue's trait: `VenueTraits.answers_at_once`)."""
        return self.pipeline.traits(account_of(terms)).answers_at_once

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
                SubmitOrder(
                    user_id=user_id,
                    spec=terms.spec(key),
                    last=self.quotes(key),
                    account=account_of(terms),
                    client_key=client_key,
                    source=source,
                    attribution=attribution,
                    exit_only=exit_only,
                    on_record=on_record,
                ),
            )
        except (TraderTapeError, ValueError) as exc:
            db.rollback()
            detail = exc.detail if isinstance(exc, TraderTapeError) else str(exc)
            return Placed("refused", None, detail[:400]), None
        order = submitted.order
        outcome = "rejected" if order.status == _REJECTED else "placed"
        return Placed(outcome, order.order_id, (order.status_message or None)), order


def account_of(terms: OrderTerms) -> Account:
    """The account the stored terms name."""
    return Account(live=terms.mode == "live", broker=terms.broker)
