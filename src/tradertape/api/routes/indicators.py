"""The chart's indicators: the strategy DSL's indicators on the chart's candles, and the
forms the chart offers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tradertape.api.deps import RuntimeDep, current_user
from tradertape.api.schemas.market import (
    IndicatorFormOut,
    IndicatorFormsOut,
    IndicatorParamOut,
    IndicatorsOut,
)
from tradertape.domain.market import ChartInterval
from tradertape.services.market.indicators import chart_forms, chart_indicators, parse_names

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
    interval: Annotated[
        ChartInterval,
        Query(description="minute, 3minute, 5minute, 15minute, 30minute, 60minute, day or week"),
    ] = ChartInterval.DAY,
    start: Annotated[date | None, Query(alias="from", description="first IST date")] = None,
    end: Annotated[date | None, Query(alias="to", description="last IST date")] = None,
) -> IndicatorsOut:
    """Indicators of one instrument's candles of ``interval``, by the names strategies use
    (see ``GET /api/strategies/schema``), one value per candle of ``GET /api/market/history``
    for the same interval and range (intraday ones with the feed's minutes). An unknown name
    is a 422 on ``names`` saying what is accepted; the span limits are the history's."""
    found = chart_indicators(
        runtime.candles,
        clock=runtime.market_clock,  # candles are dated by the market (a replay's day)
        symbol=symbol,
        names=parse_names(names),
        interval=interval,
        start=start,
        end=end,
        live=runtime.candle_book,
        live_source="synthetic" if runtime.settings.feed == "simulated" else "live",
    )
    return IndicatorsOut(
        symbol=found.symbol,
        interval=interval,
        source=found.source,
        times=found.times,
        series=found.series,
    )


@router.get("/indicator-forms", response_model=IndicatorFormsOut)
def get_indicator_forms() -> IndicatorFormsOut:
    """Every indicator the strategy DSL knows that a chart can draw, with where it is drawn
    (``price``: over the candles; ``pane``: below them), its parameters with their usual
    values, and the name's template (``sma{0}`` with N = 20 is ``sma20``)."""
    return IndicatorFormsOut(
        forms=[
            IndicatorFormOut(
                pattern=f.pattern,
                kind=f.kind,
                description=f.description,
                place="price" if f.place == "price" else "pane",
                template=f.template,
                params=[
                    IndicatorParamOut(letter=letter, low=low, high=high, default=default)
                    for letter, low, high, default in f.params
                ],
            )
            for f in chart_forms()
        ]
    )
