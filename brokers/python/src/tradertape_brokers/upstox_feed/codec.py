"""Upstox's protobuf frames ↔ `FeedFrame`, with the generated class the official SDK ships.

``upstox_client/feeder/proto/MarketDataFeedV3_pb2.py`` (extra ``upstox``) is the compiled
``FeedResponse`` descriptor, so parsing here and the fake's encoding (`encode_frame`) use
exactly the wire format the real server speaks. Prices are doubles in rupees: they are read
through their shortest repr and rounded to the segment's precision (paise; four places for
currency derivatives), so ``1520.55`` stays ``Decimal("1520.55")``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from google.protobuf.message import DecodeError
from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

from tradertape_brokers.compat import UTC
from tradertape_brokers.upstox_feed.feeds import (
    Feed,
    FeedFrame,
    FirstLevel,
    FrameType,
    IndexFull,
    Ltpc,
    MarketFull,
    Ohlc,
    Quote,
)

_PAISA = Decimal("0.01")
_FOUR_PLACES = Decimal("0.0001")
_CURRENCY_SEGMENTS = ("NCD_FO", "BCD_FO")
_DEPTH_5 = 5


class FeedFrameError(ValueError):
    """Bytes that are not a `FeedResponse` this codec understands."""


def precision(key: str) -> Decimal:
    """The price step a key's prices are rounded to (its segment's decimals)."""
    return _FOUR_PLACES if key.partition("|")[0] in _CURRENCY_SEGMENTS else _PAISA


def parse_frame(data: bytes) -> FeedFrame:
    """Decode one server frame.

    Raises
    ------
    FeedFrameError
        Not a protobuf `FeedResponse`, or one of an unknown type.
    """
    message: Any = pb.FeedResponse()
    try:
        message.ParseFromString(data)
        kind = FrameType(message.type)
    except (DecodeError, ValueError) as exc:
        raise FeedFrameError(f"not a feed frame: {exc}") from exc
    feeds: dict[str, Feed] = {}
    for key, raw in message.feeds.items():
        feed = _feed(raw, precision(key))
        if feed is not None:
            feeds[key] = feed
    status: dict[str, str] = {}
    if message.HasField("marketInfo"):
        status = {
            segment: pb.MarketStatus.Name(value)
            for segment, value in message.marketInfo.segmentStatus.items()
        }
    return FeedFrame(kind, feeds, _time(message.currentTs), status)


def _feed(raw: Any, step: Decimal) -> Feed | None:
    which = raw.WhichOneof("FeedUnion")
    if which == "ltpc":
        return _ltpc(raw.ltpc, step)
    if which == "firstLevelWithGreeks":
        first = raw.firstLevelWithGreeks
        best = _quote(first.firstDepth, step) if first.HasField("firstDepth") else None
        return FirstLevel(_ltpc(first.ltpc, step), best, int(first.vtt), _dec(first.oi, step))
    if which != "fullFeed":
        return None  # a feed of a kind this codec does not know: skipped
    full = raw.fullFeed
    if full.WhichOneof("FullFeedUnion") == "indexFF":
        index = full.indexFF
        return IndexFull(_ltpc(index.ltpc, step), _candles(index.marketOHLC, step))
    if full.WhichOneof("FullFeedUnion") != "marketFF":
        return None
    market = full.marketFF
    return MarketFull(
        ltpc=_ltpc(market.ltpc, step),
        depth=tuple(_quote(q, step) for q in market.marketLevel.bidAskQuote),
        ohlc=_candles(market.marketOHLC, step),
        average_price=_dec(market.atp, step),
        volume=int(market.vtt),
        open_interest=Decimal(repr(market.oi)),
        total_buy_quantity=Decimal(repr(market.tbq)),
        total_sell_quantity=Decimal(repr(market.tsq)),
    )


def _dec(value: float, step: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(step)


def _time(epoch_ms: int) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms > 0 else None


def _ltpc(raw: Any, step: Decimal) -> Ltpc:
    return Ltpc(_dec(raw.ltp, step), _time(raw.ltt), int(raw.ltq), _dec(raw.cp, step))


def _quote(raw: Any, step: Decimal) -> Quote:
    return Quote(int(raw.bidQ), _dec(raw.bidP, step), int(raw.askQ), _dec(raw.askP, step))


def _candles(raw: Any, step: Decimal) -> tuple[Ohlc, ...]:
    return tuple(
        Ohlc(
            c.interval,
            _dec(c.open, step),
            _dec(c.high, step),
            _dec(c.low, step),
            _dec(c.close, step),
            int(c.vol),
            _time(c.ts),
        )
        for c in raw.ohlc
    )


def encode_frame(frame: FeedFrame) -> bytes:
    """The protobuf bytes of `frame` (what a server sends)."""
    message: Any = pb.FeedResponse(type=frame.type.value, currentTs=_ms(frame.current_ts))
    for key, feed in frame.feeds.items():
        _fill(message.feeds[key], feed)
    for segment, status in frame.market_status.items():
        message.marketInfo.segmentStatus[segment] = pb.MarketStatus.Value(status)
    data: bytes = message.SerializeToString()
    return data


def _ms(ts: datetime | None) -> int:
    return round(ts.timestamp() * 1000) if ts is not None else 0


def _fill(out: Any, feed: Feed) -> None:
    if isinstance(feed, Ltpc):
        _set_ltpc(out.ltpc, feed)
        out.requestMode = pb.RequestMode.Value("ltpc")
    elif isinstance(feed, FirstLevel):
        first = out.firstLevelWithGreeks
        _set_ltpc(first.ltpc, feed.ltpc)
        if feed.best is not None:
            _set_quote(first.firstDepth, feed.best)
        first.vtt, first.oi = feed.volume, float(feed.open_interest)
        out.requestMode = pb.RequestMode.Value("option_greeks")
    elif isinstance(feed, IndexFull):
        _set_ltpc(out.fullFeed.indexFF.ltpc, feed.ltpc)
        _set_candles(out.fullFeed.indexFF.marketOHLC, feed.ohlc)
        out.requestMode = pb.RequestMode.Value("full_d5")
    else:
        market = out.fullFeed.marketFF
        _set_ltpc(market.ltpc, feed.ltpc)
        for quote in feed.depth:
            _set_quote(market.marketLevel.bidAskQuote.add(), quote)
        _set_candles(market.marketOHLC, feed.ohlc)
        market.atp, market.vtt = float(feed.average_price), feed.volume
        market.oi = float(feed.open_interest)
        market.tbq, market.tsq = float(feed.total_buy_quantity), float(feed.total_sell_quantity)
        deep = len(feed.depth) > _DEPTH_5
        out.requestMode = pb.RequestMode.Value("full_d30" if deep else "full_d5")


def _set_ltpc(out: Any, ltpc: Ltpc) -> None:
    out.ltp, out.ltt, out.ltq, out.cp = float(ltpc.ltp), _ms(ltpc.ltt), ltpc.ltq, float(ltpc.cp)


def _set_quote(out: Any, quote: Quote) -> None:
    out.bidQ, out.bidP = quote.bid_quantity, float(quote.bid_price)
    out.askQ, out.askP = quote.ask_quantity, float(quote.ask_price)


def _set_candles(out: Any, candles: tuple[Ohlc, ...]) -> None:
    for candle in candles:
        out.ohlc.add(
            interval=candle.interval,
            open=float(candle.open),
            high=float(candle.high),
            low=float(candle.low),
            close=float(candle.close),
            vol=candle.volume,
            ts=_ms(candle.ts),
        )
