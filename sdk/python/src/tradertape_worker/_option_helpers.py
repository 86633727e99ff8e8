"""Client-side option helpers: resolved contracts → `OptionExecutionLeg` payloads.

They ask the server to resolve (``client.options.resolve_contracts``) and only build
legs (``quantity = lot_size × lots``); they never create runs or place orders.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradertape_worker._exceptions import ClientValidationError
from tradertape_worker._options_api import OptionWorkerClient


def _leg_id() -> str:
    return f"leg_{secrets.token_hex(4)}"


class OptionExecutionLeg(BaseModel):
    """One leg of an option run, as ``options.create_run`` takes it."""

    model_config = ConfigDict(extra="allow")

    leg_id: str = Field(default_factory=_leg_id)
    tradingsymbol: str
    transaction_type: str
    quantity: int
    exchange: str = "NFO"
    product: str | None = None
    instrument_token: int | None = None
    strike: float | None = None
    option_type: str | None = None
    expiry_key: str | None = None
    ltp: float | None = None
    lot_size: int | None = None
    lots: int | None = None
    order_type: str = "MARKET"
    price: float | None = None
    trigger_price: float | None = None
    market_protection: int | None = None
    exit_order_type: str | None = None
    exit_price: float | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class SpreadLegSelection(BaseModel):
    """One leg of a spread: how to pick it (``selection``) and which side to take."""

    selection: dict[str, Any]
    transaction_type: str
    lots: int = 1


class SpreadSpec(BaseModel):
    """A spread: its legs, all on one expiry."""

    spread_type: str
    expiry: str | None = "nearest"
    legs: list[SpreadLegSelection]


def _side(transaction_type: str) -> str:
    side = str(transaction_type).upper()
    if side not in ("BUY", "SELL"):
        raise ClientValidationError("transaction_type must be BUY or SELL")
    return side


def _lots(lots: int) -> int:
    if isinstance(lots, bool) or not isinstance(lots, int) or lots < 1:
        raise ClientValidationError("lots must be a positive integer")
    return lots


def resolve_option_contracts(
    options: OptionWorkerClient,
    *,
    underlying: str,
    expiry: str | None,
    selections: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The listed contract for each selection, in order (the server's ``resolved``)."""
    body = {"expiry": expiry, "legs": [dict(s) for s in selections]}
    resolved = options.resolve_contracts(underlying, body).get("resolved", [])
    return [dict(c) for c in resolved]


def _leg(contract: Mapping[str, Any], product: str, side: str, lots: int) -> OptionExecutionLeg:
    lot_size = int(contract["lot_size"])
    return OptionExecutionLeg(
        tradingsymbol=contract["tradingsymbol"],
        transaction_type=side,
        quantity=lot_size * lots,
        exchange=contract.get("exchange", "NFO"),
        product=product,
        instrument_token=contract.get("instrument_token"),
        strike=contract.get("strike"),
        option_type=contract.get("option_type"),
        expiry_key=contract.get("expiry_key"),
        ltp=contract.get("ltp"),
        lot_size=lot_size,
        lots=lots,
        metadata={"resolver": contract.get("resolver")},
    )


def resolve_option_leg(
    options: OptionWorkerClient,
    *,
    underlying: str,
    product: str,
    expiry: str | None,
    selection: Mapping[str, Any],
    transaction_type: str,
    lots: int = 1,
) -> OptionExecutionLeg:
    """One leg from an explicit selection (``{"option_type": "CE", "strike": 25000}``)."""
    side, count = _side(transaction_type), _lots(lots)
    (contract,) = resolve_option_contracts(
        options, underlying=underlying, expiry=expiry, selections=[selection]
    )
    return _leg(contract, product, side, count)


def resolve_offset_leg(
    options: OptionWorkerClient,
    *,
    underlying: str,
    product: str,
    expiry: str | None,
    option_type: str,
    offset: int | str,
    transaction_type: str,
    lots: int = 1,
) -> OptionExecutionLeg:
    """A leg `offset` strikes from ATM (``"ATM"``, ``"ATM+1"``, ``-2``)."""
    selection = {"option_type": option_type, "offset": offset}
    return resolve_option_leg(
        options,
        underlying=underlying,
        product=product,
        expiry=expiry,
        selection=selection,
        transaction_type=transaction_type,
        lots=lots,
    )


def resolve_delta_leg(
    options: OptionWorkerClient,
    *,
    underlying: str,
    product: str,
    expiry: str | None,
    option_type: str,
    delta_target: float,
    transaction_type: str,
    lots: int = 1,
) -> OptionExecutionLeg:
    """The leg whose delta is nearest `delta_target` (its absolute value for puts)."""
    selection = {"option_type": option_type, "delta_target": delta_target}
    return resolve_option_leg(
        options,
        underlying=underlying,
        product=product,
        expiry=expiry,
        selection=selection,
        transaction_type=transaction_type,
        lots=lots,
    )


def resolve_spread(
    options: OptionWorkerClient, *, underlying: str, product: str, spec: SpreadSpec
) -> list[OptionExecutionLeg]:
    """Every leg of `spec`, resolved in one request, in the order given."""
    if not spec.legs:
        raise ClientValidationError("a spread needs at least one leg")
    sides = [(_side(leg.transaction_type), _lots(leg.lots)) for leg in spec.legs]
    contracts = resolve_option_contracts(
        options,
        underlying=underlying,
        expiry=spec.expiry,
        selections=[leg.selection for leg in spec.legs],
    )
    return [
        _leg(contract, product, side, lots)
        for contract, (side, lots) in zip(contracts, sides, strict=True)
    ]
