"""Market data responses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tradertape.domain.market import Interval
from tradertape.services.market.history import Candle


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
    """Indicator series aligned with the daily candles of the same range."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    interval: Interval = Interval.DAY
    source: str = Field(description="where the candles came from, as in /api/market/history")
    times: list[str] = Field(description="each candle's timestamp (IST), oldest first")
    series: dict[str, list[float | None]] = Field(
        description="per name, one value per time; null where not yet defined"
    )
