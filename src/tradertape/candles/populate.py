"""Filling the store with synthetic history, idempotently (``tradertape data synth``, the demo).

A series is left alone when it already covers the range with this market's seed and model
(its recorded origin), or when it holds real data: synthetic data never overwrites real data.
Anything else is generated from the epoch (paths are prefix-stable, see `synthetic`) and the
requested range is merged in, so re-running adds nothing twice and a later run only appends
the days since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime, time

from tradertape.candles.bars import CandleSource
from tradertape.candles.store import CandleStore, SeriesInfo, canonical_key
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.candles.synthetic_indices import derivable, derive_indices
from tradertape.domain.calendar import IST, TradingCalendar
from tradertape.domain.market import Interval

#: Daily bars exist once the session has closed; before that, the last one is yesterday's.
SESSION_CLOSE = time(15, 30)

WRITER_THREADS = 3

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``: called as generation and writing advance."""


def last_completed_session(calendar: TradingCalendar, now: datetime) -> date:
    """The latest trading day whose session has closed at ``now`` (aware)."""
    local = now.astimezone(IST)
    today = local.date()
    if calendar.is_trading_day(today) and local.time() >= SESSION_CLOSE:
        return today
    return calendar.previous_trading_day(today)


@dataclass(frozen=True, slots=True)
class SynthReport:
    """What a run did: series written, series already complete, series holding real data."""

    written: int
    complete: int
    real: int
    first: date | None
    last: date | None

    @property
    def total(self) -> int:
        """Series considered."""
        return self.written + self.complete + self.real


def _covers(info: SeriesInfo, origin: str, first: date, last: date) -> bool:
    return (
        info.origin == origin
        and isinstance(info.first, date)
        and isinstance(info.last, date)
        and info.first <= first
        and info.last >= last
    )


def synthesize(
    store: CandleStore,
    market: SyntheticMarket,
    equities: Sequence[str],
    start: date,
    end: date,
    *,
    progress: Progress | None = None,
) -> SynthReport:
    """Ensure synthetic day bars of ``equities`` and their derivable indices over the range."""
    report = progress or (lambda stage, done, total: None)
    stocks = [canonical_key(k) for k in equities]
    keys = [*stocks, *derivable(stocks, market.catalog)]
    days = store.calendar.trading_days(start, end)
    if not days:
        return SynthReport(0, len(keys), 0, None, None)
    first, last = days[0], days[-1]
    todo: dict[str, bool] = {}  # key → replace the stored series
    complete = real = 0
    for key in keys:
        info = store.info(key, Interval.DAY)
        if info is not None and info.source.is_real:
            real += 1
        elif info is not None and _covers(info, market.origin, first, last):
            complete += 1
        else:
            todo[key] = info is not None and info.origin != market.origin
    if not todo:
        return SynthReport(0, complete, real, first, last)
    report("generate", 0, 1)
    history = market.generate(stocks, first, last)
    series = {k: history.bars(j) for j, k in enumerate(history.keys)}
    series.update(derive_indices(history, market.catalog))
    report("generate", 1, 1)

    def write(key: str) -> None:
        store.write(
            key,
            Interval.DAY,
            series[key],
            source=CandleSource.SYNTHETIC,
            origin=market.origin,
            replace=todo[key],
        )

    # Parquet encoding releases the GIL: a few threads keep both cores busy.
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        futures = [pool.submit(write, key) for key in todo]
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()
            report("write", done, len(todo))
    store.pack_days()  # as an import does: the next cold panel reads one file
    return SynthReport(len(todo), complete, real, first, last)
