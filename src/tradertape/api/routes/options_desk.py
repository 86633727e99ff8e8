"""The web's option pages: underlyings, a chain around ATM, and a structure's payoff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tradertape.api.deps import DbDep, RuntimeDep, SessionUser
from tradertape.api.schemas.options_desk import PayoffIn, PayoffOut, UnderlyingOut, WindowChainOut
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
