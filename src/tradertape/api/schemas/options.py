"""Request bodies of the worker options namespace (``/algo-workers/worker/options``).

Option legs take the fields the SDK's ``OptionExecutionLeg`` sends; unknown extra
fields are ignored (the SDK may send display fields like ``ltp``). The selection
resolver takes a free JSON object instead, because its refusals are the contract's
own 400 codes (``OPTION_SELECTION_INVALID_*``), not a generic 422.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradertape.domain.decimal_input import Count, Flag, Price
from tradertape.domain.option_payoff import MAX_LOTS
from tradertape.serving.free_json import JsonObject


class OptionLegIn(BaseModel):
    """One leg of an option run: a listed NFO option, a side and a size."""

    model_config = ConfigDict(extra="ignore")

    leg_id: str | None = Field(default=None, min_length=1, max_length=64)
    tradingsymbol: str = Field(min_length=1, max_length=64)
    transaction_type: Literal["BUY", "SELL"]
    quantity: Count | None = Field(default=None, gt=0, le=100_000)
    lots: Count | None = Field(default=None, gt=0, le=MAX_LOTS)
    lot_size: Count | None = Field(default=None, gt=0, le=100_000)
    exchange: Literal["NFO"] = "NFO"
    product: Literal["MIS", "NRML"] | None = None
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: Price | None = None
    market_protection: Count | None = Field(default=None, ge=-1, le=100)
    metadata: JsonObject = Field(default_factory=dict)


class OptionRunIn(BaseModel):
    """``POST /options/runs``."""

    strategy_run_id: str | None = Field(default=None, min_length=1, max_length=128)
    strategy_name: str = Field(min_length=1, max_length=200)
    product: Literal["MIS", "NRML"]
    legs: list[OptionLegIn] = Field(min_length=1, max_length=20)
    protection: JsonObject | None = None
    on_partial_entry: Literal["unwind", "keep"] = Field(
        default="unwind",
        description="when some legs of the entry fill and another is refused: unwind the "
        "filled legs at market, or keep them under the run's protection rules (which "
        "must then be given)",
    )
    metadata: JsonObject = Field(default_factory=dict)


class OptionRunActionIn(BaseModel):
    """``enter`` / ``exit`` (the reference's ``OptionRunActionRequest``).

    ``order_results``/``trade_results`` (the anchor's test seam) are refused: fills here
    come from the paper exchange only.
    """

    mode: str | None = Field(default=None, max_length=20)
    execution_mode: str | None = Field(default=None, max_length=20)
    account_scope: str | None = Field(default=None, max_length=100)
    all_or_none: Flag | None = None
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=160)
    metadata: JsonObject = Field(default_factory=dict)
    safety_token: str | None = Field(default=None, max_length=2000)
    order_results: None = None
    trade_results: None = None
