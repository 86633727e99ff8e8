"""``POST /market/snapshot``: quotes and candles of several instruments in one round trip.

A worker warming up after a restart asks for everything it watches at once; unknown
instruments are listed in ``missing`` instead of failing the whole snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from tradertape.errors import NotFound
from tradertape.services.workers import candles, market
from tradertape.services.workers.market import WorkerMarket
from tradertape.services.workers.views import iso

CandleAsk = tuple[str | int, str, int]  # instrument, interval, lookback


def market_snapshot(
    worker_market: WorkerMarket,
    db: Session,
    *,
    symbols: list[str],
    tokens: list[int],
    mode: str,
    asks: Sequence[CandleAsk],
) -> dict[str, Any]:
    """``{quotes, candles, missing, updated_at}``."""
    chosen = market.parse_mode(mode)
    found, missing = market.resolve_many(worker_market, db, symbols, tokens)
    quotes, unquoted = market.quotes_of(worker_market, found, chosen)
    series = []
    for ref, interval, lookback in asks:
        try:
            series.append(candles.recent(worker_market, db, ref, interval, lookback))
        except NotFound:
            missing.append(ref)
    return {
        "quotes": quotes,
        "candles": series,
        "missing": [*missing, *unquoted],
        "updated_at": iso(worker_market.now()),
    }
