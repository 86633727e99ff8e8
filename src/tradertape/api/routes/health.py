"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tradertape import API_VERSION, __version__
from tradertape.api.deps import RuntimeDep
from tradertape.services.calendar_watch import warning_now

router = APIRouter(tags=["health"])


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


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(runtime: RuntimeDep) -> JSONResponse:
    """Report whether the database answers, and the running version (503 when it does not)."""
    ok = runtime.db.ping()
    body = HealthOut(
        status="ok" if ok else "degraded",
        database="ok" if ok else "unreachable",
        version=__version__,
        api_version=API_VERSION,
        calendar_warning=warning_now(runtime.exchange.calendar, runtime.clock),
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
