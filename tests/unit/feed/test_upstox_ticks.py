"""Upstox feeds become `Tick`s: prices exact, the day from the ``1d`` candle, the book
without empty levels, an ltpc update keeping what the previous tick knew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradertape.domain.market import DepthLevel, Tick
from tradertape.feed.upstox import FeedInstrument, feed_tick
from tradertape_brokers.upstox_feed import FirstLevel, IndexFull, Ltpc, MarketFull, Ohlc, Quote

NOW = datetime(2026, 11, 23, 4, 0, 5, tzinfo=UTC)
D = Decimal
INFY = FeedInstrument("NSE:INFY", 7457281)
NIFTY = FeedInstrument("NSE:NIFTY 50", 256265)
LTPC = Ltpc(D("1520.55"), NOW - timedelta(seconds=1), 25, D("1490.00"))
DAY = Ohlc("1d", D("1500.00"), D("1530.00"), D("1499.05"), D("1520.55"), 1_204_311, None)
MINUTE = Ohlc("I1", D("1520.00"), D("1521.00"), D("1519.00"), D("1520.55"), 3_000, NOW)


def test_a_full_feed_has_the_day_the_volume_and_the_real_levels():
    depth = (
        Quote(40, D("1520.50"), 25, D("1520.60")),
        Quote(90, D("1520.45"), 0, D("0.00")),  # a one-sided level: no ask there
    )
    feed = MarketFull(LTPC, depth, (MINUTE, DAY), D("1512.37"), 1_204_311)
    assert feed_tick(feed, INFY, NOW, None) == Tick(
        key="NSE:INFY",
        instrument_token=7457281,
        ts=NOW,
        last_price=D("1520.55"),
        last_quantity=25,
        volume=1_204_311,
        open=D("1500.00"),
        high=D("1530.00"),
        low=D("1499.05"),
        prev_close=D("1490.00"),
        bid=D("1520.50"),
        ask=D("1520.60"),
        bid_quantity=40,
        ask_quantity=25,
        bids=(DepthLevel(D("1520.50"), 40, 0), DepthLevel(D("1520.45"), 90, 0)),
        asks=(DepthLevel(D("1520.60"), 25, 0),),
    )


def test_an_index_feed_has_no_book():
    feed = IndexFull(Ltpc(D("26010.15"), None, 0, D("25950.40")), (DAY,))
    tick = feed_tick(feed, NIFTY, NOW, None)
    assert (tick.last_price, tick.open, tick.prev_close) == (
        D("26010.15"),
        D("1500.00"),
        D("25950.40"),
    )
    assert (tick.bids, tick.asks, tick.volume, tick.instrument_token) == ((), (), 0, 256265)


def test_without_a_day_candle_the_price_stands_for_the_day():
    feed = IndexFull(Ltpc(D("26010.15"), None, 0, D("0.00")))
    tick = feed_tick(feed, NIFTY, NOW, None)
    assert (tick.open, tick.high, tick.low, tick.prev_close) == (D("26010.15"),) * 4


def test_an_ltpc_feed_updates_the_previous_tick():
    first = feed_tick(
        MarketFull(LTPC, (Quote(40, D("1520.50"), 25, D("1520.60")),), (DAY,)), INFY, NOW, None
    )
    later = NOW + timedelta(seconds=1)
    tick = feed_tick(Ltpc(D("1531.00"), later, 3, D("1490.00")), INFY, later, first)
    assert tick == Tick(
        key="NSE:INFY",
        instrument_token=7457281,
        ts=later,
        last_price=D("1531.00"),
        last_quantity=3,
        volume=0,
        open=D("1500.00"),
        high=D("1531.00"),
        low=D("1499.05"),
        prev_close=D("1490.00"),
        bid=D("1520.50"),
        ask=D("1520.60"),
        bid_quantity=40,
        ask_quantity=25,
        bids=first.bids,
        asks=first.asks,
    )


def test_a_first_ltpc_feed_stands_for_the_day_so_far():
    tick = feed_tick(LTPC, INFY, NOW, None)
    P = D("1520.55")
    assert tick == Tick("NSE:INFY", 7457281, NOW, P, 25, 0, P, P, P, D("1490.00"))


def test_an_option_greeks_feed_has_its_first_level():
    feed = FirstLevel(LTPC, Quote(150, D("112.30"), 75, D("112.40")), 889_500)
    tick = feed_tick(feed, INFY, NOW, None)
    assert (tick.bid, tick.ask, tick.bid_quantity, tick.volume) == (
        D("112.30"),
        D("112.40"),
        150,
        889_500,
    )
    assert feed_tick(FirstLevel(LTPC), INFY, NOW, None).bids == ()
