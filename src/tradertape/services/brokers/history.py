"""History from a connected broker into the candle store, labelled ``broker``.

Brokers cap how many days one historical request may span (Kite: 2000 days of daily
candles, 60 of minute ones, reference §1.6) and how many requests a second an app may send
(Kite: 3, paced by the adapter's `RateLimiter`). So a range is cut into windows of at most
that many days, fetched oldest first, and the candles of every window are merged into the
stored series in one write: re-fetching a range rewrites the same candles and adds none.
A series holding another source (synthetic, import) is refused before any request is spent,
unless the caller replaces it, as `CandleStore.write` would refuse it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles.bars import Bars, CandleSource
from tradertape.candles.fo_minutes import (
    FoMinuteStore,
    MinuteImport,
    broker_key,
    contract_of,
    store_minutes,
)
from tradertape.candles.fo_store import FoStore
from tradertape.candles.store import CandleStore, SeriesInfo, SourceConflict
from tradertape.db.models import BrokerCredential, User
from tradertape.domain.brokers import BROKERS, BrokerName
from tradertape.domain.market import Interval
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.broker import DailyBar
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials

#: Days one request may span, per broker and interval (each broker's row, `history_days`).
WINDOW_DAYS: dict[tuple[BrokerName, Interval], int] = {
    (row.name, Interval(interval)): days
    for row in BROKERS.values()
    for interval, days in row.history_days.items()
}
_KITE_INTERVAL = {Interval.DAY: "day", Interval.MINUTE: "minute"}

Progress = Callable[[str, int, int], None]


class HistoryAdapter(Protocol):
    """What the fetch needs of an adapter: daily candles (every `Broker` has them)."""

    def historical_daily(self, key: str, start: date, end: date) -> list[DailyBar]: ...


class Connector(Protocol):
    """Builds an adapter for one stored session (as `KiteConnector` and friends do)."""

    def __call__(self, *, api_key: str, access_token: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What one instrument's fetch did."""

    key: str
    requests: int
    received: int
    added: int
    series: SeriesInfo


