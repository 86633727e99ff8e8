"""A trading week for model portfolios: hand-made candles, the real simulated feed playing
them, and the app's own trading loop driven step by step on the manual clock.

The candles are built so that the strategy below does exactly one round trip in ITC:

- Mon 30 Nov 2026: ITC closes at 420, crossing 2 % above its flat SMA10 → an entry signal
  (trigger 424.20 with the 1 % entry buffer, limit 426.35);
- Tue: the day trades 420–426, so the entry GTT fires once and its LIMIT buy fills; WIPRO
  breaks out at the close too (a second candidate: dropped by ``max_positions: 1``, refused
  by a risk rule in the risk-rule week);
- Wed: ITC closes at 450, more than 4 % above the fill → the ``take_profit`` exit;
- Thu: the exit sells at the open;
- Fri: ITC trades down to 405, through the ATR stop the position had: a stop GTT left
  behind would fire here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import deploy_funded
from tradertape.bus.memory import InProcessBus
from tradertape.candles import CandleStore
from tradertape.candles.bars import CandleSource
from tradertape.db.models import Gtt, Order, Trade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.market import Tick
from tradertape.feed.codec import tick_from_message
from tradertape.feed.simulated import FeedConfig, SimulatedFeed
from tradertape.jobs.loop import BatchReport
from tradertape.jobs.trading import trading_loop
from tradertape.ports.broker import DailyBar
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime

ITC, WIPRO = "NSE:ITC", "NSE:WIPRO"
MON, TUE, WED, THU = (date(2026, 11, 30), *(date(2026, 12, d) for d in range(1, 4)))
FRI = date(2026, 12, 4)
WEEK = (MON, TUE, WED, THU, FRI)
HISTORY_FROM = date(2026, 9, 1)
VOLUME = 2_000_000
STEP = timedelta(minutes=5)  # one tick per instrument every 5 market minutes
SCAN_AT = time(16, 5)

Bar = tuple[float, float, float, float]  # open, high, low, close

# The week; before it both stocks trade flat.
BARS: dict[str, dict[date, Bar]] = {
    ITC: {
        MON: (400, 421, 399, 420),
        TUE: (421, 426, 420, 425),
        WED: (426, 452, 425, 450),
        THU: (448, 449, 430, 432),
        FRI: (431, 432, 405, 408),
    },
    WIPRO: {
        MON: (600, 603, 597, 600),
        TUE: (600, 631, 599, 630),
        WED: (630, 632, 626, 628),
        THU: (628, 631, 625, 628),
        FRI: (628, 630, 624, 627),
    },
}
FLAT = {ITC: (400, 402, 398, 400), WIPRO: (600, 603, 597, 600)}


def _indicator(name: str) -> dict[str, Any]:
    return {"type": "indicator", "name": name}


def _literal(value: float) -> dict[str, Any]:
    return {"type": "literal", "value": value}


STRATEGY: dict[str, Any] = {
    "name": "Week breakout",
    "entry_rules": {
        "type": "crosses_above",
        "left": _indicator("close"),
        "right": {"type": "mul", "left": _indicator("sma10"), "right": _literal(1.02)},
    },
    "exit_rules": [
        {
            "name": "take_profit",
            "priority": 0,
            "condition": {
                "type": "compare",
                "left": {"type": "position", "field": "unrealized_pct"},
                "op": ">=",
                "right": _literal(4),
            },
        }
    ],
    "conviction_scoring": [{"type": "weighted", "operand": _indicator("close")}],
    "config": {"min_hold": 0, "atr_stop_mult": 2, "entry_buffer_pct": 1},
}


def write_candles(store: CandleStore, changes: dict[str, dict[date, Bar]] | None = None) -> None:
    """Flat history from September, then the week above (with ``changes`` to some days)."""
    days = store.calendar.trading_days(HISTORY_FROM, FRI)
    for key, week in BARS.items():
        bars = week | (changes or {}).get(key, {})
        rows = [DailyBar(day, *bars.get(day, FLAT[key]), VOLUME) for day in days]
        store.write_daily(key, rows, source=CandleSource.IMPORT)


class StoredBars:
    """The feed's day plan: each day's bar as the candle store has it, so the ticks the
    feed prints open, peak, dip and close where the scanner's candles say."""

    def __init__(self, store: CandleStore) -> None:
        self._store = store

    def __call__(self, key: str, day: date) -> DailyBar | None:
        bars = self._store.read_daily(key, day, day)
        if not len(bars):
            return None
        o, h, lo, c = (float(v[0]) for v in (bars.open, bars.high, bars.low, bars.close))
        return DailyBar(day, o, h, lo, c, int(bars.volume[0]))


def at(day: date, moment: time) -> datetime:
    """An IST instant."""
    return datetime.combine(day, moment, IST)


