"""Market data responses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tradertape.domain.market import Interval
from tradertape.services.market_history import Candle


class HistoryOut(BaseModel):
    """Candles of one instrument; ``source`` says whether they are real."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    interval: Interval
    source: str = Field(
        description="'synthetic' (simulated prices, not real), 'import', 'broker', "
        "or 'none' when nothing is stored for the instrument"
    )
    candles: list[Candle] = Field(
        description="[timestamp (IST, ISO 8601), open, high, low, close, volume], oldest first"
    )


class IndicatorsOut(BaseModel):
    """Indicator series of one instrument, one value per daily candle (null while warming up)."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    source: str = Field(description="the candles' source, as in /api/market/history")
    times: list[str] = Field(description="the candles' timestamps (IST, ISO 8601), oldest first")
    series: dict[str, list[float | None]] = Field(
        description="indicator name (the strategy DSL's, e.g. sma20, rsi14) -> values"
    )