def windows(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """``start``…``end`` cut into consecutive inclusive spans of at most `days` days."""
    if days < 1:
        raise ValueError("days must be positive")
    spans: list[tuple[date, date]] = []
    first = start
    while first <= end:
        last = min(end, first + timedelta(days=days - 1))
        spans.append((first, last))
        first = last + timedelta(days=1)
    return spans


def session_user(
    db: Session,
    *,
    credentials: BrokerCredentials,
    broker: BrokerName,
    clock: Clock,
    email: str | None = None,
) -> tuple[int, str, str]:
    """``(user id, api key, access token)`` of the session to fetch with: the user of
    `email`, else the first active user with a live session, admins first."""
    query = (
        select(User.id, User.email)
        .join(BrokerCredential, BrokerCredential.user_id == User.id)
        .where(BrokerCredential.broker == broker.value, User.is_active.is_(True))
        .order_by(User.is_admin.desc(), User.id)
    )
    rows = db.execute(query).all()
    if email is not None:
        rows = [r for r in rows if r.email == email.strip().lower()]
        if not rows:
            raise InvalidField("--user", f"{email} has no {broker.value} credentials")
    for user_id, _email in rows:
        token = credentials.access_token(db, user_id=user_id, broker=broker)
        row = credentials.get(db, user_id=user_id, broker=broker)
        if token is not None and row is not None:
            return user_id, row.api_key, token
    who = email or "any user"
    raise Conflict(
        f"no live {broker.value} session for {who}: log in to {broker.value} again "
        "(Settings → Brokers)"
    )


def _daily_bars(rows: Sequence[DailyBar]) -> Bars:
    return Bars.from_daily(list(rows)) if rows else Bars.empty(Interval.DAY)


def _minute_bars(rows: Sequence[dict[str, Any]]) -> Bars:
    """Kite's minute rows (aware ``date``) as minute `Bars` (UTC seconds)."""
    if not rows:
        return Bars.empty(Interval.MINUTE)
    stamps = [r["date"].astimezone(UTC).replace(tzinfo=None) for r in rows]
    return Bars.from_arrays(
        Interval.MINUTE,
        time=np.array(stamps, dtype="datetime64[s]"),
        open=np.array([float(r["open"]) for r in rows]),
        high=np.array([float(r["high"]) for r in rows]),
        low=np.array([float(r["low"]) for r in rows]),
        close=np.array([float(r["close"]) for r in rows]),
        volume=np.array([float(r["volume"]) for r in rows]),
    )


def _concat(interval: Interval, parts: list[Bars]) -> Bars:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Bars.empty(interval)
    return Bars.from_arrays(
        interval,
        time=np.concatenate([p.time for p in parts]),
        open=np.concatenate([p.open for p in parts]),
        high=np.concatenate([p.high for p in parts]),
        low=np.concatenate([p.low for p in parts]),
        close=np.concatenate([p.close for p in parts]),
        volume=np.concatenate([p.volume for p in parts]),
    )


def _fetcher(
    adapter: HistoryAdapter, broker: BrokerName, interval: Interval
) -> Callable[[str, date, date], Bars]:
    if interval is Interval.DAY:
        return lambda key, a, b: _daily_bars(adapter.historical_daily(key, a, b))
    candles = getattr(adapter, "historical_candles", None)
    if broker is not BrokerName.KITE or candles is None:
        raise InvalidField("--interval", f"{broker.value} history is fetched by day only")
    name = _KITE_INTERVAL[interval]
    return lambda key, a, b: _minute_bars(candles(key, a, b, name))


def _writable(
    store: CandleStore, keys: Sequence[str], interval: Interval, replace: bool
) -> list[str]:
    """The canonical keys, once each is known and its stored series may take broker data."""
    chosen: list[str] = []
    for wanted in keys:
        instrument = store.catalog.find(wanted)
        if instrument is None:
            raise InvalidField("SYMBOLS", f"unknown instrument '{wanted}'")
        stored = store.info(instrument.key, interval)
        if stored is not None and stored.source is not CandleSource.BROKER and not replace:
            raise SourceConflict(
                f"{instrument.key} already has {interval.value} candles from "
                f"'{stored.source.value}'; not mixing in broker data: pass --replace to "
                "drop that series first"
            )
        chosen.append(instrument.key)
    return chosen


def fetch_history(
    store: CandleStore,
    adapter: HistoryAdapter,
    *,
    broker: BrokerName,
    keys: Sequence[str],
    start: date,
    end: date,
    interval: Interval = Interval.DAY,
    replace: bool = False,
    progress: Progress | None = None,
) -> list[FetchReport]:
    """Fetch ``start``…``end`` of every key window by window and merge it into the store.

    Raises the adapter's `SessionExpired` (the caller asks for a new login)."""
    if end < start:
        raise InvalidField("--to", f"{end} is before --from {start}")
    days = WINDOW_DAYS.get((broker, interval))
    if days is None:
        raise InvalidField("--interval", f"{broker.value} history is fetched by day only")
    fetch = _fetcher(adapter, broker, interval)
    spans = windows(start, end, days)
    chosen = _writable(store, keys, interval, replace)
    total, done = len(chosen) * len(spans), 0
    reports: list[FetchReport] = []
    for key in chosen:
        parts: list[Bars] = []
        for first, last in spans:
            parts.append(fetch(key, first, last))
            done += 1
            if progress is not None:
                progress("fetch", done, total)
        bars = _concat(interval, parts)
        before = store.info(key, interval)
        rows_before = 0 if before is None or replace else before.rows
        if not len(bars):
            if before is None:
                raise InvalidField("SYMBOLS", f"{broker.value} has no candles of {key} then")
            reports.append(FetchReport(key, len(spans), 0, 0, before))
            continue
        info = store.write(
            key, interval, bars, source=CandleSource.BROKER, origin=broker.value, replace=replace
        )
        reports.append(FetchReport(key, len(spans), len(bars), info.rows - rows_before, info))
    return reports


def fetch_fo_minutes(
    minutes: FoMinuteStore,
    chains: FoStore,
    adapter: HistoryAdapter,
    *,
    broker: BrokerName,
    symbols: Sequence[str],
    start: date,
    end: date,
    progress: Progress | None = None,
) -> list[MinuteImport]:
    """Minute candles of index options, futures or an index, ``start``…``end``, from a
    broker that still serves them (live contracts: an expired one is the bhavcopy's and an
    imported file's), window by window, into the options backtester's minute store as an
    import of the same candles would store them (`candles.fo_minutes.store_minutes`).

    Every symbol is checked before the first request. Raises the adapter's `SessionExpired`
    (the caller asks for a new login)."""
    if end < start:
        raise InvalidField("--to", f"{end} is before --from {start}")
    fetch = _fetcher(adapter, broker, Interval.MINUTE)
    spans = windows(start, end, WINDOW_DAYS[(broker, Interval.MINUTE)])
    named = [(symbol, broker_key(contract_of(symbol), symbol)) for symbol in symbols]
    total, done = len(named) * len(spans), 0
    reports: list[MinuteImport] = []
    for symbol, key in named:
        parts: list[Bars] = []
        for first, last in spans:
            parts.append(fetch(key, first, last))
            done += 1
            if progress is not None:
                progress("fetch", done, total)
        bars = _concat(Interval.MINUTE, parts)
        if not len(bars):
            raise InvalidField(
                "SYMBOLS", f"{broker.value} has no minute candles of {key} from {start} to {end}"
            )
        reports.append(store_minutes(minutes, chains, symbol, bars))
    return reports


def expired_session(broker: BrokerName) -> Conflict:
    """The error a fetch ends with when the broker refuses the stored session."""
    name = broker.value
    return Conflict(f"the {name} session has expired: log in to {name} again (Settings → Brokers)")
