"""The trading loop: ticks from the bus drive the paper exchange and the GTT book.

Ticks are batched (a quarter second by default) and only instruments with working
orders or active triggers cost database work, so a feed of hundreds of symbols a second
stays cheap. The session jobs (AMO release, MIS square-off, expiry) run on the same
loop every few seconds of the injected clock. One process runs this loop (the one that
owns the feed); request handlers in any process only read and place.

Everything runs through the loop's `Guard` (`background.guard`): each job, each instrument's
matching and each trigger fails alone, so one user's bad row never stops another's work.

Work whose cost users set (their alerts) never runs on the loop: a `Background` is handed
each batch's symbols by its watcher methods (cheap: it only notes them) and does its work
in a task of its own (`run`), one pass at a time, judging the newest prices; a pass that
takes long makes it skip batches, never the loop lag. Each batch's lag (first tick in to
batch done) is measured on the clock into `LoopLag`, which `/api/health` tells.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models.trading import Gtt, Order
from tradertape.db.rows import one_of
from tradertape.domain.gtt_states import ACTIVE
from tradertape.domain.market import Tick
from tradertape.domain.order_state import WORKING as _WORKING
from tradertape.oms.paper.exchange import BROKER, PaperExchange
from tradertape.oms.paper.gtt import GttBook
from tradertape.oms.paper.session_jobs import SessionJobs
from tradertape.oms.quotes import QuoteBook, TickSink
from tradertape.ports.bus import EventBus
from tradertape.ports.clock import Clock
from tradertape.services.background.guard import JobGuard
from tradertape.services.background.lag import LoopLag

log = logging.getLogger("tradertape.oms")

_MAX_ECHOES = 10_000


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What one batch did."""

    ticks: int
    instruments_matched: int
    fills: int
    gtts_fired: int
    derived: tuple[Tick, ...] = ()  # ticks the deriver priced, for the bus


class TickDeriver(Protocol):
    """Something that prices instruments the feed does not print (index options)."""

    def derive(self, ticked: Iterable[str], working: Iterable[str]) -> list[Tick]:
        """Ticks for instruments that follow `ticked` ones: those in `working` or watched."""
        ...


class LoopWatcher(Protocol):
    """Something that acts on prices after matching, and on the loop's timer (protection)."""

    def on_prices(self, keys: Iterable[str]) -> object:
        """React to new prices of `keys` (fills of this batch are already booked)."""
        ...

    def on_timer(self) -> object:
        """React to time passing (called with the session jobs)."""
        ...


class Background(Protocol):
    """A loop watcher whose work runs beside the loop: its `on_prices` and `on_timer` only
    note what is due; `work` does one pass of it, in a thread of its own."""

    def work(self) -> object:
        """Do what is due (the newest prices of what ticked since the last pass)."""
        ...


def _names(watchers: Sequence[object]) -> list[str]:
    """Each watcher's name in the job guard's records: its class's, numbered if repeated."""
    names = [type(w).__name__ for w in watchers]
    return [f"{n}#{i}" if names.count(n) > 1 else n for i, n in enumerate(names, start=1)]


