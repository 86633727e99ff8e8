"""Alerts judged beside the trading loop, never on it: minute alerts on the tick batches of
their symbols (the live minute candles, the forming one included, so a price cross fires on
the tick that makes it), day alerts once a trading day after the close (the stored day
candles, today's folded from the minutes when the store has not got it yet).

The loop only hands the watcher the symbols that ticked (`on_prices`, a set union: no
queue); its own task (`jobs.loop.Background`) runs `work`, one pass at a time, judging the
newest prices of what ticked since the last pass. The armed alerts are held in memory by
symbol, their conditions parsed and compiled once (`armed.ArmedBook`, read again when an
alert or a watched list changes). A pass builds one indicator book of the minute candles of
every symbol it judges (`panel.MinutePanel`: each indicator computed once for all of them)
and judges the minute alerts of one shape together, their levels as a vector
(`strategies.compile.last_truths`): an alert that does not fire costs a few array elements
and no database work. A session is opened only for one that fires.

Each user has a share of CPU time per pass (`USER_SHARE`, measured on this thread's CPU
clock, read before each chunk of `CHUNK` judgements): a user whose alerts take longer has
the rest judged on the next pass (the newest prices then, first in line), the log hears of
it once (`Guard.note`) and the user is told once a day. So a user at their cap delays their
own alerts, never another user's or the loop's work.

A minute alert's candles are the stored minutes (the recorder's, the imported ones) with
the live book's laid over them, as a chart draws them, so after a restart RSI(14) is judged
on the first tick rather than fifteen minutes of ticks later. The stored part is read once
per symbol and IST day.

Each (alert, symbol) is one item of the job guard (`tradertape.oms.Guard`): one user's alert
that raises is rolled back alone, recorded and after three failures quarantined with its
owner told; every other alert is judged on.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time as cpu
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeAlias

import numpy as np
from sqlalchemy import update

from tradertape.candles.live import KEEP_MINUTES, Candle, CandleBook
from tradertape.candles.store import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import Alert
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.market import Interval
from tradertape.indicators import IndicatorBook
from tradertape.oms import Guard
from tradertape.ports.clock import IST, Clock
from tradertape.services.alerts import firing
from tradertape.services.alerts.alerts import ACTIVE, cooled
from tradertape.services.alerts.armed import Armed, ArmedBook
from tradertape.services.alerts.panel import Floats, MinutePanel
from tradertape.services.alerts.placing import Placer
from tradertape.services.alerts.rules import book_of, holds_on
from tradertape.services.notifications.events import Kind, add
from tradertape.services.workers.candles import bars_to_candles
from tradertape.strategies.compile import last_truths

log = logging.getLogger("tradertape.alerts")

DAY_CLOSE = time(15, 35)  # IST: day alerts are judged once the session's close has printed
DAY_HISTORY = timedelta(days=400)  # a 200-day average and then some
SEED_HISTORY = timedelta(days=7)  # the stored minutes read: two sessions across a long weekend
USER_SHARE = 0.05  # seconds of CPU per user per pass; the rest waits for the next pass
CHUNK = 256  # judgements a user's turn takes between two reads of the CPU meter
MINUTE_JOB, DAY_JOB, SHARE_JOB = "alerts.ticks", "alerts.day_close", "alerts.share"


Bars: TypeAlias = dict[tuple[str, date | None], tuple[Candle, IndicatorBook] | None]
"""A pass's candles and indicators, by symbol and day (None: the minutes)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One alert on one symbol (a watchlist alert is one per item), on a tick batch or on
    the day's close (`day`)."""

    alert_id: int
    user_id: int
    symbol: str
    day: date | None = None

    @property
    def job(self) -> str:
        """The job guard's job of this item."""
        return MINUTE_JOB if self.day is None else DAY_JOB

    @property
    def key(self) -> str:
        """The job guard's key of this item."""
        tail = "" if self.day is None else ":day"
        return f"alert:{self.alert_id}:{self.symbol}{tail}"


def day_candles(store: CandleStore, book: CandleBook, key: str, today: date) -> list[Candle]:
    """The key's day candles up to today; today's folded from the live minutes if the store
    has not got it."""
    bars = store.read_daily(key, today - DAY_HISTORY, today)
    candles = [
        Candle(
            datetime.combine(day.astype(date), time(9, 15), tzinfo=IST),
            Decimal(str(o)),
            Decimal(str(h)),
            Decimal(str(lo)),
            Decimal(str(c)),
            int(v),
        )
        for day, o, h, lo, c, v in zip(
            bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume, strict=True
        )
        if c == c  # (NaN: no bar that day)
    ]
    minutes = [m for m in book.minutes(key) if m.start.astimezone(IST).date() == today]
    if minutes and (not candles or candles[-1].start.date() < today):
        day = minutes[0]
        for minute in minutes[1:]:
            day = day.merged(minute)
        candles.append(day)
    return candles


