"""Liveness and readiness.

The check never queues behind requests: it is answered on the event loop (no worker
thread, no admission), and the database is pinged on the jobs pool (`Database.jobs`), in
a thread of its own, at most once a second whatever the number of callers; while a ping is
under way, callers get the last answer if it is at most 3 s old (`HealthProbe`). It is
green (200 ``ok``) once the database answers and the backtest kernels are ready
(`jobs.kernels`): ``starting`` (503) before, so nothing that waits for health sends a
request that would wait on them. In the process that runs the trading loop it tells the
loop's lag behind the feed (`background.lag`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tradertape import API_VERSION, __version__
from tradertape.db.engine import Database
from tradertape.jobs.kernels import KernelState, KernelWarmUp
from tradertape.runtime import Runtime
from tradertape.services.background.lag import LoopLag
from tradertape.services.market.calendar_watch import warning_now

router = APIRouter(tags=["health"])

PING_EVERY_S = 1.0
PING_TIMEOUT_S = 2.0
STALE_S = PING_EVERY_S + PING_TIMEOUT_S  # an answer older than this is not told again


class LoopHealthOut(BaseModel):
    """How far the trading loop runs behind its feed."""

    lag_ms: int = Field(description="the last tick batch's: its first tick in to its work done")
    worst_lag_ms: int = Field(description="the worst batch's of the last minute")
    last_batch_at: datetime
    alerts_deferred_users: int = Field(
        description="users whose alerts went over their share of the last alert pass (the "
        "rest judged on the next)"
    )


def loop_health(lag: LoopLag) -> LoopHealthOut | None:
    """The loop's lag as health tells it (None before a batch, or with no loop here)."""
    view = lag.view()
    if view is None:
        return None
    return LoopHealthOut(
        lag_ms=int(view.lag.total_seconds() * 1000),
        worst_lag_ms=int(view.worst.total_seconds() * 1000),
        last_batch_at=view.at,
        alerts_deferred_users=view.alerts_deferred,
    )


class HealthOut(BaseModel):
    """Process and database health."""

    status: str = Field(
        description="ok (200); starting (503): the backtest kernels are still being readied; "
        "degraded (503): the database does not answer"
    )
    database: str
    kernels: KernelState = Field(
        description="the backtest kernels: loading (at start-up, about a second from the "
        "cache `make install` fills), ready, lazy (readied by the first run that needs "
        "each: TRADERTAPE_WARM_KERNELS=false) or failed (the same, after a logged error)"
    )
    version: str
    api_version: str
    calendar_warning: str | None = Field(
        description="set when the NSE holiday list runs out within 45 days or has run out "
        "(weekdays then trade, holidays are unknown): load the next list with "
        "`tradertape calendar import FILE`"
    )
    loop: LoopHealthOut | None = Field(
        default=None,
        description="the trading loop's lag behind its feed, in the process that runs it "
        "(null elsewhere, and before its first tick batch)",
    )


class HealthProbe:
    """The database's answer to a trivial query, at most `every_s` old, or while a new ping
    is under way at most `stale_s` old.

    A caller never waits behind a ping while the last answer is that fresh: under a burst
    the ping's thread takes turns for the GIL with every request's thread, and the caller
    that set it off waited for it (0.3–0.8 s, and 2.3–3.1 s on a busier machine, issue 49),
    where the answer a second old says the same. Without a fresh enough answer (the first
    call, a database that stopped answering) the caller waits for the ping, `timeout_s` at
    most. Pings run in a thread of their own, not the loop's shared executor, so they do not
    queue behind the streams' reads and the trading loop's work either.
    """

    def __init__(
        self,
        db: Database,
        *,
        every_s: float = PING_EVERY_S,
        timeout_s: float = PING_TIMEOUT_S,
        stale_s: float = STALE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._every_s = every_s
        self._timeout_s = timeout_s
        self._stale_s = stale_s
        self._monotonic = monotonic
        self._ok = False
        self._at: float | None = None
        self._pinging: asyncio.Task[bool] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-ping")

    @property
    def pinging(self) -> bool:
        """Whether a ping is under way."""
        return self._pinging is not None

    async def database_ok(self) -> bool:
        """Whether the database answered its latest ping (pinging when that is too old)."""
        age = None if self._at is None else self._monotonic() - self._at
        if age is not None and age < self._every_s:
            return self._ok
        if self._pinging is None:
            self._pinging = asyncio.create_task(self._ping(), name="health-ping")
        if age is not None and age < self._stale_s:
            return self._ok  # the ping under way refreshes it for the next caller
        return await asyncio.shield(self._pinging)

    async def _ping(self) -> bool:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout_s):
                ok = await loop.run_in_executor(self._thread, self._db.ping)
        except TimeoutError:
            ok = False
        finally:
            self._pinging = None
        self._ok, self._at = ok, self._monotonic()
        return ok


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    """Report whether the database answers, whether the backtest kernels are ready, and the
    running version (503 until both are)."""
    probe: HealthProbe = request.app.state.health
    runtime: Runtime = request.app.state.runtime
    kernels: KernelWarmUp = request.app.state.kernels
    ok = await probe.database_ok()
    starting = kernels.loading
    body = HealthOut(
        status="degraded" if not ok else "starting" if starting else "ok",
        database="ok" if ok else "unreachable",
        kernels=kernels.state,
        version=__version__,
        api_version=API_VERSION,
        calendar_warning=warning_now(runtime.orders.context.calendar, runtime.clock),
        loop=loop_health(runtime.loop_lag),
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if ok and not starting else 503
    )