class TradingLoop:
    """Feeds ticks to the paper exchange and GTT book; runs the timed session jobs."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        quotes: QuoteBook,
        exchange: PaperExchange,
        gtts: GttBook,
        jobs: SessionJobs,
        jobs_every: timedelta = timedelta(seconds=5),
        more_jobs: Mapping[str, Callable[[], object]] | None = None,
        watchers: Sequence[LoopWatcher] = (),
        sinks: Sequence[TickSink] = (),
        deriver: TickDeriver | None = None,
        guard: JobGuard | None = None,
        background: Sequence[Background] = (),
        lag: LoopLag | None = None,
    ) -> None:
        """`more_jobs`: the jobs of the layers above, by name, run after the session jobs;
        `guard` isolates every job and item (by default one of its own on `db`);
        `background`: watchers (also in `watchers`) whose work runs beside the loop;
        `lag` hears each batch's lag."""
        self._db = db
        self._clock = clock
        self._quotes = quotes
        self._exchange = exchange
        self._gtts = gtts
        self._jobs = jobs
        self._jobs_every = jobs_every
        self._watchers = tuple(zip(_names(watchers), watchers, strict=True))
        self._sinks = (quotes, *sinks)
        # Derived ticks skip the quote book: the model stays the price of record, so a
        # derived tick never outlives the index tick it came from.
        self._derived_sinks = tuple(sinks)
        self._deriver = deriver
        self._echo: set[tuple[str, datetime, Decimal]] = set()  # derived ticks we published
        self._volumes: dict[str, int] = {}
        self._jobs_ran_at: datetime | None = None
        # Jobs of the layers above (model portfolios), run on the same timer.
        self._more_jobs = dict(more_jobs or {})
        self._guard = guard or JobGuard(db=db, clock=clock)
        self._background = tuple(zip(_names(background), background, strict=True))
        self.lag = lag or LoopLag()

    def _traded_since_last(self, tick: Tick) -> int:
        previous = self._volumes.get(tick.key)
        self._volumes[tick.key] = tick.volume
        if previous is None or tick.volume < previous:  # first sight, or a new day
            return tick.last_quantity
        return tick.volume - previous

    @staticmethod
    def _interesting(db: Session) -> set[str]:
        orders = select(Order.exchange, Order.tradingsymbol).where(
            Order.broker == BROKER, one_of(Order.status, _WORKING)
        )
        triggers = select(Gtt.exchange, Gtt.tradingsymbol).where(Gtt.status == ACTIVE)
        return {f"{exchange}:{symbol}" for exchange, symbol in db.execute(union(orders, triggers))}

    def on_ticks(self, ticks: Iterable[Tick], *, received: datetime | None = None) -> BatchReport:
        """Record the batch's prices, then match and fire where anything is waiting; the
        batch's lag is measured from `received` (its first tick's arrival; by default now)."""
        received = received or self._clock.now()
        latest: dict[str, Tick] = {}
        traded: dict[str, int] = {}
        count = 0
        for tick in ticks:
            count += 1
            for sink in self._sinks:
                sink.update(tick)
            traded[tick.key] = traded.get(tick.key, 0) + self._traded_since_last(tick)
            latest[tick.key] = tick
        derived: list[Tick] = []
        with self._db.session() as db:
            interesting = self._interesting(db)
            if self._deriver is not None:
                derived = self._deriver.derive(list(latest), interesting)
            for tick in derived:
                for sink in self._derived_sinks:
                    sink.update(tick)
                latest[tick.key] = tick
                traded[tick.key] = tick.last_quantity  # model quotes are deep
            keys = sorted(interesting & latest.keys())
            matched = len(keys)
            fills = sum(
                self._guard.each(  # shared by every user with orders there: never quarantined
                    keys,
                    job="orders.match",
                    key=str,
                    db=db,
                    work=lambda k: len(
                        self._exchange.on_tick(db, latest[k], traded_volume=traded[k])
                    ),
                )
            )
            fired = sum(
                self._guard.each(  # and within, each trigger fails alone
                    keys,
                    job="gtt.match",
                    key=str,
                    db=db,
                    work=lambda k: len(self._gtts.on_tick(db, latest[k], self._guard)),
                )
            )
        for name, watcher in self._watchers:
            self._guard.job(f"{name}.on_prices", partial(watcher.on_prices, latest.keys()))
        self.lag.batch(received, self._clock.now())
        return BatchReport(
            ticks=count,
            instruments_matched=matched,
            fills=fills,
            gtts_fired=fired,
            derived=tuple(derived),
        )

    def run_jobs(self, *, force: bool = False) -> bool:
        """Run the session jobs if `jobs_every` has passed on the clock (or when forced)."""
        now = self._clock.now()
        if (
            not force
            and self._jobs_ran_at is not None
            and now - self._jobs_ran_at < self._jobs_every
        ):
            return False
        self._jobs_ran_at = now
        guard = self._guard
        guard.refresh()  # records an owner cleared elsewhere
        jobs, gtts = self._jobs, self._gtts
        session_jobs: dict[str, Callable[[Session], object]] = {
            "session.release_amos": lambda db: jobs.release_amos(db, guard),
            "session.square_off_mis": lambda db: jobs.square_off_mis(db, guard),
            "session.expire_orders": lambda db: jobs.expire_orders(db, guard),
            "session.settle_expiries": lambda db: jobs.settle_expiries(db, guard),
            "gtt.expire_due": gtts.expire_due,
            "gtt.recover": lambda db: gtts.recover(db, guard),
        }
        for name, job in session_jobs.items():
            guard.job(name, partial(self._in_session, job))
        for name, more in self._more_jobs.items():
            guard.job(name, more)
        for name, watcher in self._watchers:
            guard.job(f"{name}.on_timer", watcher.on_timer)
        return True

    def run_background(self) -> None:
        """One pass of each background watcher's work, here (what `run`'s own task does
        beside the batches; tests call it step by step)."""
        for name, background in self._background:
            self._guard.job(f"{name}.work", background.work)

    async def _beside(self, wake: asyncio.Event) -> None:
        """The background watchers' passes, one at a time, each woken by a batch: a pass
        that outlasts batches coalesces their wake-ups into one (it judges the newest
        prices), so nothing queues behind it and the loop never waits for it."""
        while True:
            await wake.wait()
            wake.clear()
            try:
                await asyncio.to_thread(self.run_background)
            except Exception:
                log.exception("background pass failed; continuing")

    def _in_session(self, job: Callable[[Session], object]) -> object:
        with self._db.session() as db:
            return job(db)

    async def publish(
        self, bus: EventBus, ticks: Iterable[Tick], encode: Callable[[Tick], dict[str, Any]]
    ) -> None:
        """Publish derived ticks as ``ticks.<key>`` messages marked ``derived``, remembering
        them so the loop's own subscription does not take them back into the quote book (and
        other processes' `quotes.follow` leaves them out too)."""
        if len(self._echo) > _MAX_ECHOES:  # echoes lost on the way: forget them
            self._echo.clear()
        for tick in ticks:
            self._echo.add((tick.key, tick.ts, tick.last_price))
            message = encode(tick)
            message["derived"] = True
            await bus.publish(f"ticks.{tick.key}", message)

    async def _step(
        self,
        bus: EventBus,
        batch: list[Tick],
        received: datetime | None,
        encode: Callable[[Tick], dict[str, Any]] | None,
    ) -> None:
        """One batch (if any ticks came) and the timed jobs, in a worker thread."""
        try:
            if batch:
                report = await asyncio.to_thread(self.on_ticks, batch, received=received)
                if encode is not None:
                    await self.publish(bus, report.derived, encode)
            await asyncio.to_thread(self.run_jobs)
        except Exception:
            log.exception("trading loop batch failed; continuing")

    async def run(
        self,
        bus: EventBus,
        decode: Callable[[dict[str, Any]], Tick],
        *,
        encode: Callable[[Tick], dict[str, Any]] | None = None,
        batch_seconds: float = 0.25,
    ) -> None:
        """Consume ``ticks.*`` from the bus until cancelled; publish derived ticks there
        (with `encode`) for the WebSocket streams, not matching them again on return."""
        subscription = await bus.subscribe("ticks.*")
        pending: list[Tick] = []
        first_in: list[datetime] = []  # when the pending batch's first tick came in

        async def collect() -> None:
            async for _topic, message in subscription:
                try:
                    tick = decode(message)
                except (KeyError, ValueError, TypeError):
                    log.warning("dropped a malformed tick message")
                    continue
                echo = (tick.key, tick.ts, tick.last_price)
                if echo in self._echo:
                    self._echo.discard(echo)
                else:
                    if not pending:
                        first_in[:] = [self._clock.now()]
                    pending.append(tick)

        wake = asyncio.Event()
        collector = asyncio.create_task(collect())
        beside = asyncio.create_task(self._beside(wake), name="trading-loop-background")
        try:
            while True:
                await asyncio.sleep(batch_seconds)
                batch, pending[:] = list(pending), []
                received = first_in[0] if first_in else None
                await self._step(bus, batch, received, encode)
                wake.set()
        finally:
            for task in (collector, beside):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await subscription.close()