class Market:
    """The simulated market and the trading loop of one server process, stepped by hand.

    Each step is what `TradingLoop.run` does with one batch: the feed prints the ticks due
    at the clock's time, the loop matches them (orders, GTTs) and then runs its timed jobs
    (AMO release, expiries, the portfolios' reconciliation and daily scan).
    """

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.reports: list[BatchReport] = []
        self._aio = asyncio.new_event_loop()
        bus = InProcessBus()
        catalog = runtime.catalog
        self.feed = SimulatedFeed(
            bus=bus,
            clock=clock,
            calendar=nse_calendar(),
            instruments=[catalog.get(key) for key in BARS],
            plan=StoredBars(runtime.candles),
            config=FeedConfig(interval_secs=STEP.total_seconds()),
        )
        self._ticks = self._aio.run_until_complete(bus.subscribe("ticks.*"))
        self.loop = trading_loop(runtime)

    def close(self) -> None:
        """Drop the event loop the feed printed on."""
        self._aio.close()

    @property
    def gtts_fired(self) -> int:
        """GTTs this process's loop has fired so far."""
        return sum(r.gtts_fired for r in self.reports)

    def step(self, now: datetime, *, jobs: bool = True) -> BatchReport:
        """Move the clock to ``now`` and run one batch and (unless told not to) the timer."""
        self.clock.set(now)
        printed = self._aio.run_until_complete(self.feed.advance_to(now))
        batch = [
            tick_from_message(self._aio.run_until_complete(anext(self._ticks))[1])
            for _ in range(printed)
        ]
        self.printed(batch)
        report = self.loop.on_ticks(batch)
        self.reports.append(report)
        if jobs:
            self.loop.run_jobs()
        return report

    def printed(self, batch: list[Tick]) -> None:
        """The ticks of one step, before the loop matches them (a live broker's market
        follows them here)."""

    def until_fired(self, day: date, start: time = time(9, 15)) -> datetime:
        """Play ``day`` up to the batch that fires a GTT, and stop there: the trigger has
        placed its order, but the timer (reconciliation) has not run yet."""
        for moment in self.steps(day, start):
            if self.step(moment, jobs=False).gtts_fired:
                return moment
            self.loop.run_jobs()
        raise AssertionError(f"no GTT fired on {day}")

    def steps(
        self, day: date, start: time = time(9, 15), end: time = time(15, 30)
    ) -> Iterator[datetime]:
        """The instants of one session's steps, from ``start`` to ``end`` inclusive."""
        moment, last = at(day, start), at(day, end)
        while moment <= last:
            yield moment
            moment += STEP

    def session(self, day: date, start: time = time(9, 15), end: time = time(15, 30)) -> None:
        """Play ``day``'s session (or the part of it from ``start`` to ``end``)."""
        for moment in self.steps(day, start, end):
            self.step(moment)

    def after_close(self, day: date) -> None:
        """16:05 IST: the loop's timer runs the portfolios' daily scan."""
        self.step(at(day, SCAN_AT))


def deploy(client: TestClient, strategy: dict[str, Any] = STRATEGY, **changes: Any) -> int:
    """Save ``strategy`` and deploy it on the NIFTY 50 with ₹10 lakh (API); the id."""
    created = client.post("/api/strategies", json=strategy)
    assert created.status_code == 201, created.text
    body = {
        "strategy_id": created.json()["id"],
        "universe": "nifty_50",
        "starting_capital": "1000000",
        "position_size_pct": "10",
        "max_positions": 1,
    } | changes
    deployed = deploy_funded(client, body)
    assert deployed.status_code == 201, deployed.text
    return int(deployed.json()["id"])


def approve_and_place(client: TestClient, signal_id: int) -> dict[str, Any]:
    """Put a signal in the cart and place the cart (API); the placement."""
    approved = client.post(f"/api/model/signals/{signal_id}/approve")
    assert approved.status_code == 200, approved.text
    placed = client.post("/api/model/cart/place")
    assert placed.status_code == 200, placed.text
    result: dict[str, Any] = placed.json()
    return result


def gtt(client: TestClient, trigger_id: int) -> dict[str, Any]:
    """One GTT trigger as Kite shows it (API)."""
    response = client.get(f"/api/gtt/triggers/{trigger_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def signals(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """The user's signals (API)."""
    response = client.get("/api/model/signals", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def positions(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """The user's portfolio positions (API)."""
    response = client.get("/api/model/positions", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def portfolio(client: TestClient, portfolio_id: int) -> dict[str, Any]:
    """One portfolio as the list shows it (API)."""
    rows = client.get("/api/model/portfolios").json()
    found: dict[str, Any] = next(p for p in rows if p["id"] == portfolio_id)
    return found


def money(value: str) -> Decimal:
    """A money field of a response."""
    return Decimal(value)


@dataclass(frozen=True)
class BrokerBook:
    """What the paper broker holds for the user: orders, trades and GTTs, oldest first."""

    orders: list[tuple[str, str, int, str]]  # (side, variety, quantity, status)
    trades: list[tuple[str, int, Decimal, Decimal]]  # (side, quantity, price, charges)
    gtts: list[tuple[str, str]]  # (side, status)


def broker_book(runtime: Runtime) -> BrokerBook:
    """Read the paper broker's rows (the database: the API shows only today's)."""
    with runtime.db.session() as db:
        orders = db.scalars(select(Order).order_by(Order.id)).all()
        trades = db.scalars(select(Trade).order_by(Trade.id)).all()
        gtts = db.scalars(select(Gtt).order_by(Gtt.id)).all()
        return BrokerBook(
            orders=[(o.transaction_type, o.variety, o.quantity, o.status) for o in orders],
            trades=[(t.transaction_type, t.quantity, t.price, t.charges) for t in trades],
            gtts=[(g.orders[0]["transaction_type"], g.status) for g in gtts],
        )
