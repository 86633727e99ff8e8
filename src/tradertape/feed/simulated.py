"""The simulated market: ticks consistent with each instrument's day bar, on the injected clock.

Time has three layers. The injected `Clock` gives *wall* time. ``speed`` turns it into *market*
time (``market = start_at + (wall − first wall) × speed``; at speed 1 with no ``start_at`` the
two coincide). `SessionSchedule` maps market time onto NSE sessions, or, in demo mode, onto
replays of the last session when NSE is closed (see `feed.schedule` for that mapping). Every
instrument ticks once per ``interval_secs`` of wall time, i.e. every ``interval × speed`` of
market time, and each tick's ``ts`` is the market instant of its step.

`advance_to(now)` publishes every tick due up to ``now`` and is all that tests need: it is
deterministic, with no task and no sleep. `run()` is the production loop around it. Prices,
volumes and depth are pure functions of (seed, instrument, day, replay, step), so two processes
with the same settings print identical ticks.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tradertape.domain.calendar import OutsideCalendarError, TradingCalendar
from tradertape.domain.instruments import Instrument, InstrumentCatalog, InstrumentType
from tradertape.domain.market import DepthLevel, Tick
from tradertape.domain.ticks import tick_size
from tradertape.feed.codec import DEPTH_LEVELS, tick_to_message
from tradertape.feed.path import IntradayPath, mix
from tradertape.feed.plan import DayPlan, SyntheticDayPlan, stable_unit
from tradertape.feed.schedule import Segment, SessionSchedule, Slot
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock

log = logging.getLogger("tradertape.feed")

TICKS_TOPIC = "ticks"
_MAX_IDLE_S = 30.0  # re-read the clock at least this often (a laptop may sleep, a clock jump)
_KNOT_SECONDS = 60  # about one path knot per market minute


def ticks_topic(key: str) -> str:
    """The bus topic of an instrument's ticks: ``ticks.NSE:INFY``."""
    return f"{TICKS_TOPIC}.{key}"


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """How the simulated market runs.

    Parameters
    ----------
    interval_secs
        Wall seconds between two ticks of one instrument.
    speed
        Market seconds per wall second (60: a session in 6¼ minutes).
    demo
        Keep ticking outside NSE hours by replaying the last session.
    seed
        Seed of the synthetic bars and paths.
    start_at
        Market instant at the first `advance_to` (default: that wall instant).
    close_hold_secs
        In demo mode, wall seconds each close is held before the next replay opens: long
        enough for the session jobs (every 5 s) to see the close and end the session's DAY
        orders.
    max_catchup_steps
        After a stall (a slow loop, a suspended laptop) at most this many missed steps are
        printed per instrument; the rest are skipped, not replayed in a burst.
    """

    interval_secs: float = 1.0
    speed: float = 1.0
    demo: bool = False
    seed: int = 2026
    start_at: datetime | None = None
    close_hold_secs: float = 15.0
    max_catchup_steps: int = 5

    def __post_init__(self) -> None:
        if self.interval_secs <= 0 or self.speed <= 0:
            raise ValueError("interval_secs and speed must be positive")
        if self.interval_secs * self.speed > 3600:
            raise ValueError("interval_secs × speed is more than an hour of market time per tick")
        if self.close_hold_secs < 0:
            raise ValueError("close_hold_secs must not be negative")
        if self.max_catchup_steps < 1:
            raise ValueError("max_catchup_steps must be at least 1")
        if self.start_at is not None and self.start_at.tzinfo is None:
            raise ValueError("start_at must be timezone-aware")

    @property
    def step(self) -> timedelta:
        """Market time between two ticks of an instrument."""
        return timedelta(seconds=self.interval_secs * self.speed)

    @property
    def close_hold(self) -> int:
        """Steps each demo close is held (`close_hold_secs` of wall time)."""
        return math.ceil(self.close_hold_secs / self.interval_secs) if self.demo else 0


@dataclass(frozen=True, slots=True)
class _Day:
    """One instrument's state for one segment."""

    instrument: Instrument
    path: IntradayPath
    tick: Decimal
    open: Decimal
    prev_close: Decimal
    salt: int
    lot: int  # depth quantities are multiples of this


