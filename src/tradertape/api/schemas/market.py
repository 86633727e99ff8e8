"""Market data responses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from tradertape.api.schemas.times import UtcDateTime
from tradertape.domain.market import Interval
from tradertape.services.market.history import Candle
from tradertape.services.market.market_clock import MarketPhase


class HistoryOut(BaseModel):
    """Candles of one instrument; ``source`` says whether they are real."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    interval: Interval
    source: str = Field(
        description="'synthetic' (simulated prices, not real), 'import', 'broker', 'live' "
        "(today's minutes from the feed), or 'none' when nothing is stored for the instrument"
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


class MarketClockOut(BaseModel):
    """The server's time and the market's: in a demo replay they differ by days."""

    now: UtcDateTime = Field(description="the server's clock (notifications, sign-ins)")
    market_time: UtcDateTime = Field(
        description="the instant orders, fills and GTTs are stamped with; in a demo replay, "
        "the replayed session's"
    )
    phase: MarketPhase = Field(
        description="open: continuous trading; closed: none (pre-open, after hours, holiday); "
        "replay: the demo plays the last session again outside NSE hours"
    )
    replay_of: date | None = Field(description="the session being replayed, in a replay")
    next_open: UtcDateTime | None = Field(description="the next real session's open, when not open")


class FillOut(BaseModel):
    """One of the user's executions, as the chart marks it."""

    filled_at: UtcDateTime
    side: str = Field(description="BUY or SELL")
    quantity: int
    price: Decimal = Field(description="rupees, to the paisa")
    book: str = Field(description="the book it belongs to (manual, portfolio:N, run:N, live:…)")


class FillsOut(BaseModel):
    """The user's fills of one instrument, every book, oldest first (the newest 1,000)."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    fills: list[FillOut]
