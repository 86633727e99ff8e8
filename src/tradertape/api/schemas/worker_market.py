"""Answers of the worker market data routes (``/algo-workers/worker/market/*``).

The SDKs build these into their own dataclasses, reading the fields named here; any
further key is kept (`OpenModel`), so a newer SDK reading more sees it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradertape.api.schemas.money_out import TickNumber
from tradertape.api.schemas.open_models import JsonNumber, OpenModel


class WorkerInstrument(OpenModel):
    """An instrument as the catalog lists it; ``tick_size`` is its tick at the last price."""

    symbol: str = Field(description="`EXCH:SYMBOL`")
    instrument_token: int
    exchange: str
    tradingsymbol: str
    name: str | None
    instrument_type: str
    segment: str
    tick_size: JsonNumber
    lot_size: int
    expiry: str | None = Field(description="a derivative's expiry date; null for cash")
    strike: TickNumber | None


class InstrumentsOut(OpenModel):
    """Instruments found, and what was asked for but is not listed."""

    instruments: list[WorkerInstrument]
    missing: list[str | int] = Field(description="the symbols and tokens nobody lists")


class SearchOut(OpenModel):
    """Instruments whose symbol or name starts with the query."""

    results: list[WorkerInstrument]


class Ohlc(OpenModel):
    """The day's prices; ``close`` is the previous session's."""

    open: TickNumber
    high: TickNumber
    low: TickNumber
    close: TickNumber


class DepthLevel(OpenModel):
    """One level of the order book (zeros where the book is thinner)."""

    price: TickNumber
    quantity: int
    orders: int


class Depth(OpenModel):
    """Five levels each side."""

    buy: list[DepthLevel]
    sell: list[DepthLevel]


class QuoteOut(WorkerInstrument):
    """An instrument's last tick in the mode asked for (``ohlc`` and the rest from
    ``quote`` up; ``depth``, five bids and five offers, from ``quote`` up in a REST answer
    and in ``full`` on a stream, as Kite's quote and ticker), with its age."""

    mode: str = Field(description="`ltp`, `quote` or `full`")
    last_price: TickNumber
    ohlc: Ohlc | None = None
    volume: int | None = None
    last_quantity: int | None = None
    change: JsonNumber | None = Field(default=None, description="% since the previous close")
    depth: Depth | None = None
    average_price: TickNumber | None = None
    buy_quantity: int | None = None
    sell_quantity: int | None = None
    last_trade_time: str | None = None
    exchange_timestamp: str | None = None
    received_at: str = Field(description="the tick's time, ISO 8601 in IST")
    age_ms: int
    is_stale: bool = Field(
        description="older than 15 s of market time, or sent by a feed's socket that has "
        "since gone quiet (feed_state stale, reconnecting or down)"
    )
    price_source: Literal["feed", "rest"] = Field(
        default="feed",
        description="rest: filled from the broker's REST quote while the feed's socket was "
        "quiet; feed: the feed's own tick",
    )
    feed_state: Literal["live", "stale", "reconnecting", "down"] = Field(
        default="live", description="the market feed's state (GET /api/market/feed)"
    )


class QuotesOut(OpenModel):
    """Quotes of the instruments with a tick, and what has none (or is not listed)."""

    quotes: list[QuoteOut]
    missing: list[str | int]


class CandleOut(OpenModel):
    """One candle; ``ts`` is its start, ISO 8601 in IST."""

    ts: str
    open: TickNumber
    high: TickNumber
    low: TickNumber
    close: TickNumber
    volume: int
    oi: int | None = Field(description="open interest: none in the simulated market")
    is_complete: bool


class CandlesOut(OpenModel):
    """The last complete candles and the forming one."""

    symbol: str
    instrument_token: int
    interval: str
    candles: list[CandleOut]
    current: CandleOut | None = Field(description="the candle still forming, if any")
    is_stale: bool


class Ingestion(OpenModel):
    """Whether the server fetched what it lacked (it does not: only what it stores)."""

    status: str
    message: str | None


class CandleHistoryOut(OpenModel):
    """Stored candles over a range."""

    symbol: str
    instrument_token: int
    timeframe: str
    interval: str
    from_: str = Field(alias="from", description="the range's start, ISO 8601 in IST")
    to: str
    count: int
    source: str
    data_source: str = Field(description="where the candles came from: import, synthetic, …")
    ingestion: Ingestion
    candles: list[CandleOut]


class SnapshotOut(OpenModel):
    """Quotes and candles in one round trip."""

    quotes: list[QuoteOut]
    candles: list[CandlesOut]
    missing: list[str | int]
    updated_at: str


class ReferenceEnvelope(OpenModel):
    """Where reference data came from."""

    schema_version: int
    source: str
    retrieved_at: str
    source_as_of: str | None


class CalendarSession(OpenModel):
    """One day: a session with its hours, or a holiday or weekend without."""

    session_date: str
    session_type: str = Field(description="`regular`, `special`, `holiday` or `weekend`")
    opens_at: str | None
    closes_at: str | None
    verified: bool
    provisional: bool = Field(description="past the published holiday list: a guess")
    source_reference: str | None
    label: str | None = Field(description="the holiday's name")


class CalendarOut(ReferenceEnvelope):
    """Trading sessions, holidays and weekends of a range."""

    exchange: str
    segment: str
    timezone: str
    calendar_version: int
    complete: bool
    sessions: list[CalendarSession]


class CalendarStatusOut(ReferenceEnvelope):
    """The range the calendar covers."""

    exchange: str
    segment: str
    active_calendar_version: int
    coverage_start: str
    coverage_end: str
    provisional_until: str
    complete: bool
    expiry_warning: bool
    official_source: str
    calendar_warning: str | None


class Constituent(OpenModel):
    """A member of an index list."""

    exchange: str
    tradingsymbol: str
    instrument_token: int
    company_name: str | None
    series: str
    isin_code: str | None
    sector: str | None


class ConstituentsOut(ReferenceEnvelope):
    """An index list's members."""

    source_list: str
    complete: bool
    member_count: int
    checksum: str | None
    effective_date: str | None
    source_url: str | None
    members: list[Constituent]


class ConstituentsStatusOut(ReferenceEnvelope):
    """Whether an index list is complete and fresh."""

    source_list: str
    complete: bool
    expected_member_count: int
    actual_member_count: int
    fresh: bool
    scheduler_state: str
    retry_eligible: bool