class SimulatedFeed:
    """Publishes `Tick`s on ``ticks.<KEY>`` and remembers the last one per instrument."""

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        calendar: TradingCalendar,
        instruments: Iterable[Instrument],
        plan: DayPlan,
        config: FeedConfig | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._calendar = calendar
        self._instruments = tuple(instruments)
        self._plan = plan
        self.config = config or FeedConfig()
        self._schedule = SessionSchedule(
            calendar,
            step=self.config.step,
            demo=self.config.demo,
            close_hold=self.config.close_hold,
        )
        self._origin: tuple[datetime, datetime] | None = None
        self._cursor: Slot | None = None
        self._days: dict[Segment, dict[str, _Day]] = {}
        self._last: dict[str, Tick] = {}
        self._prepared: tuple[Slot, list[tuple[Tick, dict[str, Any]]]] | None = None
        self._warned_outside = False
        self.published = 0

    @classmethod
    def synthetic(
        cls,
        *,
        bus: EventBus,
        clock: Clock,
        calendar: TradingCalendar,
        catalog: InstrumentCatalog,
        config: FeedConfig | None = None,
        keys: Iterable[str] | None = None,
        plan: DayPlan | None = None,
    ) -> SimulatedFeed:
        """A feed over the catalog (or `keys` of it); bars from `plan` or `SyntheticDayPlan`."""
        config = config or FeedConfig()
        instruments = list(catalog) if keys is None else [catalog.get(k) for k in keys]
        plan = plan or SyntheticDayPlan(catalog, calendar, seed=config.seed)
        return cls(
            bus=bus,
            clock=clock,
            calendar=calendar,
            instruments=instruments,
            plan=plan,
            config=config,
        )

    def last(self, key: str) -> Tick | None:
        """The last tick published for `key` (``NSE:INFY``), if any; what fills are priced at."""
        return self._last.get(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """The instruments this feed prints."""
        return tuple(i.key for i in self._instruments)

    def market_time(self, now: datetime) -> datetime:
        """The market instant at wall instant `now` (the first call fixes the origin)."""
        if self._origin is None:
            self._origin = (now, self.config.start_at or now)
        wall0, market0 = self._origin
        return market0 + (now - wall0) * self.config.speed

    def wall_time(self, market: datetime) -> datetime:
        """The wall instant at which market time reaches `market` (after the first call)."""
        if self._origin is None:
            return market
        wall0, market0 = self._origin
        return wall0 + (market - market0) / self.config.speed

    def playing(self, now: datetime) -> Slot:
        """The slot playing at wall time `now`: which day's bar, live or which replay of it."""
        return self._schedule.slot_at(self.market_time(now))

    def session_time(self, now: datetime) -> datetime:
        """The instant the ticks due at wall time `now` carry (a replayed session's in demo)."""
        return self._schedule.tick_time(self._schedule.slot_at(self.market_time(now)))

    async def advance_to(self, now: datetime) -> int:
        """Publish every tick due up to wall instant `now`; return how many were published.

        The first call prints the current state of every instrument once (no backlog from the
        session's start); later calls print each step since the previous call, capped at
        ``max_catchup_steps``.
        """
        moment = self.market_time(now)
        try:
            slot = self._schedule.slot_at(moment)
        except OutsideCalendarError:
            if not self._warned_outside:
                log.warning("simulated feed idle: %s is outside the NSE calendar", moment.date())
                self._warned_outside = True
            return 0
        cursor = self._cursor
        if cursor is not None and cursor.segment == slot.segment and slot.step < cursor.step:
            return 0  # the wall clock stepped back: wait for it rather than print twice
        published = 0
        for due in self._due(cursor, slot):
            published += await self._print(due)
        self._cursor = slot
        return published

    def _due(self, previous: Slot | None, current: Slot) -> Iterator[Slot]:
        if previous is None:
            first = current.step
        elif previous.segment == current.segment:
            first = previous.step + 1
        else:
            first = 0
            last = self._schedule.last_step(previous.segment)
            if previous.segment.loop == 0 and previous.step < last:
                yield Slot(previous.segment, last)  # a live session always prints its close
        for step in range(
            max(first, current.step - self.config.max_catchup_steps + 1), current.step + 1
        ):
            yield Slot(current.segment, step)

    def _generate(self, slot: Slot) -> list[tuple[Tick, dict[str, Any]]]:
        if self._prepared is not None and self._prepared[0] == slot:
            return self._prepared[1]
        ts = self._schedule.tick_time(slot)
        ticks = (_tick(day, slot.step, ts) for day in self._days_of(slot.segment).values())
        return [(tick, tick_to_message(tick)) for tick in ticks]

    async def _print(self, slot: Slot) -> int:
        batch = self._generate(slot)
        for tick, message in batch:
            self._last[tick.key] = tick
            await self._bus.publish(ticks_topic(tick.key), message)
        self.published += len(batch)
        return len(batch)

    def prepare(self, wall: datetime) -> None:
        """Generate the ticks due at wall instant `wall` now, so that printing them is quick.

        The runner calls this while it waits: ticks are then published the moment they are
        due instead of after the time it takes to compute them.
        """
        try:
            slot = self._schedule.slot_at(self.market_time(wall))
        except OutsideCalendarError:
            return
        self._prepared = (slot, self._generate(slot))

    def _days_of(self, segment: Segment) -> dict[str, _Day]:
        days = self._days.get(segment)
        if days is None:
            days = {}
            for instrument in self._instruments:
                day = self._build(instrument, segment)
                if day is not None:
                    days[instrument.key] = day
            # Keep only the segment being left (its close may still print) and the new one.
            leaving = self._cursor.segment if self._cursor is not None else None
            self._days = {k: v for k, v in self._days.items() if k == leaving}
            self._days[segment] = days
        return days

    def _build(self, instrument: Instrument, segment: Segment) -> _Day | None:
        key = instrument.key
        bar = self._plan(key, segment.day)
        if bar is None:
            return None
        try:
            before = self._plan(key, self._calendar.previous_trading_day(segment.day))
        except OutsideCalendarError:
            before = None
        prev_close = before.close if before is not None else bar.open
        if instrument.instrument_type is InstrumentType.EQ:
            step = tick_size(Decimal(prev_close), as_of=segment.day)
        else:
            step = instrument.tick_size
        size = float(step)

        def units(value: float) -> int:
            return max(1, math.floor(value / size + 0.5))

        salt = int(stable_unit(self.config.seed, key, segment.day, segment.loop, "path") * 2**63)
        last = self._schedule.last_step(segment)
        try:
            path = IntradayPath(
                open=units(bar.open),
                high=units(bar.high),
                low=units(bar.low),
                close=units(bar.close),
                volume=bar.volume,
                steps=last,
                knot_every=max(1, round(_KNOT_SECONDS / self.config.step.total_seconds())),
                salt=salt,
            )
        except ValueError as exc:
            raise ValueError(f"day plan of {key} on {segment.day}: {exc}") from exc
        return _Day(
            instrument=instrument,
            path=path,
            tick=step,
            open=units(bar.open) * step,
            prev_close=units(prev_close) * step,
            salt=salt,
            lot=max(1, bar.volume // 200_000) * instrument.lot_size,
        )

    async def run(self, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Tick forever in (accelerated) real time; cancel the task to stop.

        Between two steps it waits half the time, prepares the next step's ticks in a worker
        thread (for the whole catalog that takes tens of milliseconds, which on the event
        loop would stall every request and socket of the server), then waits for them to be
        due. A failing step (the bus unreachable, say) is logged and retried an interval
        later, so a Redis restart does not end the market. `sleep` is injectable.
        """
        while True:
            now = self._clock.now()
            try:
                await self.advance_to(now)
                due = self.next_due(now)
            except Exception:
                log.exception("simulated feed: step failed; retrying")
                await sleep(self.config.interval_secs)
                continue
            if due is not None and (due - now).total_seconds() <= _MAX_IDLE_S:
                # Let the ticks just printed fan out first, then compute the next ones ahead.
                await sleep(self.seconds_until_next(now, waiting_from=self._clock.now()) / 2)
                await asyncio.to_thread(self._prepare_quietly, due)
            await sleep(self.seconds_until_next(now, waiting_from=self._clock.now()))

    def _prepare_quietly(self, due: datetime) -> None:
        try:
            self.prepare(due)
        except Exception:  # printing will compute (and report) it again
            log.exception("simulated feed: preparing the next step failed")

    def next_due(self, now: datetime) -> datetime | None:
        """The wall instant the next tick after `now` is due (`None` beyond the calendar)."""
        try:
            return self.wall_time(self._schedule.next_due(self.market_time(now)))
        except OutsideCalendarError:
            return None

    def seconds_until_next(self, now: datetime, *, waiting_from: datetime | None = None) -> float:
        """Wall seconds until the next tick after `now` is due, counted from `waiting_from`.

        At most 30: the runner re-reads the clock at least that often (a laptop may sleep).
        """
        due = self.next_due(now)
        if due is None:
            return _MAX_IDLE_S
        wait = (due - (waiting_from or now)).total_seconds()
        return min(max(wait, 0.0), _MAX_IDLE_S)


def _tick(day: _Day, step: int, ts: datetime) -> Tick:
    point = day.path.at(step)
    size = day.tick
    last_quantity = point.volume - (day.path.volume(step - 1) if step > 0 else 0)
    bid = ask = None
    bids: tuple[DepthLevel, ...] = ()
    asks: tuple[DepthLevel, ...] = ()
    if day.instrument.is_tradable:
        bids, asks = _depth(day, step, point.price)
        bid = bids[0].price if bids else None
        ask = asks[0].price
    return Tick(
        key=day.instrument.key,
        instrument_token=day.instrument.instrument_token,
        ts=ts,
        last_price=point.price * size,
        last_quantity=last_quantity,
        volume=point.volume,
        open=day.open,
        high=point.high * size,
        low=point.low * size,
        prev_close=day.prev_close,
        bid=bid,
        ask=ask,
        bid_quantity=bids[0].quantity if bids else 0,
        ask_quantity=asks[0].quantity if asks else 0,
        bids=bids,
        asks=asks,
    )


def _depth(
    day: _Day, step: int, price: int
) -> tuple[tuple[DepthLevel, ...], tuple[DepthLevel, ...]]:
    return depth_at(
        price=price,
        tick=day.tick,
        lot=day.lot,
        contract=day.instrument.lot_size,
        salt=day.salt,
        step=step,
    )


def depth_at(
    *, price: int, tick: Decimal, lot: int, contract: int, salt: int, step: int
) -> tuple[tuple[DepthLevel, ...], tuple[DepthLevel, ...]]:
    """Five levels a side around a last price of `price` ticks of `tick`, as printed at
    `step` of a day whose path has `salt`: the last trade hit the bid or lifted the offer,
    the spread is one tick or two, each side's levels lie a tick apart outwards, and every
    quantity is whole lots of `lot` (itself whole contract lots of `contract`), with no
    more orders than contract lots. A pure function of its arguments: the same seed prints
    the same book."""
    h = mix(salt, step)
    spread = 1 + (h >> 1) % 2
    best_bid, best_ask = (price - spread, price) if h & 1 else (price, price + spread)
    return (
        _side(best_bid, -1, mix(h, 1), tick=tick, lot=lot, contract=contract),
        _side(best_ask, 1, mix(h, 2), tick=tick, lot=lot, contract=contract),
    )


def _side(
    best: int, direction: int, bits: int, *, tick: Decimal, lot: int, contract: int
) -> tuple[DepthLevel, ...]:
    # 10 bits of one hash per level (6 for the quantity, 4 for the orders): one hash a side.
    levels = []
    contract = max(1, contract)
    for i in range(DEPTH_LEVELS):
        units = best + direction * i
        if units < 1:
            break
        r = (bits >> (10 * i)) & 0x3FF
        quantity = lot * (1 + (r & 0x3F))
        orders = min(1 + (r >> 6), quantity // contract)
        levels.append(DepthLevel(units * tick, quantity, orders))
    return tuple(levels)
