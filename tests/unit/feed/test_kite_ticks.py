"""Kite packets become `Tick`s: prices exact, the book without Kite's empty padding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradertape.domain.market import DepthLevel, Tick
from tradertape.feed.kite import packet_tick
from tradertape_brokers.kite_ticker import (
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    QuotePacket,
)

NOW = datetime(2026, 11, 23, 4, 0, 5, tzinfo=UTC)
EXCHANGE = NOW - timedelta(seconds=1)
D = Decimal
QUOTE = (408065, D("1520.50"), 25, D("1518.75"), 1_204_311, 88_000, 91_500)
OHLC = (D("1500.00"), D("1530.00"), D("1499.05"), D("1490.00"))


def test_a_quote_packet_has_no_book_and_the_receipt_time():
    tick = packet_tick(QuotePacket(*QUOTE, *OHLC), "NSE:INFY", NOW, None)
    assert tick == Tick(
        key="NSE:INFY",
        instrument_token=408065,
        ts=NOW,
        last_price=D("1520.50"),
        last_quantity=25,
        volume=1_204_311,
        open=D("1500.00"),
        high=D("1530.00"),
        low=D("1499.05"),
        prev_close=D("1490.00"),
    )


def test_a_full_packet_keeps_real_levels_and_the_exchange_time():
    zero = DepthEntry(0, D(0), 0)
    packet = FullPacket(
        *QUOTE,
        *OHLC,
        exchange_timestamp=EXCHANGE,
        bids=(DepthEntry(10, D("1520.45"), 2), DepthEntry(4, D("1520.40"), 1), zero, zero, zero),
        asks=(DepthEntry(7, D("1520.55"), 1), zero, zero, zero, zero),
    )
    tick = packet_tick(packet, "NSE:INFY", NOW, None)
    assert tick.ts == EXCHANGE
    assert tick.bids == (DepthLevel(D("1520.45"), 10, 2), DepthLevel(D("1520.40"), 4, 1))
    assert tick.asks == (DepthLevel(D("1520.55"), 7, 1),)
    assert (tick.bid, tick.ask, tick.bid_quantity, tick.ask_quantity) == (
        D("1520.45"),
        D("1520.55"),
        10,
        7,
    )


def test_index_packets_carry_the_day_and_no_volume():
    fields = (256265, D("26010.15"), D("26120.00"), D("25900.50"), D("26050.00"), D("26080.00"))
    quote = packet_tick(IndexQuotePacket(*fields, D("-69.85")), "NSE:NIFTY 50", NOW, None)
    full = packet_tick(IndexFullPacket(*fields, D("-69.85"), EXCHANGE), "NSE:NIFTY 50", NOW, None)
    assert (quote.open, quote.high, quote.low, quote.prev_close) == (
        D("26050.00"),
        D("26120.00"),
        D("25900.50"),
        D("26080.00"),
    )
    assert (quote.ts, quote.volume, quote.bids) == (NOW, 0, ())
    assert full.ts == EXCHANGE


def test_an_ltp_packet_moves_the_previous_tick_or_stands_alone():
    before = packet_tick(QuotePacket(*QUOTE, *OHLC), "NSE:INFY", EXCHANGE, None)
    moved = packet_tick(LtpPacket(408065, D("1521.00")), "NSE:INFY", NOW, before)
    assert (moved.last_price, moved.ts, moved.volume, moved.prev_close) == (
        D("1521.00"),
        NOW,
        1_204_311,
        D("1490.00"),
    )
    alone = packet_tick(LtpPacket(408065, D("1521.00")), "NSE:INFY", NOW, None)
    assert (alone.open, alone.high, alone.low, alone.prev_close, alone.volume) == (
        D("1521.00"),
        D("1521.00"),
        D("1521.00"),
        D("1521.00"),
        0,
    )
