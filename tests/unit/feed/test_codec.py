"""Tick JSON: Kite's shapes per mode, the seed's stream entry, and the exact bus message."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tradertape.domain.market import DepthLevel, Tick
from tradertape.feed.codec import (
    TickMode,
    stream_json_of_message,
    stream_payload,
    tick_from_message,
    tick_to_dict,
    tick_to_message,
)
from tradertape.ports.clock import IST

D = Decimal
TS = datetime(2026, 11, 20, 10, 0, 1, 500_000, tzinfo=IST)
TICK = Tick(
    key="NSE:RELIANCE",
    instrument_token=738561,
    ts=TS,
    last_price=D("2580.50"),
    last_quantity=10,
    volume=1_234_567,
    open=D("2560.00"),
    high=D("2592.00"),
    low=D("2545.00"),
    prev_close=D("2550.00"),
    bid=D("2580.45"),
    ask=D("2580.50"),
    bid_quantity=40,
    ask_quantity=25,
    bids=(DepthLevel(D("2580.45"), 40, 3), DepthLevel(D("2580.40"), 12, 1)),
    asks=(DepthLevel(D("2580.50"), 25, 2),),
)
LTP = {"instrument_token": 738561, "last_price": 2580.5}
QUOTE = {
    **LTP,
    "ohlc": {"open": 2560.0, "high": 2592.0, "low": 2545.0, "close": 2550.0},
    "volume": 1_234_567,
    "last_quantity": 10,
    "change": 1.1961,
    "timestamp": "2026-11-20T10:00:01.500+05:30",
}
ZERO = {"price": 0.0, "quantity": 0, "orders": 0}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("ltp", LTP, id="ltp"),
        pytest.param("quote", QUOTE, id="quote"),
        pytest.param(
            "full",
            {
                **QUOTE,
                "depth": {
                    "buy": [
                        {"price": 2580.45, "quantity": 40, "orders": 3},
                        {"price": 2580.4, "quantity": 12, "orders": 1},
                        ZERO,
                        ZERO,
                        ZERO,
                    ],
                    "sell": [{"price": 2580.5, "quantity": 25, "orders": 2}, *[ZERO] * 4],
                },
            },
            id="full",
        ),
    ],
)
def test_kite_shapes(mode: str, expected: dict[str, object]):
    assert tick_to_dict(TICK, mode) == expected


def test_full_depth_falls_back_to_the_top_of_book():
    bare = dataclasses.replace(TICK, bids=(), asks=())
    depth = tick_to_dict(bare, TickMode.FULL)["depth"]
    assert depth["buy"][0] == {"price": 2580.45, "quantity": 40, "orders": 1}
    assert depth["sell"][1:] == [ZERO] * 4


def test_the_stream_entry_leads_with_the_seeds_names():
    quote = stream_payload(TICK, TickMode.QUOTE)
    assert list(quote)[:3] == ["ltp", "high", "low"]
    assert quote["ltp"] == 2580.5
    assert stream_payload(TICK, TickMode.LTP) == {"ltp": 2580.5, **LTP}


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="depth"):
        tick_to_dict(TICK, "depth")


_price = st.decimals(min_value=D("0.01"), max_value=D("99999.95"), places=2)
_levels = st.lists(
    st.builds(DepthLevel, _price, st.integers(0, 10**6), st.integers(0, 50)), max_size=5
).map(tuple)


_SINCE_1946 = datetime(1946, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds
_ticks = st.builds(
    Tick,
    key=st.sampled_from(["NSE:INFY", "BSE:SENSEX", "NSE:M&M"]),
    instrument_token=st.integers(1, 2**31),
    # From 1946: IST's war-time shifts (1941-1945) make some wall times fold-dependent, and
    # Python never finds such a time equal to one in another zone, even at the same instant
    # (the rendering of those times is pinned by the hub test's example below).
    ts=st.datetimes(min_value=_SINCE_1946, timezones=st.sampled_from([UTC, IST])),
    last_price=_price,
    last_quantity=st.integers(0, 10**6),
    volume=st.integers(0, 10**10),
    open=_price,
    high=_price,
    low=_price,
    prev_close=_price | st.just(D("0")),
    bid=st.none() | _price,
    ask=st.none() | _price,
    bid_quantity=st.integers(0, 10**6),
    ask_quantity=st.integers(0, 10**6),
    bids=_levels,
    asks=_levels,
    source=st.none() | st.just("rest"),
)


@given(_ticks)
def test_the_bus_message_round_trips_exactly(tick: Tick):
    # Across processes (the Redis bus) the message travels as JSON and is rebuilt.
    assert tick_from_message(json.loads(json.dumps(tick_to_message(tick)))) == tick


def test_in_process_the_message_hands_back_the_tick_it_was_made_from():
    # The in-process bus passes the message itself: nothing is rebuilt.
    assert tick_from_message(tick_to_message(TICK)) is TICK


@given(_ticks, st.sampled_from(list(TickMode)))
@example(  # a wall time IST skipped (war time began at midnight): the instant, not the text
    dataclasses.replace(TICK, ts=datetime(1942, 9, 1, 0, 30, tzinfo=IST)), TickMode.QUOTE
)
def test_the_hub_renders_a_message_as_it_would_the_tick(tick: Tick, mode: TickMode):
    # Byte for byte: the hub composes the text itself instead of encoding a dict.
    expected = json.dumps(stream_payload(tick, mode), separators=(",", ":"))
    assert stream_json_of_message(tick_to_message(tick), mode) == expected


def test_a_naive_timestamp_is_refused():
    message = dict(tick_to_message(TICK))  # as it arrives from another process
    message["ts"] = "2026-11-20T10:00:00"
    with pytest.raises(ValueError, match="timezone"):
        tick_from_message(message)
    with pytest.raises(ValueError, match="timezone"):
        stream_json_of_message(message, TickMode.QUOTE)
