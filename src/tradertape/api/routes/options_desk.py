"""The web's option pages: underlyings, a chain around ATM, a structure's payoff, and the
structure placed as one basket."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep, SessionUser
from tradertape.api.schemas.errors import ORDER_RATE_RESPONSES
from tradertape.api.schemas.options_desk import (
    BasketIn,
    BasketMarginOut,
    BasketOut,
    PayoffIn,
    PayoffOut,
    UnderlyingOut,
    WindowChainOut,
    basket_legs,
    basket_out,
)
from tradertape.oms import Account
from tradertape.services import baskets
from tradertape.services.options import chain
from tradertape.services.options.payoff import LegRequest, WhatIf, payoff

router = APIRouter(prefix="/options", tags=["options"])


@router.get("/underlyings", response_model=list[UnderlyingOut])
def list_underlyings(user: SessionUser, runtime: RuntimeDep, db: DbDep) -> list[dict[str, Any]]:
    """Underlyings with listed options (an index lists once it has a price)."""
    return chain.underlyings(runtime.options, db)


@router.get("/underlyings/{underlying}/chain", response_model=WindowChainOut)
def window_chain(
    underlying: str,
    user: SessionUser,
    runtime: RuntimeDep,
    db: DbDep,
    expiry: Annotated[str | None, Query(max_length=20, description="a listed date")] = None,
    window: Annotated[int, Query(ge=1, le=40)] = 10,
) -> dict[str, Any]:
    """`window` strikes either side of ATM with LTP, IV, greeks and OI; PCR and max pain."""
    return chain.window_chain(runtime.options, db, underlying, expiry, window)


@router.post("/payoff", response_model=PayoffOut)
def structure_payoff(
    body: PayoffIn, user: SessionUser, runtime: RuntimeDep, db: DbDep
) -> dict[str, Any]:
    """Payoff at expiry and today of the legs (lots of listed contracts), with a what-if on
    spot, IV and days to expiry; nothing is stored or placed."""
    legs = [
        LegRequest(
            tradingsymbol=leg.tradingsymbol,
            side=leg.transaction_type,
            quantity=None,
            lots=leg.lots,
            entry_price=leg.entry_price,
        )
        for leg in body.legs
    ]
    what_if = WhatIf(spot=body.spot, iv_shift=body.iv_shift, days_to_expiry=body.days_to_expiry)
    return payoff(runtime.options, db, body.underlying, legs, what_if)


@router.post("/basket/preview", response_model=BasketMarginOut)
def preview_basket(
    body: BasketIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> baskets.Margin:
    """The margin and charges of the structure's legs together, and what you have to spend,
    before it is sent (nothing is stored): for a live basket your broker's basket-margin
    answer where it gives one (Kite), else the order preview's estimate. A leg the exchange
    would refuse is a 422 naming it (``legs[1].price``)."""
    account = Account.of(body.mode, body.broker)
    return runtime.baskets.preview(db, basket_legs(body), user_id=user.id, account=account)


@router.post("/basket", response_model=BasketOut, responses=ORDER_RATE_RESPONSES)
def place_basket(body: BasketIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> BasketOut:
    """Place the structure in one step, paper or live: the legs go one by one, bought legs
    first, each through the pre-trade gate (your risk rules, the kill switch) and SEBI's
    order-rate ceiling. A leg refused stops the rest (``skipped``) and the legs that filled
    are exited at market (``unwind``). A live basket needs both live switches (403)."""
    placed = runtime.baskets.place(
        db,
        basket_legs(body),
        user_id=user.id,
        account=Account.of(body.mode, body.broker),
        key=body.idempotency_key,
    )
    runtime.account_views.invalidate(user.id)
    return basket_out(placed)
