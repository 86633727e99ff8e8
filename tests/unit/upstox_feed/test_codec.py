"""Frames built with the generated class the official SDK ships, decoded by our codec."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

from tradertape_brokers.upstox_feed import (
    FeedFrame,
    FeedRequest,
    FirstLevel,
    FrameType,
    IndexFull,
    Ltpc,
    MarketFull,
    Mode,
    Ohlc,
    Quote,
    change_mode_request,
    parse_request,
    subscribe_request,
    unsubscribe_request,
)
from tradertape_brokers.upstox_feed.codec import FeedFrameError, encode_frame, parse_frame

INFY = "NSE_EQ|INE009A01021"
NIFTY = "NSE_INDEX|Nifty 50"
USDINR = "NCD_FO|12345"
T = 1763613000123  # 2025-11-20 04:30:00.123 UTC, in epoch milliseconds
AT = datetime(2025, 11, 20, 4, 30, 0, 123000, tzinfo=UTC)
FLAT = Decimal("1500.00")


def _response(kind: str, **fields: Any) -> Any:
    return pb.FeedResponse(type=pb.Type.Value(kind), currentTs=T, **fields)


def test_an_ltpc_frame():
    message = _response("live_feed")
    message.feeds[INFY].ltpc.CopyFrom(pb.LTPC(ltp=1520.55, ltt=T, ltq=7, cp=1490.1))
    message.feeds[USDINR].ltpc.CopyFrom(pb.LTPC(ltp=83.2175, ltt=T, ltq=1, cp=83.2))
    frame = parse_frame(message.SerializeToString())
    assert frame == FeedFrame(
        FrameType.LIVE_FEED,
        {
            INFY: Ltpc(Decimal("1520.55"), AT, 7, Decimal("1490.10")),
            USDINR: Ltpc(Decimal("83.2175"), AT, 1, Decimal("83.2000")),
        },
        current_ts=AT,
    )


def test_a_full_market_frame_with_depth_and_ohlc():
    message = _response("initial_feed")
    market = message.feeds[INFY].fullFeed.marketFF
    market.ltpc.CopyFrom(pb.LTPC(ltp=1520.55, ltt=T, ltq=5, cp=1490.0))
    market.marketLevel.bidAskQuote.add(bidQ=40, bidP=1520.5, askQ=25, askP=1520.6)
    market.marketLevel.bidAskQuote.add(bidQ=90, bidP=1520.45, askQ=0, askP=0)
    market.marketOHLC.ohlc.add(
        interval="1d", open=1501.0, high=1525.3, low=1498.05, close=1520.55, vol=1234567
    )
    market.marketOHLC.ohlc.add(
        interval="I1", open=1520.0, high=1520.6, low=1519.9, close=1520.55, vol=3100, ts=T
    )
    market.atp, market.vtt, market.oi, market.tbq, market.tsq = 1512.37, 1234567, 0, 5150, 4875
    frame = parse_frame(message.SerializeToString())
    assert frame.type is FrameType.INITIAL_FEED
    feed = frame.feeds[INFY]
    assert feed == MarketFull(
        ltpc=Ltpc(Decimal("1520.55"), AT, 5, Decimal("1490.00")),
        depth=(
            Quote(40, Decimal("1520.50"), 25, Decimal("1520.60")),
            Quote(90, Decimal("1520.45"), 0, Decimal("0.00")),
        ),
        ohlc=(
            Ohlc(
                "1d",
                Decimal("1501.00"),
                Decimal("1525.30"),
                Decimal("1498.05"),
                Decimal("1520.55"),
                1234567,
                None,
            ),
            Ohlc(
                "I1",
                Decimal("1520.00"),
                Decimal("1520.60"),
                Decimal("1519.90"),
                Decimal("1520.55"),
                3100,
                AT,
            ),
        ),
        average_price=Decimal("1512.37"),
        volume=1234567,
        open_interest=Decimal("0.0"),
        total_buy_quantity=Decimal("5150.0"),
        total_sell_quantity=Decimal("4875.0"),
    )
    assert isinstance(feed, MarketFull)
    day = feed.day()
    assert day is not None
    assert (day.open, day.high, day.low) == (
        Decimal("1501.00"),
        Decimal("1525.30"),
        Decimal("1498.05"),
    )


def test_an_index_and_an_option_greeks_feed():
    message = _response("live_feed")
    index = message.feeds[NIFTY].fullFeed.indexFF
    index.ltpc.CopyFrom(pb.LTPC(ltp=26010.15, ltt=T, cp=25950.4))
    index.marketOHLC.ohlc.add(interval="1d", open=25960, high=26050.5, low=25940.2, close=26010.15)
    option = message.feeds["NSE_FO|54321"].firstLevelWithGreeks
    option.ltpc.CopyFrom(pb.LTPC(ltp=112.35, ltt=T, ltq=75, cp=98.6))
    option.firstDepth.CopyFrom(pb.Quote(bidQ=150, bidP=112.3, askQ=75, askP=112.4))
    option.vtt, option.oi = 889500, 1250325
    frame = parse_frame(message.SerializeToString())
    assert frame.feeds[NIFTY] == IndexFull(
        Ltpc(Decimal("26010.15"), AT, 0, Decimal("25950.40")),
        (
            Ohlc(
                "1d",
                Decimal("25960.00"),
                Decimal("26050.50"),
                Decimal("25940.20"),
                Decimal("26010.15"),
                0,
                None,
            ),
        ),
    )
    assert frame.feeds["NSE_FO|54321"] == FirstLevel(
        Ltpc(Decimal("112.35"), AT, 75, Decimal("98.60")),
        Quote(150, Decimal("112.30"), 75, Decimal("112.40")),
        889500,
        Decimal("1250325.00"),
    )


def test_the_market_info_frame():
    message = _response("market_info")
    message.marketInfo.segmentStatus["NSE_EQ"] = pb.MarketStatus.Value("NORMAL_OPEN")
    message.marketInfo.segmentStatus["MCX_FO"] = pb.MarketStatus.Value("CLOSING_END")
    frame = parse_frame(message.SerializeToString())
    assert frame == FeedFrame(
        FrameType.MARKET_INFO,
        {},
        current_ts=AT,
        market_status={"NSE_EQ": "NORMAL_OPEN", "MCX_FO": "CLOSING_END"},
    )


def test_a_feed_without_a_known_kind_is_skipped():
    message = _response("live_feed")
    message.feeds[INFY].requestMode = pb.RequestMode.Value("ltpc")  # no oneof member set
    assert parse_frame(message.SerializeToString()).feeds == {}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xff\xff", id="not-protobuf"),
        pytest.param(pb.FeedResponse(type=7).SerializeToString(), id="unknown-type"),
    ],
)
def test_bad_frames_raise(data: bytes):
    with pytest.raises(FeedFrameError):
        parse_frame(data)


def test_encoding_round_trips_through_the_sdk_class():
    frame = FeedFrame(
        FrameType.LIVE_FEED,
        {
            INFY: MarketFull(
                Ltpc(Decimal("1520.55"), AT, 5, Decimal("1490.00")),
                tuple(
                    Quote(10 * i, Decimal("1520.50"), 10 * i, Decimal("1520.60"))
                    for i in range(1, 31)
                ),
                (Ohlc("1d", FLAT, FLAT, FLAT, FLAT, 10, None),),
                Decimal("1510.25"),
                10,
            ),
            NIFTY: IndexFull(Ltpc(Decimal("26010.15"), AT, 0, Decimal("25950.40"))),
            "NSE_EQ|INE467B01029": Ltpc(Decimal("4100.00"), None, 0, Decimal("4090.00")),
            "NSE_FO|54321": FirstLevel(Ltpc(Decimal("112.35"), AT, 75, Decimal("98.60"))),
        },
        current_ts=AT,
    )
    data = encode_frame(frame)
    decoded = pb.FeedResponse.FromString(data)  # what the SDK's streamer would read
    assert decoded.feeds[INFY].requestMode == pb.RequestMode.Value("full_d30")
    assert decoded.feeds[NIFTY].requestMode == pb.RequestMode.Value("full_d5")
    assert decoded.feeds[INFY].fullFeed.marketFF.ltpc.ltp == 1520.55
    assert parse_frame(data) == frame


def test_requests_are_json_in_bytes_and_parse_back():
    raw = subscribe_request([INFY, NIFTY], Mode.FULL)
    assert isinstance(raw, bytes)
    body = json.loads(raw)
    assert body["method"] == "sub"
    assert body["data"] == {"instrumentKeys": [INFY, NIFTY], "mode": "full"}
    assert len(body["guid"]) == 32
    assert parse_request(raw) == FeedRequest(body["guid"], "sub", (INFY, NIFTY), Mode.FULL)
    assert parse_request(unsubscribe_request([INFY])).keys == (INFY,)
    assert parse_request(unsubscribe_request([INFY])).mode is None
    changed = parse_request(change_mode_request([NIFTY], Mode.LTPC))
    assert (changed.method, changed.mode) == ("change_mode", Mode.LTPC)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        pytest.param(b"[]", "expected", id="not-an-object"),
        pytest.param(b'{"method": "subscribe", "data": {}}', "unknown method", id="method"),
        pytest.param(b'{"method": "sub", "data": []}', '"data"', id="data"),
        pytest.param(
            b'{"method": "sub", "data": {"instrumentKeys": [1]}}', "instrumentKeys", id="keys"
        ),
        pytest.param(
            b'{"method": "sub", "data": {"instrumentKeys": ["A|B"], "mode": "full_d5"}}',
            "unknown mode",
            id="mode",
        ),
    ],
)
def test_bad_requests_name_what_is_wrong(raw: bytes, error: str):
    with pytest.raises(ValueError, match=error):
        parse_request(raw)
