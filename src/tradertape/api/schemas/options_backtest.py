"""Request and answer of ``POST /api/backtests/options``: an options strategy run over F&O
chains. Money booked (trades, charges, P&L) is a decimal string to the paisa; the curve's
figures are floats (they carry the open legs' marks)."""

from __future__ import annotations

from datetime import date, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradertape.api.schemas.money_out import Paise, PaiseFloat, TickFloat, TickPrice
from tradertape.api.schemas.times import UtcDateTime
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.services.research.options_runs import OptionsRequest


class OptionBacktestRequest(BaseModel):
    """What to run: the strategy document, the dates (both included), and the chains."""

    model_config = ConfigDict(extra="forbid")

    strategy: OptionStrategy
    start_date: date
    end_date: date
    data: Literal["synthetic", "import"] = Field(
        default="synthetic",
        description="the chains: synthetic (generated, simulated prices, labelled) or import "
        "(NSE's F&O bhavcopies imported with `tradertape data import-fo-bhavcopy`; every "
        "trading day of the range must be there, else a 422 names the missing ones)",
    )
    seed: int = Field(default=7, ge=0, le=2**31 - 1, strict=True)

    def asked(self) -> OptionsRequest:
        """The run this asks for, as the service takes it (the route and the assistant's
        tool both run it)."""
        return OptionsRequest(self.strategy, self.start_date, self.end_date, self.data, self.seed)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OptionLegTradeOut(_Out):
    trade_set: int
    leg: int
    entry_number: int = Field(description="0: the first entry; 1, 2…: re-entries after a stop")
    option_type: Literal["CE", "PE", "FUT"] = Field(description="FUT: the future (strike 0)")
    side: Literal["buy", "sell"]
    expiry: date
    strike: TickPrice
    lots: int
    lot_size: int
    quantity: int
    entry_day: date
    entry_time: time | None = Field(description="IST; none for a daily (bhavcopy) run")
    entry_price: TickPrice
    entry_fill: TickPrice = Field(description="after slippage")
    exit_day: date
    exit_time: time | None
    exit_price: TickPrice
    exit_fill: TickPrice
    reason: Literal[
        "stop_loss", "target", "trailing_stop", "strategy_stop", "strategy_target", "time",
        "settlement", "end", "lock_profit",
    ]  # fmt: skip
    gross: Paise = Field(description="₹ on market prices, before slippage and charges")
    slippage: Paise


class OptionDayOut(_Out):
    day: date
    pnl: PaiseFloat
    equity: PaiseFloat
    drawdown: float = Field(description="% below the running peak")
    margin: PaiseFloat = Field(description="₹ blocked by the legs held at the day's end")


class OptionDayChargesOut(_Out):
    day: date
    brokerage: Paise
    stt: Paise
    exchange: Paise
    sebi: Paise
    stamp: Paise
    gst: Paise
    total: Paise


class OptionPayoffPointOut(_Out):
    spot: TickFloat
    pnl: PaiseFloat = Field(description="₹ at expiry, before charges")


class OptionPayoffOut(_Out):
    """An entry's payoff at entry: its legs as first entered, valued on the nearest leg's
    expiry (an option of that expiry at intrinsic, one of a later expiry at Black-76 with the
    volatility its entry price implied; a future at the spot), over the entry's spot ± 10 %."""

    trade_set: int
    day: date
    entry_time: time | None = Field(description="IST; none for a daily (bhavcopy) run")
    spot: TickFloat = Field(description="the underlying when the legs went in")
    expiry: date
    points: list[OptionPayoffPointOut]
    breakevens: list[TickFloat] = Field(description="the spots where the payoff is 0")


class OptionBucketOut(_Out):
    key: str
    pnl: Paise
    trades: int = Field(description="trades (by expiry) or days (by weekday, by month)")


class _Figures(_Out):
    """A run's figures: what the history lists and a comparison sets side by side."""

    name: str
    underlying: str
    resolution: Literal["daily", "minute"]
    start: date
    end: date
    capital: Paise
    gross: Paise
    slippage: Paise
    charges: Paise
    net: Paise = Field(description="gross − slippage − charges")
    final_equity: PaiseFloat
    return_pct: float
    max_drawdown: float
    margin_peak: Paise
    return_on_margin: float | None
    trade_sets: int
    win_rate: float
    data_source: Literal["synthetic", "import"]
    synthetic: bool


class OptionBacktestOut(_Figures):
    """A run's results, as `backtest.options.results.OptionResults` holds them."""

    trades: list[OptionLegTradeOut]
    curve: list[OptionDayOut]
    charges_by_day: list[OptionDayChargesOut]
    by_expiry: list[OptionBucketOut]
    by_weekday: list[OptionBucketOut]
    by_month: list[OptionBucketOut]
    worst_days: list[OptionDayOut]
    payoffs: list[OptionPayoffOut] = Field(description="each entry's payoff at entry")


class _Kept(_Out):
    id: int
    created_at: UtcDateTime
    duration_ms: float
    request: dict[str, Any] = Field(
        description="what was run (an `OptionBacktestRequest`): POST it again to run it again"
    )
    trade_count: int = Field(description="leg trades")
    sweep_id: int | None = Field(
        default=None, description="the options sweep whose cell this run is, if it is one"
    )
    sweep_cell: int | None = Field(default=None, description="that cell's `index` in the sweep")


class OptionBacktestRunOut(_Kept, OptionBacktestOut):
    """A stored options run (`POST /api/backtests/options` keeps each): its request and
    its results."""


class OptionBacktestRunBrief(_Kept, _Figures):
    """An options run as the history lists it: the request and the figures."""


class OptionBacktestComparedRun(_Kept, _Figures):
    """A run of a comparison: its figures and its equity curve."""

    curve: list[OptionDayOut]


class OptionBacktestCompareOut(_Out):
    """Two or more runs side by side, in the order asked."""

    runs: list[OptionBacktestComparedRun]