class AlertWatcher:
    """The trading loop's watcher of alerts (`tradertape.oms` loop watcher protocol), whose
    work runs beside the loop (`jobs.loop.Background`)."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        candles: CandleBook,
        store: CandleStore,
        calendar: TradingCalendar,
        placer: Placer,
        guard: Guard,
        share: float = USER_SHARE,
        chunk: int = CHUNK,
        meter: Callable[[], float] = cpu.thread_time,
        on_deferred: Callable[[int], object] | None = None,
        refresh_guard: Callable[[], object] | None = None,
    ) -> None:
        """`share`: each user's seconds of `meter` (this thread's CPU clock) per pass;
        `chunk`: judgements between two reads of the meter;
        `on_deferred` hears how many users a pass deferred (the loop's `LoopLag`);
        `refresh_guard` reads `guard`'s records again, in the pass after each timer tick
        (a guard of the watcher's own: the pass's thread is the only one using it)."""
        self._db = db
        self._clock = clock
        self._candles = candles
        self._store = store
        self._calendar = calendar
        self._placer = placer
        self._guard = guard
        self._share = share
        self._chunk = max(1, chunk)
        self._meter = meter
        self._on_deferred = on_deferred
        self._refresh_guard = refresh_guard
        self._guard_stale = False
        self._seeds: dict[str, tuple[date, list[Candle], list[datetime]]] = {}
        self._floats = Floats()
        self._lock = threading.Lock()  # the loop's thread notes, the pass's thread takes
        self._ticked: set[str] = set()
        self._day_due: date | None = None
        self._book = ArmedBook()
        self._targets: dict[str, list[Target]] = {}  # the minute alerts on each symbol
        self._owed: dict[int, dict[Target, None]] = {}  # each user's judgements still due
        self._day_left: dict[int, set[str]] = {}  # a day alert's symbols still to judge
        self._day_failed: set[int] = set()
        self._told: dict[int, date] = {}  # users told of a deferral, and on which day
        self._passes = 0

    @property
    def backlog(self) -> int:
        """Judgements owed and not yet done (deferred past a user's share)."""
        return sum(len(q) for q in self._owed.values())

    @property
    def waiting(self) -> frozenset[int]:
        """The users with judgements owed (deferred past their share)."""
        return frozenset(u for u, q in self._owed.items() if q)

    # -- on the loop: note what is due ------------------------------------------------------

    def on_prices(self, keys: Iterable[str]) -> int:
        """Note the symbols that ticked (judged by the next pass)."""
        with self._lock:
            self._ticked.update(keys)
        return 0

    def on_timer(self) -> int:
        """Expire held orders; after the close of a trading day, note the day alerts due."""
        now = self._clock.now()
        with self._db.session() as db:
            expired = firing.expire_due(db, now)
        local = now.astimezone(IST)
        today = local.date()
        if local.time() >= DAY_CLOSE and self._calendar.is_trading_day(today):
            with self._lock:
                self._day_due = today
        self._guard_stale = True  # a record deleted elsewhere (a retry asked) is seen
        return expired

    # -- beside the loop: one pass ----------------------------------------------------------

    def work(self) -> int:
        """Judge what is due with the newest prices, each user within their share; how many
        alerts fired."""
        with self._lock:
            ticked, self._ticked = self._ticked, set()
            day, self._day_due = self._day_due, None
        if self._guard_stale and self._refresh_guard is not None:
            self._guard_stale = False
            self._refresh_guard()
        if not ticked and day is None and not self._owed:
            return 0
        with self._db.session() as db:
            if self._book.refresh(db, self._clock.now()):
                self._targets = {}
        self._owe_ticked(ticked)
        if day is not None:
            self._owe_day(day)
        bars: Bars = {}
        panel = MinutePanel(
            dict.fromkeys(t.symbol for q in self._owed.values() for t in q if t.day is None),
            self.minutes,
            self._floats,
        )
        users = list(self._owed)
        self._passes += 1
        if users:  # a different user first each pass
            turn = self._passes % len(users)
            users = users[turn:] + users[:turn]
        fired = deferred = 0
        for user_id in users:
            fired += self._judge_within_share(user_id, bars, panel)
            left = len(self._owed[user_id])
            if left:
                deferred += 1
                self._deferred(user_id, left)
            else:
                del self._owed[user_id]
                self._guard.note(SHARE_JOB, f"user:{user_id}", None)  # caught up (logged once)
        self._mark_day_judged(day)
        if self._on_deferred is not None:
            self._on_deferred(deferred)
        return fired

    def _judge_within_share(self, user_id: int, bars: Bars, panel: MinutePanel) -> int:
        """The user's due judgements, oldest first, a chunk at a time until their share of
        this pass is spent (those left stay first in line for the next pass); how many
        fired."""
        queue = self._owed[user_id]
        fired = 0
        start = self._meter()
        while queue and self._meter() - start < self._share:
            chunk: list[Target] = []
            for target in queue:
                chunk.append(target)
                if len(chunk) == self._chunk:
                    break
            for target in chunk:
                del queue[target]
            minute = [t for t in chunk if t.day is None]
            if minute:
                fired += self._judge_minutes(minute, bars, panel)
            for target in chunk:
                if target.day is not None:
                    done = self._guarded(target, lambda t: self._judge(t, bars))
                    fired += sum(done)
                    self._day_judged(target, ok=bool(done))
        return fired

    def _guarded(self, target: Target, work: Callable[[Target], int]) -> list[int]:
        """`work` on the target as one item of the job guard (it fails alone)."""
        return self._guard.each(
            [target], job=target.job, key=lambda t: t.key, owner=lambda t: t.user_id, work=work
        )

    def _judge_minutes(self, targets: list[Target], bars: Bars, panel: MinutePanel) -> int:
        """Minute targets on the pass's panel: each shape of condition judged in one
        vectorised step for all its alerts; a session only for one that fires."""
        shapes: dict[tuple[object, ...], list[tuple[Target, Armed]]] = {}
        fired = 0
        for target in targets:
            armed = self._book.get(target.alert_id)
            if armed is None or target.symbol not in panel.column:
                continue  # deleted, paused or fired since it was owed; or no candles yet
            if armed.compiled is None or panel.book is None:
                fired += sum(self._guarded(target, lambda t: self._judge(t, bars)))
                continue
            shapes.setdefault(armed.compiled.shape, []).append((target, armed))
        for group in shapes.values():
            fired += self._judge_shape(group, bars, panel)
        return fired

    def _judge_shape(
        self, group: list[tuple[Target, Armed]], bars: Bars, panel: MinutePanel
    ) -> int:
        """One shape's alerts in one step: their symbols' columns, their levels a vector."""
        first = group[0][1].compiled
        assert first is not None
        assert panel.book is not None
        columns = np.array([panel.column[t.symbol] for t, _ in group], dtype=np.intp)
        levels = np.array(
            [a.compiled.levels for _, a in group if a.compiled is not None], dtype=np.float64
        ).reshape(len(group), len(first.nodes))
        by_node = {id(n): levels[:, j] for j, n in enumerate(first.nodes)}
        try:
            holds, unsure = last_truths(first.condition, panel.book, columns, by_node)
        except Exception:  # each alert judged alone, so the one at fault fails alone
            log.exception("alerts of one shape could not be judged together")
            return sum(sum(self._guarded(t, lambda t: self._judge(t, bars))) for t, _ in group)
        fired = 0
        now = self._clock.now()
        for j in np.flatnonzero(holds | unsure):
            target, armed = group[j]
            if unsure[j]:  # a cross whose earlier side lies further back: the whole history
                fired += sum(self._guarded(target, lambda t: self._judge(t, bars)))
            elif armed.cooled(target.symbol, now):
                fired += sum(self._guarded(target, self._firing(armed, panel, now)))
        return fired

    def _firing(self, armed: Armed, panel: MinutePanel, now: datetime) -> Callable[[Target], int]:
        def fire(target: Target) -> int:
            return self._fire(armed, target, panel.last[target.symbol].close, now)

        return fire

    def _owe_ticked(self, ticked: set[str]) -> None:
        """Owe each minute alert on each symbol that ticked."""
        owed = self._owed
        for symbol in ticked:
            targets = self._targets.get(symbol)
            if targets is None:  # made once per book, not per pass
                targets = [Target(a.alert_id, a.user_id, symbol) for a in self._book.on(symbol)]
                self._targets[symbol] = targets
            for target in targets:
                queue = owed.get(target.user_id)
                if queue is None:
                    queue = owed[target.user_id] = {}
                queue[target] = None

    def _owe(self, target: Target) -> None:
        self._owed.setdefault(target.user_id, {})[target] = None

    def _owe_day(self, today: date) -> None:
        """Owe each day alert not yet judged today (and not under way) on all its symbols."""
        for armed in self._book.day():
            if armed.last_evaluated_day == today.isoformat() or armed.alert_id in self._day_left:
                continue
            self._day_left[armed.alert_id] = set(armed.symbols)
            for symbol in armed.symbols:
                self._owe(Target(armed.alert_id, armed.user_id, symbol, day=today))

    def _deferred(self, user_id: int, left: int) -> None:
        """Log it (once until it clears) and tell the user (once a day)."""
        self._guard.note(
            SHARE_JOB,
            f"user:{user_id}",
            f"alerts over their {self._share * 1000:.0f} ms share of a pass: "
            "the rest judged on the next",
        )
        log.debug("user %s: %d alert judgements wait for the next pass", user_id, left)
        today = self._clock.now().astimezone(IST).date()
        if self._told.get(user_id) == today:
            return
        self._told[user_id] = today
        with self._db.session() as db:
            add(
                db,
                user_id=user_id,
                kind=Kind.ALERT,
                text="⏳ Your alerts took more than their share of the alert watcher's time, "
                "so some were judged a tick batch later. Fewer alerts, or fewer symbols on "
                "watchlist alerts, keep them on time.",
                at=self._clock.now(),
                payload={"deferred": left},
            )
            db.commit()

    def _day_judged(self, target: Target, *, ok: bool) -> None:
        if not ok:
            self._day_failed.add(target.alert_id)
        left = self._day_left.get(target.alert_id)
        if left is not None:
            left.discard(target.symbol)

    def _mark_day_judged(self, day: date | None) -> None:
        """Record the day alerts judged on every symbol today (one statement); one that
        raised on a symbol is judged again on the timer's next pass."""
        done = [a for a, left in self._day_left.items() if not left]
        if not done:
            return
        for alert_id in done:
            del self._day_left[alert_id]
        ok = [a for a in done if a not in self._day_failed]
        self._day_failed.difference_update(done)
        today = day or self._clock.now().astimezone(IST).date()
        if ok:
            with self._db.session() as db:
                db.execute(
                    update(Alert)
                    .where(Alert.id.in_(ok))
                    .values(last_evaluated_day=today.isoformat())
                )
                db.commit()
        for alert_id in ok:
            armed = self._book.get(alert_id)
            if armed is not None:
                armed.last_evaluated_day = today.isoformat()

    # -- judging ----------------------------------------------------------------------------

    def minutes(self, key: str) -> list[Candle]:
        """The key's minute candles: the stored ones before the live book's first minute,
        then the live ones (the forming minute last)."""
        live = self._candles.minutes(key)
        seed, starts = self._seed(key)
        older = seed if not live else seed[: bisect.bisect_left(starts, live[0].start)]
        return [*older[-KEEP_MINUTES:], *live]

    def _seed(self, key: str) -> tuple[list[Candle], list[datetime]]:
        """The stored minutes of the last few days and their starts, read once per key and
        IST day."""
        today = self._clock.now().astimezone(IST).date()
        held = self._seeds.get(key)
        if held is None or held[0] != today:
            bars = self._store.read(key, Interval.MINUTE, today - SEED_HISTORY, today)
            candles = bars_to_candles(bars, Interval.MINUTE)
            held = self._seeds[key] = (today, candles, [c.start for c in candles])
        return held[1], held[2]

    def _bars(
        self,
        target: Target,
        bars: Bars,
    ) -> tuple[Candle, IndicatorBook] | None:
        """The target symbol's last candle and indicators, built once a pass per symbol and
        timeframe (every alert on it shares them and their indicators)."""
        slot = (target.symbol, target.day)
        if slot not in bars:
            if target.day is None:
                candles = self.minutes(target.symbol)
            else:
                candles = day_candles(self._store, self._candles, target.symbol, target.day)
            bars[slot] = (candles[-1], book_of(candles)) if candles else None
        return bars[slot]

    def _judge(
        self,
        target: Target,
        bars: Bars,
    ) -> int:
        """Fire the alert on the symbol if its condition holds now and it has cooled (a
        database session only then)."""
        armed = self._book.get(target.alert_id)
        if armed is None:
            return 0  # deleted, paused or fired since it was owed
        if armed.condition is None:
            raise ValueError(f"alert {armed.alert_id}'s stored condition: {armed.error}")
        held = self._bars(target, bars)
        if held is None or not holds_on(armed.condition, held[1]):
            return 0
        now = self._clock.now()
        if not armed.cooled(target.symbol, now):
            return 0
        return self._fire(armed, target, held[0].close, now)

    def _fire(self, armed: Armed, target: Target, price: Decimal, now: datetime) -> int:
        with self._db.session() as db:
            alert = db.get(Alert, target.alert_id)
            if alert is None or alert.status != ACTIVE:
                self._book.disarm(target.alert_id)  # changed elsewhere: the book catches up
                return 0
            if not cooled(db, alert, target.symbol, now):  # fired by another process
                return 0
            if target.day is not None:
                alert.last_evaluated_day = target.day.isoformat()
            firing.fire(db, self._placer, alert, symbol=target.symbol, price=price, now=now)
        armed.last_fired[target.symbol] = now
        if armed.repeat == "once":
            self._book.disarm(armed.alert_id)
        return 1
