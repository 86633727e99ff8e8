"""Quotes for the UI and scripts: instruments' last ticks in Kite's REST quote shape.

What the market watch shows when a row is opened: the last price, the day's prices, volume,
and the book, five bids and five offers with their quantities and orders, as the feed
printed them (the simulated market's book, or a broker's in full mode). It reads the one
last tick the process holds (`oms.quotes.QuoteBook`, an option's model tick when the feed
prints none), so the depth, the ticket and a fill agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.market import Tick
from tradertape.feed.codec import TickMode, depth_dict, tick_to_dict, timestamp
from tradertape.feed.rest_fill import REST
from tradertape.services.market.closes import CLOSE

MAX_QUOTES = 50


def quote_view(tick: Tick) -> dict[str, Any]:
    """One instrument's quote: Kite's REST quote fields that the feed knows."""
    body = tick_to_dict(tick, TickMode.QUOTE)
    body["depth"] = depth_dict(tick)
    body["last_trade_time"] = timestamp(tick.ts)
    body["net_change"] = float(tick.last_price - tick.prev_close) if tick.prev_close else 0.0
    body["average_price"] = None  # no traded VWAP in the feeds' ticks
    body["buy_quantity"] = sum(level.quantity for level in tick.bids) or tick.bid_quantity
    body["sell_quantity"] = sum(level.quantity for level in tick.asks) or tick.ask_quantity
    # the broker's REST quote filled it while the feed's socket was quiet (`feed.rest_fill`);
    # a process without a feed quotes the last stored close (`services.market.closes`)
    body["price_source"] = {REST: "rest", CLOSE: "close"}.get(tick.source or "", "feed")
    return body


def quotes(
    catalog: InstrumentCatalog, last: Callable[[str], Tick | None], symbols: Iterable[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Quotes keyed by ``EXCH:SYMBOL`` (a bare symbol is read as NSE's, an instrument asked
    twice is quoted once), and the symbols, as written, that nobody lists or that have no
    tick yet."""
    found: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for symbol in symbols:
        instrument = catalog.find(symbol)
        tick = last(instrument.key) if instrument is not None else None
        if instrument is None or tick is None:
            missing.append(symbol)
        elif instrument.key not in found:
            found[instrument.key] = quote_view(tick)
    return found, missing
