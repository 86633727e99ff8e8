"""Market data responses."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.money_out import TickNumber, TickPrice
from tradertape.api.schemas.open_models import JsonNumber
from tradertape.api.schemas.times import UtcDateTime
from tradertape.api.schemas.worker_market import Depth, Ohlc
from tradertape.domain.market import ChartInterval
from tradertape.services.market.history import Candle
from tradertape.services.market.market_clock import MarketPhase


class HistoryOut(BaseModel):
    """Candles of one instrument; ``source`` says whether they are real."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    interval: ChartInterval
    source: str = Field(
        description="'synthetic' (simulated prices, not real), 'import', 'broker', 'live' "
        "(today's minutes from the feed), or 'none' when nothing is stored for the instrument"
    )
    candles: list[Candle] = Field(
        description="[timestamp (IST, ISO 8601), open, high, low, close, volume], oldest first"
    )


class IndicatorsOut(BaseModel):
    """Indicator series aligned with the candles of the same interval and range."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    interval: ChartInterval = ChartInterval.DAY
    source: str = Field(description="where the candles came from, as in /api/market/history")
    times: list[str] = Field(description="each candle's timestamp (IST), oldest first")
    series: dict[str, list[float | None]] = Field(
        description="per name, one value per time; null where not yet defined"
    )


class IndicatorParamOut(BaseModel):
    """One integer parameter of an indicator form."""

    letter: str = Field(description="as the pattern names it: N, K, F, S or G")
    low: int
    high: int
    default: int = Field(description="the chart's usual value (SMA 20, RSI 14, MACD 12/26/9)")


class IndicatorFormOut(BaseModel):
    """One indicator form the chart offers (every one the strategy DSL knows, but the raw
    price fields and the categorical labels)."""

    pattern: str = Field(description="as documented, e.g. sma<N>, bb<N>[_<K>]_upper")
    kind: str
    description: str
    place: Literal["price", "pane"] = Field(
        description="price: drawn over the candles on their scale; pane: a pane of its own"
    )
    template: str = Field(description="the name with {0}, {1}… for the parameters, in order")
    params: list[IndicatorParamOut]


class IndicatorFormsOut(BaseModel):
    """Every indicator form the chart offers."""

    forms: list[IndicatorFormOut]


class FeedOut(BaseModel):
    """The market feed's health (`feed.watchdog`): a price from a quiet feed is old."""

    source: str = Field(description="simulated | kite | upstox (none: no feed in this process)")
    state: Literal["live", "stale", "reconnecting", "down"] = Field(
        description="live: ticking (or the market is not open); stale: no tick for "
        "stale_after_secs in market hours; reconnecting: a reconnect was asked for and no tick "
        "came since; down: no connection"
    )
    last_tick_age_secs: float | None = Field(description="seconds since the last tick; null: none")
    subscriptions: int = Field(description="instruments the feed follows")
    stale_after_secs: float
    reconnects: int = Field(description="reconnects asked for since start-up")
    filling_from: Literal["rest"] | None = Field(
        default=None,
        description="rest: the socket is quiet in market hours and its instruments' prices "
        "are filled from the broker's REST quote (paced); still stale for the feed's state",
    )
    last_fill_age_secs: float | None = Field(
        default=None, description="seconds since prices were last filled from the REST quote"
    )
    report_age_secs: float | None = Field(
        default=None,
        description="seconds since the process running the feed reported this state (0: "
        "this process runs it); null: no report heard lately, so nobody runs the feed (down)",
    )


class MarketClockOut(BaseModel):
    """The deployment's two clocks: real time and the market's. In a demo replay (a
    practice session) they differ by days; otherwise they are the same instant."""

    now: UtcDateTime = Field(
        description="real time: what ``real_time_stamps`` carry (alerts, uploads, runs, sign-ins)"
    )
    market_time: UtcDateTime = Field(
        description="market time: what ``market_time_stamps`` carry (orders, fills, GTTs, "
        "ticks, candles); in a demo replay, the replayed session's"
    )
    replay: bool = Field(
        description="true in a practice session: the demo replays a past session, so "
        "market_time is that session's, not today's"
    )
    market_time_stamps: list[str] = Field(description="what is stamped with market_time")
    real_time_stamps: list[str] = Field(description="what is stamped with now (real time)")
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
    price: TickPrice = Field(description="rupees, to the paisa")
    book: str = Field(description="the book it belongs to (manual, portfolio:N, run:N, live:…)")


class FillsOut(BaseModel):
    """The user's fills of one instrument, every book, oldest first (the newest 1,000)."""

    symbol: str = Field(description="EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY")
    fills: list[FillOut]


class MarketQuoteOut(BaseModel):
    """An instrument's last tick in Kite's REST quote shape, with the book."""

    instrument_token: int
    timestamp: str = Field(description="the tick's time, ISO 8601 in IST with milliseconds")
    last_trade_time: str = Field(description="the last trade's time (the tick's), IST")
    last_price: TickNumber
    last_quantity: int
    volume: int = Field(description="traded today")
    average_price: TickNumber | None = Field(description="null: the feed has no traded VWAP")
    buy_quantity: int = Field(description="the quantity bid on the five levels shown")
    sell_quantity: int = Field(description="the quantity offered on the five levels shown")
    net_change: TickNumber = Field(description="rupees since the previous close")
    change: JsonNumber = Field(description="% since the previous close")
    ohlc: Ohlc = Field(description="the day's open, high and low so far; close is yesterday's")
    depth: Depth = Field(
        description="five bids (best, highest, first) and five offers (best, lowest, first), "
        "each {price, quantity, orders}; a thinner book is padded with zero levels"
    )
    price_source: Literal["feed", "rest", "close"] = Field(
        default="feed",
        description="rest: filled from the broker's REST quote while the feed's socket was "
        "quiet (GET /api/market/feed says how the feed stands); feed: the feed's own tick; "
        "close: the last stored daily close, at ``timestamp`` (a process without a market "
        "feed: the assistant's stdio server)",
    )


class MarketQuotesOut(BaseModel):
    """Quotes keyed by ``EXCH:SYMBOL``, and what could not be quoted."""

    quotes: dict[str, MarketQuoteOut]
    missing: list[str] = Field(
        description="instruments asked for, as written, that nobody lists or without a tick yet"
    )
