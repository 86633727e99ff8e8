"""Worker candles: the recent surface with its forming candle, and historical ranges.

``GET /market/candles`` is the live surface: the last ``lookback`` complete candles and
the forming one (``current``, ``is_complete: false``), from the live minute book over
stored minute bars; day candles come from the store, today's from the last tick's
day OHLC. ``GET /market/history`` serves a range from the candle store (and, for
intraday timeframes, the completed live minutes) with the published limits: a default
window per timeframe, a maximum span, timezone-aware bounds. There is no broker
history here, so ``ingest`` and ``passthrough`` are answered from the store and say so.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from tradertape.candles.bars import Bars
from tradertape.candles.live import (
    INTERVAL_MINUTES,
    Candle,
    interval_name,
    resample,
    split_forming,
)
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Interval, Tick
from tradertape.errors import BadRequest, InvalidField, NotFound
from tradertape.ports.clock import IST
from tradertape.services.workers import replay_scope
from tradertape.services.workers.market import WorkerMarket, find

SESSION_MINUTES = 375
# Default window (days) when ``from`` is omitted, and the largest span (days) served.
DEFAULT_DAYS = {
    "minute": 7,
    "3minute": 14,
    "5minute": 30,
    "10minute": 45,
    "15minute": 60,
    "30minute": 90,
    "60minute": 180,
    "day": 365,
}
MAX_SPAN_DAYS = {
    "minute": 90,
    "3minute": 180,
    "5minute": 180,
    "10minute": 240,
    "15minute": 365,
    "30minute": 365,
    "60minute": 730,
    "day": 3650,
}
NO_INGEST = "this server has no broker history source; candles come from its candle store"


def instrument_of(market: WorkerMarket, db: Session, ref: str | int) -> Instrument:
    instrument = find(market.catalog(db), ref)
    if instrument is None:
        raise NotFound(f"unknown instrument '{ref}'")
    return instrument


def candle_dict(candle: Candle, *, complete: bool, day: bool = False) -> dict[str, Any]:
    """A candle in the worker contract's shape."""
    start = candle.start.astimezone(IST)
    return {
        "ts": f"{start.date().isoformat()}T00:00:00+05:30" if day else start.isoformat(),
        "open": float(candle.open),
        "high": float(candle.high),
        "low": float(candle.low),
        "close": float(candle.close),
        "volume": candle.volume,
        "oi": None,
        "is_complete": complete,
    }


def _decimal(value: float) -> Decimal:
    return Decimal(repr(round(value, 4)))


def bars_to_candles(bars: Bars, interval: Interval) -> list[Candle]:
    """Stored bars as candles starting at aware instants (day bars at IST midnight)."""
    if interval is Interval.DAY:
        starts = [
            datetime.combine(d, time(0), tzinfo=IST)
            for d in bars.time.astype("datetime64[D]").tolist()
        ]
    else:
        seconds = bars.time.astype("datetime64[s]").astype(np.int64).tolist()
        starts = [datetime.fromtimestamp(s, UTC).astimezone(IST) for s in seconds]
    return [
        Candle(start, _decimal(o), _decimal(h), _decimal(lo), _decimal(c), int(v))
        for start, o, h, lo, c, v in zip(
            starts,
            bars.open.tolist(),
            bars.high.tolist(),
            bars.low.tolist(),
            bars.close.tolist(),
            bars.volume.tolist(),
            strict=True,
        )
    ]


def _minutes(market: WorkerMarket, key: str, start: date, end: date) -> list[Candle]:
    """Stored minute candles with the live book's laid over them (live wins a minute)."""
    stored = bars_to_candles(market.store.read(key, Interval.MINUTE, start, end), Interval.MINUTE)
    if replay_scope.active() is not None:
        # A replay's past is the store's up to its clock; the live book is another day's.
        now = market.now()
        return [c for c in stored if c.start < now]
    live = market.candles.minutes(key)
    first_live = live[0].start if live else None
    older = [c for c in stored if first_live is None or c.start < first_live]
    return [*older, *live]


def _forming_day(tick: Tick | None, today: date) -> Candle | None:
    if tick is None or tick.ts.astimezone(IST).date() != today:
        return None
    start = datetime.combine(today, time(0), tzinfo=IST)
    return Candle(start, tick.open, tick.high, tick.low, tick.last_price, tick.volume)


def recent(
    market: WorkerMarket, db: Session, ref: str | int, interval: str, lookback: int
) -> dict[str, Any]:
    """``GET /market/candles``: ``{symbol, instrument_token, interval, candles, current,
    is_stale}``."""
    return recent_of(market, instrument_of(market, db, ref), checked_interval(interval), lookback)


