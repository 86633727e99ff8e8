"""What every server process runs beside its requests, started and stopped with the app.

The market (the quote follower everywhere; the feed and trading loop in the process that
holds the database's lease), the relay that publishes the OMS's events, the audit trail's
anchors (the lease holder's), the Telegram bot when a token is set, and readying the
backtest kernels (`jobs.kernels`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from tradertape.db.leader import LeaderLease
from tradertape.jobs.audit_anchors import anchor_loop, anchor_once
from tradertape.jobs.kernels import KernelWarmUp
from tradertape.jobs.trading import market
from tradertape.runtime import Runtime
from tradertape.services.market.calendar_watch import warning_now
from tradertape.services.research import sweeps, walk_forwards
from tradertape.services.research.resume_at_start import resume_cut_off
from tradertape.telegram.run import run_bot

log = logging.getLogger("tradertape.jobs")


@dataclass(slots=True)
class Background:
    """The running tasks and the market lease they may hold."""

    tasks: list[asyncio.Task[None]]
    lease: LeaderLease
    runtime: Runtime
    resuming: asyncio.Task[None]  # the cut-off research jobs started again

    @classmethod
    def start(cls, runtime: Runtime, kernels: KernelWarmUp) -> Background:
        """Say a run-out holiday list, then start the market, the bot and the kernels."""
        warning = warning_now(runtime.exchange.calendar, runtime.clock)
        if warning is not None:  # every process says it at start; the leader's loop daily
            logging.getLogger("tradertape.calendar").warning("[calendar] %s", warning)
        lease = LeaderLease(runtime.db.jobs)
        _interrupt_stale_sweeps(runtime)
        resuming = asyncio.create_task(_resume_cut_off(runtime), name="research-resume")
        tasks = [
            asyncio.create_task(market(runtime, lease), name="market"),
            asyncio.create_task(runtime.relay.run(), name="oms-events"),  # to the bus
            asyncio.create_task(anchor_loop(runtime, lease), name="audit-anchors"),
        ]
        if runtime.settings.telegram_bot_token is not None:
            tasks.append(asyncio.create_task(run_bot(runtime), name="telegram-bot"))
        kernels.start()  # unless `serve` has already
        return cls(tasks, lease, runtime, resuming)

    async def stop(self) -> None:
        """Cancel every task and give the lease back (another process may lead at once)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(self.resuming, return_exceptions=True)  # (a thread: not cancelled)
        # Research jobs end as interrupted (they would not survive the process anyway).
        await asyncio.to_thread(self.runtime.research.stop)
        if self.lease.held:  # the trails' heads as they are at a clean stop
            await asyncio.to_thread(anchor_once, self.runtime)
        self.lease.release()


async def _resume_cut_off(runtime: Runtime) -> None:
    """Start again the sweeps and walk-forwards a stop cut off (`resume_at_start`), in a
    thread: loading their markets takes a while and the server answers meanwhile."""
    try:
        await asyncio.to_thread(
            resume_cut_off,
            runtime.db.jobs,
            runtime.candles,
            runtime.research,
            clock=runtime.clock,
            limit=runtime.settings.sweep_max_variants,
            data_dir=runtime.settings.data_dir,
        )
    except SQLAlchemyError:
        log.warning("could not resume interrupted sweeps: the database does not answer")


def _interrupt_stale_sweeps(runtime: Runtime) -> None:
    """Sweeps a crash cut off say so, not "running" (a database that is down is /health's
    to report: the server starts anyway, and reads mark them later)."""
    try:
        with runtime.db.jobs.session() as db:
            sweeps.interrupt_stale(db, clock=runtime.clock)
            walk_forwards.interrupt_stale(db, clock=runtime.clock)
    except SQLAlchemyError:
        log.warning("could not mark interrupted sweeps: the database does not answer")
