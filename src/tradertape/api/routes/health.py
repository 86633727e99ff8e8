"""Liveness and readiness.

The check never queues behind requests: it is answered on the event loop (no worker
thread), and the database is pinged on the jobs pool (`Database.jobs`), at most once a
second whatever the number of callers, who share the ping in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tradertape import API_VERSION, __version__
from tradertape.db.engine import Database
from tradertape.runtime import Runtime
from tradertape.services.market.calendar_watch import warning_now

router = APIRouter(tags=["health"])

PING_EVERY_S = 1.0
PING_TIMEOUT_S = 2.0


class HealthOut(BaseModel):
    """Process and database health."""

    status: str
    database: str
    version: str
    api_version: str
    calendar_warning: str | None = Field(
        description="set when the NSE holiday list runs out within 45 days or has run out "
        "(weekdays then trade, holidays are unknown): load the next list with "
        "`tradertape calendar import FILE`"
    )


class HealthProbe:
    """The database's answer to a trivial query, at most `every_s` old."""

    def __init__(
        self,
        db: Database,
        *,
        every_s: float = PING_EVERY_S,
        timeout_s: float = PING_TIMEOUT_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._every_s = every_s
        self._timeout_s = timeout_s
        self._monotonic = monotonic
        self._ok = False
        self._at: float | None = None
        self._pinging: asyncio.Task[bool] | None = None

    async def database_ok(self) -> bool:
        """Whether the database answered its latest ping (pinging when that is too old)."""
        if self._at is not None and self._monotonic() - self._at < self._every_s:
            return self._ok
        if self._pinging is None:
            self._pinging = asyncio.create_task(self._ping(), name="health-ping")
        return await asyncio.shield(self._pinging)

    async def _ping(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                ok = await asyncio.to_thread(self._db.ping)
        except TimeoutError:
            ok = False
        finally:
            self._pinging = None
        self._ok, self._at = ok, self._monotonic()
        return ok


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    """Report whether the database answers, and the running version (503 when it does not)."""
    probe: HealthProbe = request.app.state.health
    runtime: Runtime = request.app.state.runtime
    ok = await probe.database_ok()
    body = HealthOut(
        status="ok" if ok else "degraded",
        database="ok" if ok else "unreachable",
        version=__version__,
        api_version=API_VERSION,
        calendar_warning=warning_now(runtime.exchange.calendar, runtime.clock),
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
