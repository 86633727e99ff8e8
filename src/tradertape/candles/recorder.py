"""The feed's minute candles kept: `MinuteRecorder` writes the live book's finished minutes to
the candle store, so today's intraday chart is tomorrow's history.

The live book (`candles.live.CandleBook`) holds two sessions of minutes in memory; the
recorder copies every minute whose end has passed on the market clock into the store's minute
files, in batches (every `every` of market time, and whenever asked to `flush`): a month file
is rewritten per batch, not per minute. Each series is written with the feed's source
(``synthetic`` for the simulated market, ``broker`` for a broker's ticks); a series already
holding minutes of another source (an import) is left alone, as the store never mixes sources.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from tradertape.candles.bars import Bars, CandleSource
from tradertape.candles.live import CandleBook
from tradertape.candles.store import CandleStore, SourceConflict
from tradertape.domain.market import Interval

log = logging.getLogger("tradertape.candles")

RECORD_EVERY = timedelta(minutes=15)
FEED_ORIGIN = "feed"
_MINUTE = timedelta(minutes=1)


class MinuteRecorder:
    """Copies the live book's finished minutes into the store (`run_due`, `flush`)."""

    def __init__(
        self,
        *,
        book: CandleBook,
        store: CandleStore,
        source: CandleSource,
        now: Callable[[], datetime],
        every: timedelta = RECORD_EVERY,
    ) -> None:
        self._book = book
        self._store = store
        self._source = source
        self._now = now
        self._every = every
        self._written: dict[str, datetime] = {}  # key -> start of the last minute written
        self._refused: set[str] = set()  # keys holding minutes of another source
        self._last_run: datetime | None = None
        self._lock = threading.Lock()
        self._busy = threading.Event()  # a `start_due` pass in flight
        self.pass_thread: threading.Thread | None = None  # the last one started (tests join it)

    def run_due(self) -> int:
        """`flush` when `every` has passed on the market clock since the last; the count."""
        now = self._now()
        if self._last_run is not None and now - self._last_run < self._every:
            return 0
        return self.flush(now)

    def start_due(self) -> bool:
        """`run_due` in a thread of its own, so the trading loop never waits on the files
        (a broker's book rewrites a month file per instrument, hundreds per pass): starts a
        pass when one is due and none is in flight; whether it started one."""
        now = self._now()
        if self._busy.is_set() or (
            self._last_run is not None and now - self._last_run < self._every
        ):
            return False
        self._busy.set()

        def work() -> None:
            try:
                self.flush(now)
            except Exception:  # a pass fails alone; the next one retries what it missed
                log.exception("recording the feed's minutes failed")
            finally:
                self._busy.clear()

        self.pass_thread = threading.Thread(target=work, name="candles.record", daemon=True)
        self.pass_thread.start()
        return True

    def flush(self, now: datetime | None = None) -> int:
        """Write every minute finished by `now` and not yet written; how many were written."""
        now = now or self._now()
        with self._lock:
            self._last_run = now
            count = 0
            for key in self._book.instruments():
                if key in self._refused:
                    continue
                since = self._written.get(key)
                done = [
                    c
                    for c in self._book.minutes(key)
                    if c.start + _MINUTE <= now and (since is None or c.start > since)
                ]
                if not done:
                    continue
                bars = Bars.from_arrays(
                    Interval.MINUTE,
                    time=np.array(
                        [c.start.astimezone(UTC).replace(tzinfo=None) for c in done],
                        dtype="datetime64[s]",
                    ),
                    open=[float(c.open) for c in done],
                    high=[float(c.high) for c in done],
                    low=[float(c.low) for c in done],
                    close=[float(c.close) for c in done],
                    volume=[c.volume for c in done],
                )
                try:
                    self._store.write(
                        key, Interval.MINUTE, bars, source=self._source, origin=FEED_ORIGIN
                    )
                except SourceConflict as exc:
                    log.warning("not recording %s's minutes: %s", key, exc)
                    self._refused.add(key)
                    continue
                except Exception:  # one series' file fails alone: the others are written,
                    log.exception("recording %s's minutes failed", key)  # it is retried
                    continue
                self._written[key] = done[-1].start
                count += len(done)
            return count