def checked_interval(interval: str) -> str:
    """Kite's name of `interval`, or a 422 naming ``interval``."""
    name = interval_name(interval)
    if name is None:
        raise InvalidField("interval", f"unknown interval '{interval}'")
    return name


def recent_of(
    market: WorkerMarket, instrument: Instrument, name: str, lookback: int
) -> dict[str, Any]:
    """`recent` for a resolved instrument and interval (what the candle streams poll)."""
    now = market.now()
    today = now.astimezone(IST).date()
    tick = market.last_tick(instrument.key)
    if name == "day":
        start = today - timedelta(days=lookback * 7 // 5 + 10)
        stored = bars_to_candles(
            market.store.read(instrument.key, Interval.DAY, start, today), Interval.DAY
        )
        current = _forming_day(tick, today)
        done = [c for c in stored if current is None or c.start < current.start]
        complete, day = done[-lookback:], True
    else:
        size = INTERVAL_MINUTES[name]
        sessions = math.ceil(lookback * size / SESSION_MINUTES) + 1
        start = today - timedelta(days=sessions * 7 // 5 + 4)
        candles = resample(_minutes(market, instrument.key, start, today), size)
        done, current = split_forming(candles, timedelta(minutes=size), now)
        complete, day = done[-lookback:], False
    stale = market.is_stale(tick, now)
    return {
        "symbol": instrument.key,
        "instrument_token": instrument.instrument_token,
        "interval": name,
        "candles": [candle_dict(c, complete=True, day=day) for c in complete],
        "current": candle_dict(current, complete=False, day=day) if current else None,
        "is_stale": stale,
    }


def _bound(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "T" in text:  # an unencoded '+' in a query string arrives as a space
        text = text.replace(" ", "+")
    try:
        if len(text) == 10:  # a bare date: the IST day's start
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=IST)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(field, f"'{value}' is not an ISO 8601 date or datetime") from None
    if moment.tzinfo is None:
        raise InvalidField(field, "include a timezone offset (a naive datetime is ambiguous)")
    return moment


def history(
    market: WorkerMarket,
    db: Session,
    ref: str | int,
    *,
    timeframe: str,
    start: str | None,
    end: str | None,
    passthrough: bool,
) -> dict[str, Any]:
    """``GET /market/history``: stored candles over a bounded, timezone-aware range."""
    instrument = instrument_of(market, db, ref)
    name = interval_name(timeframe)
    if name is None:
        raise BadRequest(f"unknown timeframe '{timeframe}'; use minute … 60minute or day")
    until = _bound(end, "to") or market.now()
    since = _bound(start, "from") or until - timedelta(days=DEFAULT_DAYS[name])
    if since >= until:
        raise InvalidField("from", "must be before to")
    if until - since > timedelta(days=MAX_SPAN_DAYS[name]):
        raise InvalidField("to", f"{name} history is served {MAX_SPAN_DAYS[name]} days at a time")
    first, last = since.astimezone(IST).date(), until.astimezone(IST).date()
    if name == "day":
        bars = market.store.read(instrument.key, Interval.DAY, first, last)
        candles = bars_to_candles(bars, Interval.DAY)
        if replay_scope.active() is not None:  # a replay's day has not closed before 15:30
            closes = market.now() >= datetime.combine(last, time(15, 30), tzinfo=IST)
            candles = [c for c in candles if closes or c.start.astimezone(IST).date() < last]
    else:
        minutes = [c for c in _minutes(market, instrument.key, first, last) if since <= c.start]
        size = INTERVAL_MINUTES[name]
        done, _ = split_forming(resample(minutes, size), timedelta(minutes=size), market.now())
        candles = [c for c in done if c.start + timedelta(minutes=size) <= until]
    info = market.store.info(instrument.key, Interval.DAY if name == "day" else Interval.MINUTE)
    message = NO_INGEST + (" (passthrough is not available)" if passthrough else "")
    return {
        "symbol": instrument.key,
        "instrument_token": instrument.instrument_token,
        "timeframe": name,
        "interval": name,
        "from": since.astimezone(IST).isoformat(),
        "to": until.astimezone(IST).isoformat(),
        "count": len(candles),
        "source": "historical_db",
        "data_source": info.source.value if info else "live" if candles else "none",
        "ingestion": {"status": "disabled", "message": message},
        "candles": [candle_dict(c, complete=True, day=name == "day") for c in candles],
    }
