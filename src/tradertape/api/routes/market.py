"""Market data for the UI: historical candles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import RuntimeDep, current_user
from tradertape.api.schemas.market import HistoryOut
from tradertape.domain.market import Interval
from tradertape.services.market.history import history

router = APIRouter(prefix="/market", tags=["market"], dependencies=[Depends(current_user)])


@router.get("/history", response_model=HistoryOut)
def get_history(
    runtime: RuntimeDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64, description="e.g. NSE:INFY")],
    interval: Annotated[Interval, Query(description="day or minute")] = Interval.DAY,
    start: Annotated[date | None, Query(alias="from", description="first IST date")] = None,
    end: Annotated[date | None, Query(alias="to", description="last IST date")] = None,
) -> HistoryOut:
    """Historical candles of one instrument (Kite's row shape), labelled with their source.

    Synthetic data says ``"source": "synthetic"``. A range without candles answers with an
    empty list; an unknown symbol is a 404; ``to`` before ``from`` is a 422.
    """
    found = history(
        runtime.candles,
        clock=runtime.clock,
        symbol=symbol,
        interval=interval,
        start=start,
        end=end,
    )
    return HistoryOut(
        symbol=found.symbol, interval=found.interval, source=found.source, candles=found.candles
    )
