"""What a backtest is asked to do: the strategy, the universe and range, and the portfolio rules.

Shared by the HTTP API (it is the request body of ``POST /api/backtest/run``, seed 001's
example verbatim) and the CLI, so both refuse the same bad input with the same field names.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from tradertape.domain.decimal_input import PLAIN, Count, RupeesFloat
from tradertape.domain.row_ids import MAX_ROW_ID
from tradertape.strategies.dsl import StrategyDocument


class FlatCharges(BaseModel):
    """A flat commission, percent of each fill's value (``{"flat_pct": 0.1}``)."""

    model_config = ConfigDict(extra="forbid")

    flat_pct: float = Field(ge=0, le=5)


UniverseName = Annotated[str, Field(max_length=40)]
Symbols = Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=1000)]


class BacktestRequest(BaseModel):
    """A backtest run: a stored strategy (``strategy_id``) or an inline ``strategy``
    (exactly one; the service checks, so the error can name ``strategy_id``)."""

    model_config = ConfigDict(extra="forbid")

    strategy_id: Annotated[int, Strict()] | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    strategy: StrategyDocument | None = None
    universe: UniverseName | Symbols = Field(
        default="nifty_100",
        description="a universe name (nifty_50, nifty_100, nifty_200, nifty_500, "
        "nifty_next_50) or a list of symbols (NSE:RELIANCE or RELIANCE)",
    )
    start_date: date
    end_date: date
    starting_capital: RupeesFloat = Field(default=1_000_000, gt=0, le=1e12)
    position_size_pct: Annotated[float, Field(gt=0, le=100), PLAIN] = 10
    max_positions: Count = Field(default=10, ge=1, le=500)
    max_per_sector: Count | None = Field(default=None, ge=1, le=500)
    slippage_bps: Annotated[float, Field(ge=0, le=1000), PLAIN] = 5
    fill_at: Literal["next_open", "close"] = "next_open"
    charges: Literal["zerodha", "none"] | FlatCharges = "zerodha"

    @field_validator("universe")
    @classmethod
    def _some_symbols(cls, universe: str | list[str]) -> str | list[str]:
        if isinstance(universe, list) and not 1 <= len(universe) <= 1000:
            raise ValueError("a symbol list needs 1 to 1000 symbols")
        return universe

    @field_validator("charges", mode="wrap")
    @classmethod
    def _one_message(
        cls, value: object, handler: ValidatorFunctionWrapHandler
    ) -> Literal["zerodha", "none"] | FlatCharges:
        try:
            result: Literal["zerodha", "none"] | FlatCharges = handler(value)
        except ValidationError:
            raise ValueError('must be "zerodha", "none" or {"flat_pct": <0 to 5>}') from None
        return result

    @field_validator("end_date")
    @classmethod
    def _after_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and end <= start:
            raise ValueError(f"must be after start_date ({start})")
        return end

    @property
    def charges_setting(self) -> Literal["zerodha", "none"] | float:
        """The engine's form: a flat commission becomes its percent."""
        return self.charges.flat_pct if isinstance(self.charges, FlatCharges) else self.charges
