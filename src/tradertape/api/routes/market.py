"""Market data for the UI: historical candles and their indicators."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import RuntimeDep, current_user
from tradertape.api.schemas.market import HistoryOut, IndicatorsOut
from tradertape.domain.market import Interval
from tradertape.services.market_history import history
from tradertape.services.market_indicators import MAX_NAMES, indicator_series

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


@router.get("/indicators", response_model=IndicatorsOut)
def get_indicators(
    runtime: RuntimeDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64, description="e.g. NSE:INFY")],
    names: Annotated[
        str,
        Query(
            min_length=1,
            max_length=400,
            description=f"comma-separated DSL indicator names (at most {MAX_NAMES}), "
            "e.g. sma20,bb20_upper,rsi14,macd_12_26_9",
        ),
    ],
    start: Annotated[date | None, Query(alias="from", description="first IST date")] = None,
    end: Annotated[date | None, Query(alias="to", description="last IST date")] = None,
) -> IndicatorsOut:
    """The strategy DSL's indicators over an instrument's daily candles, computed by the
    backtester's own indicator code, aligned with ``/api/market/history``'s candles.

    An unknown name is a 422 on ``names`` saying what is accepted; values are null where the
    indicator is still warming up.
    """
    found = indicator_series(
        runtime.candles,
        clock=runtime.clock,
        symbol=symbol,
        names=names.split(","),
        start=start,
        end=end,
    )
    return IndicatorsOut(
        symbol=found.symbol, source=found.source, times=found.times, series=found.series
    )
