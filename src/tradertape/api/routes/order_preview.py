"""What an order would cost before it is placed: the order ticket's confirmation.

The same body as ``POST /api/orders``, checked by the same rules (a 422 names the field),
priced as the worker API's previews are (`services.workers.costs`): margin from the OMS's
margin table and itemized charges from the charges engine, at the limit price, the trigger
of an SL-M, or the last price of a market order. Nothing is placed or blocked. Amounts are
Kite's JSON numbers, as everywhere under ``/api/orders``.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.schemas.trading import OrderIn
from tradertape.api.schemas.workers import CostContractOut
from tradertape.domain.money import paise
from tradertape.services.workers.costs import PricedLeg, cost_contract, reference_price

router = APIRouter(tags=["trading"])


class OrderPreviewOut(BaseModel):
    """An order's costs, and whether the account's available margin covers them."""

    exchange: str
    tradingsymbol: str
    transaction_type: str
    quantity: int
    reference_price: float | None = Field(
        description="the price the costs are estimated at (null: a market order with no "
        "last price yet; then the costs are null too)"
    )
    order_value: float | None
    cost_contract: CostContractOut
    available_margin: float = Field(description="what a new order may use (funds' `net`)")
    sufficient: bool | None = Field(
        description="whether the available margin covers the margin required"
    )


@router.post("/orders/preview", response_model=OrderPreviewOut)
def preview_order(
    body: OrderIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> OrderPreviewOut:
    """Margin and charges of an order, without placing it (valid outside market hours
    too: the session rule is checked when the order is placed)."""
    spec = body.spec()
    desk = runtime.workers
    instrument = runtime.exchange.check(db, spec, desk.last_tick(spec.key), session=False)
    price = reference_price(desk, spec)
    contract = cost_contract(desk, [PricedLeg(spec, instrument, price)])
    available = runtime.portfolio.margins(db, user_id=user.id)["equity"]["net"]
    required = contract["margin_required"]
    return OrderPreviewOut(
        exchange=instrument.exchange.value,
        tradingsymbol=instrument.tradingsymbol,
        transaction_type=spec.transaction_type.value,
        quantity=spec.quantity,
        reference_price=float(price) if price is not None else None,
        order_value=float(paise(price * spec.quantity)) if price is not None else None,
        cost_contract=CostContractOut(**contract),
        available_margin=float(available),
        sufficient=None if required is None else Decimal(str(required)) <= Decimal(str(available)),
    )
