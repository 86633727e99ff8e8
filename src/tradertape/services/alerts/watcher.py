"""Alerts judged beside the trading loop: minute alerts on every tick batch of their symbols
(the live minute candles, the forming one included, so a price cross fires on the tick that
makes it), day alerts once a trading day after the close (the stored day candles, today's
folded from the minutes when the store has not got it yet).

A minute alert's candles are the stored minutes (the recorder's, the imported ones) with the
live book's laid over them, as a chart draws them, so after a restart RSI(14) is judged on
the first tick rather than fifteen minutes of ticks later. The stored part is read once per
symbol and IST day.

Each (alert, symbol) is one item of the job guard (`tradertape.oms.Guard`): one user's alert
that raises is rolled back alone, recorded and after three failures quarantined with its
owner told; every other alert is judged on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.candles.live import KEEP_MINUTES, Candle, CandleBook
from tradertape.candles.store import CandleStore
from tradertape.db.engine import Database
from tradertape.db.models import Alert, Watchlist
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.market import Interval
from tradertape.oms import Guard
from tradertape.ports.clock import IST, Clock
from tradertape.services.alerts import firing
from tradertape.services.alerts.alerts import ACTIVE, cooled
from tradertape.services.alerts.placing import Placer
from tradertape.services.alerts.rules import holds_now, parse_condition
from tradertape.services.workers.candles import bars_to_candles

DAY_CLOSE = time(15, 35)  # IST: day alerts are judged once the session's close has printed
DAY_HISTORY = timedelta(days=400)  # a 200-day average and then some
SEED_HISTORY = timedelta(days=7)  # the stored minutes read: two sessions across a long weekend


@dataclass(frozen=True, slots=True)
class Target:
    """One alert on one symbol (a watchlist alert is one per item)."""

    alert_id: int
    user_id: int
    symbol: str


def targets(db: Session, *, timeframe: str, keys: set[str] | None) -> list[Target]:
    """Every active alert of `timeframe` on each of its symbols (among `keys`, when given)."""
    alerts = list(
        db.scalars(
            select(Alert)
            .where(Alert.status == ACTIVE, Alert.timeframe == timeframe)
            .order_by(Alert.id)
        )
    )
    lists = {a.watchlist_id for a in alerts if a.watchlist_id is not None}
    items: dict[tuple[int, int], list[str]] = {}
    if lists:
        for row in db.scalars(select(Watchlist).where(Watchlist.id.in_(lists))):
            items[(row.user_id, row.id)] = list(row.items)
    out: list[Target] = []
    for alert in alerts:
        if alert.symbol is not None:
            symbols = [alert.symbol]
        else:  # a list the alert's owner holds (another's id never matches)
            symbols = items.get((alert.user_id, alert.watchlist_id or 0), [])
        out += [Target(alert.id, alert.user_id, s) for s in symbols if keys is None or s in keys]
    return out


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
    """The trading loop's watcher of alerts (`tradertape.oms` loop watcher protocol)."""

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
    ) -> None:
        self._db = db
        self._clock = clock
        self._candles = candles
        self._store = store
        self._calendar = calendar
        self._placer = placer
        self._guard = guard
        self._seeds: dict[str, tuple[date, list[Candle]]] = {}

    def minutes(self, key: str) -> list[Candle]:
        """The key's minute candles: the stored ones before the live book's first minute,
        then the live ones (the forming minute last)."""
        live = self._candles.minutes(key)
        first = live[0].start if live else None
        older = [c for c in self._seed(key) if first is None or c.start < first]
        return [*older[-KEEP_MINUTES:], *live]

    def _seed(self, key: str) -> list[Candle]:
        """The stored minutes of the last few days, read once per key and IST day."""
        today = self._clock.now().astimezone(IST).date()
        held = self._seeds.get(key)
        if held is None or held[0] != today:
            bars = self._store.read(key, Interval.MINUTE, today - SEED_HISTORY, today)
            held = self._seeds[key] = (today, bars_to_candles(bars, Interval.MINUTE))
        return held[1]

    def on_prices(self, keys: Iterable[str]) -> int:
        """Judge the minute alerts on the symbols that ticked; how many fired."""
        ticked = set(keys)
        if not ticked:
            return 0
        with self._db.session() as db:
            due = targets(db, timeframe="minute", keys=ticked)
        if not due:
            return 0
        minutes = {t.symbol: self.minutes(t.symbol) for t in due}
        fired = self._guard.each(
            due,
            job="alerts.ticks",
            key=lambda t: f"alert:{t.alert_id}:{t.symbol}",
            owner=lambda t: t.user_id,
            work=lambda t: self._judge(t, minutes[t.symbol], day=None),
        )
        return sum(fired)

    def on_timer(self) -> int:
        """Expire held orders; after the close of a trading day, judge the day alerts once."""
        now = self._clock.now()
        with self._db.session() as db:
            firing.expire_due(db, now)
        local = now.astimezone(IST)
        today = local.date()
        if local.time() < DAY_CLOSE or not self._calendar.is_trading_day(today):
            return 0
        with self._db.session() as db:
            due = [
                t for t in targets(db, timeframe="day", keys=None) if self._not_judged(db, t, today)
            ]
        fired = self._guard.each(
            due,
            job="alerts.day_close",
            key=lambda t: f"alert:{t.alert_id}:{t.symbol}:day",
            owner=lambda t: t.user_id,
            work=lambda t: self._judge(
                t, day_candles(self._store, self._candles, t.symbol, today), day=today
            ),
        )
        return sum(fired)

    @staticmethod
    def _not_judged(db: Session, target: Target, today: date) -> bool:
        alert = db.get(Alert, target.alert_id)
        return alert is not None and alert.last_evaluated_day != today.isoformat()

    def _judge(self, target: Target, candles: list[Candle], *, day: date | None) -> int:
        """Fire the alert on the symbol if its condition holds now and it has cooled."""
        with self._db.session() as db:
            alert = db.get(Alert, target.alert_id)
            if alert is None or alert.status != ACTIVE:
                return 0  # deleted, paused or fired since the listing
            if day is not None:  # judged today, fired or not (one that raised is retried)
                alert.last_evaluated_day = day.isoformat()
            if not holds_now(parse_condition(alert.condition), candles):
                db.commit()
                return 0
            now = self._clock.now()
            if not cooled(db, alert, target.symbol, now):
                db.commit()
                return 0
            firing.fire(
                db, self._placer, alert, symbol=target.symbol, price=candles[-1].close, now=now
            )
            return 1
