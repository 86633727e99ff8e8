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


BarInterval = Literal["day", "minute", "3minute", "5minute", "15minute", "30minute", "60minute"]
INTERVAL_MINUTES = {
    "minute": 1,
    "3minute": 3,
    "5minute": 5,
    "15minute": 15,
    "30minute": 30,
    "60minute": 60,
}

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
    interval: BarInterval = Field(
        default="day",
        description="the bars the strategy runs on: day candles, or the stored minute "
        "candles folded into 1- to 60-minute bars of each NSE session",
    )
    product: Literal["CNC", "MIS"] | None = Field(
        default=None,
        description="CNC (delivery: positions held overnight, delivery charges) or MIS "
        "(intraday: every position squared off at the broker's time, 15:20 IST, intraday "
        "charges; intraday intervals only); default CNC for day, MIS for an intraday interval",
    )

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

    @field_validator("product")
    @classmethod
    def _product_fits(
        cls, product: Literal["CNC", "MIS"] | None, info: ValidationInfo
    ) -> Literal["CNC", "MIS"] | None:
        if product == "MIS" and info.data.get("interval", "day") == "day":
            raise ValueError("MIS is intraday: it needs an intraday interval (5minute, ...)")
        return product

    @property
    def minutes(self) -> int | None:
        """An intraday interval's bar length in minutes (None for day)."""
        return INTERVAL_MINUTES.get(self.interval)

    @property
    def product_setting(self) -> Literal["CNC", "MIS"]:
        """The product run: as asked, else CNC for day bars and MIS for intraday ones."""
        if self.product is not None:
            return self.product
        return "CNC" if self.interval == "day" else "MIS"

    def config_dump(self) -> dict[str, object]:
        """The request as a run's stored ``config`` (no strategy document): a day run's
        without the intraday keys it leaves at their defaults, as runs were stored before."""
        exclude: set[str] = {"strategy"}
        if self.interval == "day" and self.product is None:
            exclude |= {"interval", "product"}
        return self.model_dump(mode="json", exclude=exclude)

    @property
    def charges_setting(self) -> Literal["zerodha", "none"] | float:
        """The engine's form: a flat commission becomes its percent."""
        return self.charges.flat_pct if isinstance(self.charges, FlatCharges) else self.charges
