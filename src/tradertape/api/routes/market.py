"""Market data for the UI: quotes with depth, historical candles, the user's fills on them,
the market's clock."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import StringConstraints

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep, current_user
from tradertape.api.schemas.market import (
    FeedOut,
    FillOut,
    FillsOut,
    HistoryOut,
    MarketClockOut,
    MarketQuoteOut,
    MarketQuotesOut,
)
from tradertape.domain.market import ChartInterval
from tradertape.services.market.fills import fills_of
from tradertape.services.market.history import history
from tradertape.services.market.market_clock import (
    MARKET_TIME_STAMPS,
    REAL_TIME_STAMPS,
    MarketPhase,
    market_clock,
)
from tradertape.services.market.quotes import MAX_QUOTES, quotes

router = APIRouter(prefix="/market", tags=["market"], dependencies=[Depends(current_user)])
Symbol = Annotated[str, StringConstraints(min_length=1, max_length=64)]


@router.get("/quote", response_model=MarketQuotesOut)
def get_quote(
    runtime: RuntimeDep,
    db: DbDep,
    i: Annotated[
        list[Symbol],
        Query(
            min_length=1,
            max_length=MAX_QUOTES,
            description="instruments, repeated (`?i=NSE:INFY&i=NSE:TCS`; up to 50)",
        ),
    ],
) -> MarketQuotesOut:
    """The last tick of each instrument in Kite's quote shape, keyed by ``EXCH:SYMBOL``,
    with its market depth: five bids and five offers with their quantities and orders.

    An instrument nobody lists, or without a tick yet, is named in ``missing``. The prices
    are the ones orders fill at and the tick stream sends (``WS /api/ws/ticks`` in ``full``
    mode streams the same depth as it changes).
    """
    found, missing = quotes(runtime.options.catalog(db), runtime.options.last_tick, i)
    return MarketQuotesOut(
        quotes={key: MarketQuoteOut.model_validate(body) for key, body in found.items()},
        missing=missing,
    )


@router.get("/history", response_model=HistoryOut)
def get_history(
    runtime: RuntimeDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64, description="e.g. NSE:INFY")],
    interval: Annotated[
        ChartInterval,
        Query(description="minute, 3minute, 5minute, 15minute, 30minute, 60minute, day or week"),
    ] = ChartInterval.DAY,
    start: Annotated[date | None, Query(alias="from", description="first IST date")] = None,
    end: Annotated[date | None, Query(alias="to", description="last IST date")] = None,
) -> HistoryOut:
    """Historical candles of one instrument (Kite's row shape), labelled with their source.

    Synthetic data says ``"source": "synthetic"``. Intraday candles are the stored minutes,
    ending with today's as the feed built them, folded from 09:15 IST as NSE and Kite align
    them (60-minute candles run 09:15-10:15 … 15:15-15:30); a week is Monday to Friday, dated
    by its Monday. A range without candles answers with an empty list; an unknown symbol is
    a 404; ``to`` before ``from``, or a span beyond the interval's limit (60 days of
    minutes, 100 of 3 and 5 minutes, 200 of 15 and 30, 400 of 60), is a 422.
    """
    found = history(
        runtime.candles,
        clock=runtime.market_clock,  # candles are dated by the market (a replay's day)
        symbol=symbol,
        interval=interval,
        start=start,
        end=end,
        live=runtime.candle_book,
        live_source="synthetic" if runtime.settings.feed == "simulated" else "live",
    )
    return HistoryOut(
        symbol=found.symbol, interval=found.interval, source=found.source, candles=found.candles
    )


@router.get("/feed", response_model=FeedOut)
def get_feed(runtime: RuntimeDep) -> FeedOut:
    """The market feed's state and the age of its last tick: a price shown while the feed is
    ``stale`` or ``reconnecting`` is old, and the web app marks it so. A broker's quiet socket
    has its prices filled from the broker's REST quote meanwhile (``filling_from: "rest"``).

    Every process answers the same: the one running the feed its own watchdog's verdict, the
    others the verdict it publishes on the bus each second (`feed.shared_state`), aged by
    ``report_age_secs``; without a recent report nobody runs the feed: ``down``."""
    shared = runtime.feed_state.shared()
    status = shared.status
    return FeedOut(
        source=status.source,
        state=status.state.value,
        last_tick_age_secs=status.last_tick_age_secs,
        subscriptions=status.subscriptions,
        stale_after_secs=status.stale_after_secs,
        reconnects=status.reconnects,
        filling_from="rest" if status.filling_from == "rest" else None,
        last_fill_age_secs=status.last_fill_age_secs,
        report_age_secs=shared.report_age_secs,
    )


@router.get("/clock", response_model=MarketClockOut)
def get_clock(runtime: RuntimeDep) -> MarketClockOut:
    """The deployment's clocks: whether the market is open, closed or (in a demo, a
    practice session) replaying the last session, and which events each clock stamps.

    Orders, fills, GTTs, ticks and candles carry ``market_time``; alerts, uploads, runs and
    sign-ins carry ``now`` (real time). In a replay the two are days apart, which the top
    bar's practice-session badge shows.
    """
    view = market_clock(
        wall=runtime.clock,
        market=runtime.market_clock,
        calendar=runtime.orders.context.calendar,
        feed=runtime.feed,
    )
    return MarketClockOut(
        now=view.now,
        market_time=view.market_time,
        replay=view.phase is MarketPhase.REPLAY,
        market_time_stamps=list(MARKET_TIME_STAMPS),
        real_time_stamps=list(REAL_TIME_STAMPS),
        phase=view.phase,
        replay_of=view.replay_of,
        next_open=view.next_open,
    )


@router.get("/fills", response_model=FillsOut)
def get_fills(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    symbol: Annotated[str, Query(min_length=1, max_length=64, description="e.g. NSE:INFY")],
) -> FillsOut:
    """Your fills of one instrument in every book, for the chart's trade markers (an unknown
    symbol is a 404)."""
    key, fills = fills_of(db, user_id=user.id, catalog=runtime.catalog, symbol=symbol)
    return FillsOut(
        symbol=key,
        fills=[
            FillOut(
                filled_at=f.filled_at, side=f.side, quantity=f.quantity, price=f.price, book=f.book
            )
            for f in fills
        ],
    )
