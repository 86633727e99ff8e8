"""The chart's indicator overlays: the strategy DSL's indicators on daily candles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import RuntimeDep, current_user
from tradertape.api.schemas.market import IndicatorsOut
from tradertape.services.market.indicators import daily_indicators, parse_names

router = APIRouter(prefix="/market", tags=["market"], dependencies=[Depends(current_user)])


@router.get("/indicators", response_model=IndicatorsOut)
def get_indicators(
    runtime: RuntimeDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64, description="e.g. NSE:INFY")],
    names: Annotated[
        str,
        Query(
            min_length=1,
            max_length=300,
            description="comma-separated DSL names (at most 10), e.g. "
            "sma20,ema50,bb20_upper,bb20_lower,rsi14,macd_12_26_9,macd_12_26_9_signal",
        ),
    ],
    start: Annotated[date | None, Query(alias="from", description="first IST date")] = None,
    end: Annotated[date | None, Query(alias="to", description="last IST date")] = None,
) -> IndicatorsOut:
    """Indicators of one instrument's daily candles, by the names strategies use (see
    ``GET /api/strategies/schema``), one value per candle of ``GET /api/market/history``
    for the same range. An unknown name is a 422 on ``names`` saying what is accepted."""
    found = daily_indicators(
        runtime.candles,
        clock=runtime.market_clock,  # candles are dated by the market (a replay's day)
        symbol=symbol,
        names=parse_names(names),
        start=start,
        end=end,
    )
    return IndicatorsOut(
        symbol=found.symbol, source=found.source, times=found.times, series=found.series
    )
