"""Our parser and the official SDK's (`KiteTicker._parse_binary`) agree field by field."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tradertape_brokers.kite_ticker import (
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Packet,
    QuotePacket,
    encode_frame,
    parse_frame,
)

T0 = datetime(2026, 11, 23, 4, 0, 5, tzinfo=UTC)
NIFTY = 256265


def _sdk_parse(frame: bytes) -> list[dict[str, Any]]:
    # Imported by name: kiteconnect ships no type hints, and the parser needs no socket.
    ticker: Any = importlib.import_module("kiteconnect.ticker").KiteTicker
    parsed: list[dict[str, Any]] = ticker._parse_binary(ticker.__new__(ticker), frame)
    return parsed


def _local(moment: datetime | None) -> datetime | None:
    # The SDK converts epochs to naive local time.
    return None if moment is None else moment.astimezone().replace(tzinfo=None)


def _quote_fields(p: QuotePacket) -> dict[str, Any]:
    return {
        "last_price": float(p.last_price),
        "last_traded_quantity": p.last_traded_quantity,
        "average_traded_price": float(p.average_traded_price),
        "volume_traded": p.volume_traded,
        "total_buy_quantity": p.total_buy_quantity,
        "total_sell_quantity": p.total_sell_quantity,
        "ohlc": {
            "open": float(p.open),
            "high": float(p.high),
            "low": float(p.low),
            "close": float(p.close),
        },
    }


def _expected(p: Packet) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tradable": p.tradable,
        "mode": p.mode.value,
        "instrument_token": p.instrument_token,
    }
    if isinstance(p, LtpPacket):
        return out | {"last_price": float(p.last_price)}
    if isinstance(p, IndexQuotePacket):
        ohlc = {"high": float(p.high), "low": float(p.low), "open": float(p.open)}
        out |= {"last_price": float(p.last_price), "ohlc": ohlc | {"close": float(p.close)}}
        if isinstance(p, IndexFullPacket):
            out["exchange_timestamp"] = _local(p.exchange_timestamp)
        return out
    out |= _quote_fields(p)
    if isinstance(p, FullPacket):

        def side(levels: tuple[DepthEntry, ...]) -> list[dict[str, Any]]:
            return [
                {"quantity": lv.quantity, "price": float(lv.price), "orders": lv.orders}
                for lv in levels
            ]

        out |= {
            "last_trade_time": _local(p.last_trade_time),
            "oi": p.oi,
            "oi_day_high": p.oi_day_high,
            "oi_day_low": p.oi_day_low,
            "exchange_timestamp": _local(p.exchange_timestamp),
            "depth": {"buy": side(p.bids), "sell": side(p.asks)},
        }
    return out


def _d(text: str) -> Decimal:
    return Decimal(text)


_QUOTE = (408065, _d("1520.50"), 25, _d("1518.75"), 1_204_311, 88_000, 91_500)
_OHLC = (_d("1500.00"), _d("1530.00"), _d("1499.05"), _d("1490.00"))
_L, _H, _LO, _O, _C = (_d(x) for x in ("26010.15", "26120", "25900.5", "26050", "26080"))
_INDEX = (_L, _H, _LO, _O, _C, _d("-69.85"))
CASES = [
    pytest.param(LtpPacket(408065, _d("1520.50")), id="ltp"),
    pytest.param(LtpPacket(412675, _d("83.4512500")), id="ltp-cds"),
    pytest.param(QuotePacket(*_QUOTE, *_OHLC), id="quote"),
    pytest.param(
        FullPacket(
            *_QUOTE,
            *_OHLC,
            last_trade_time=T0,
            oi=12,
            oi_day_high=40,
            oi_day_low=3,
            exchange_timestamp=T0,
            bids=tuple(DepthEntry(10 + i, _d("1520.45") - i, i + 1) for i in range(5)),
            asks=tuple(DepthEntry(7 + i, _d("1520.55") + i, i + 2) for i in range(5)),
        ),
        id="full",
    ),
    pytest.param(IndexQuotePacket(NIFTY, *_INDEX), id="index-quote"),
    pytest.param(IndexFullPacket(NIFTY, *_INDEX, exchange_timestamp=T0), id="index-full"),
]


@pytest.mark.parametrize("packet", CASES)
def test_sdk_reads_what_we_read(packet: Packet):
    frame = encode_frame([packet])
    (ours,) = parse_frame(frame)
    assert ours == packet
    (theirs,) = _sdk_parse(frame)
    theirs.pop("change", None)  # derived from the fields compared here
    assert theirs == _expected(ours)
