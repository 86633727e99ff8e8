"""Kite ticker frames: byte fixtures written from the documented layout, parsed exactly."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape_brokers.kite_ticker import (
    HEARTBEAT,
    DepthEntry,
    FullPacket,
    IndexFullPacket,
    IndexQuotePacket,
    LtpPacket,
    Mode,
    Packet,
    QuotePacket,
    TickerFrameError,
    encode_frame,
    encode_packet,
    parse_frame,
    price_exponent,
)

INFY = 408065  # NSE (segment 1)
NIFTY = 256265  # indices (segment 9)
USDINR = 412675  # CDS (segment 3)
T0 = datetime(2026, 11, 23, 4, 0, 5, tzinfo=UTC)  # 09:30:05 IST


def frame(*bodies: bytes) -> bytes:
    """A frame as documented: count, then each packet length-prefixed (big-endian)."""
    out = struct.pack(">H", len(bodies))
    for body in bodies:
        out += struct.pack(">H", len(body)) + body
    return out


def quote_body(token: int = INFY) -> bytes:
    # token, ltp, last qty, avg price, volume, buy qty, sell qty, open, high, low, close
    return struct.pack(
        ">11I", token, 152050, 25, 151875, 1_204_311, 88_000, 91_500, 150000, 153000, 149905, 149000
    )


def full_body() -> bytes:
    depth = b""
    for i in range(5):  # bids 1520.45, 1520.40, ...; 10, 20, ... shares; 1..5 orders
        depth += struct.pack(">IIH2x", 10 * (i + 1), 152045 - 5 * i, i + 1)
    for i in range(5):
        depth += struct.pack(">IIH2x", 7 * (i + 1), 152055 + 5 * i, 2 * (i + 1))
    stamp = int(T0.timestamp())
    tail = struct.pack(">5I", stamp - 2, 0, 0, 0, stamp)
    return quote_body() + tail + depth


def test_ltp_packet():
    body = struct.pack(">II", INFY, 152050)
    assert len(body) == 8
    assert parse_frame(frame(body)) == [LtpPacket(INFY, Decimal("1520.50"))]


def test_quote_packet():
    (packet,) = parse_frame(frame(quote_body()))
    assert packet == QuotePacket(
        instrument_token=INFY,
        last_price=Decimal("1520.50"),
        last_traded_quantity=25,
        average_traded_price=Decimal("1518.75"),
        volume_traded=1_204_311,
        total_buy_quantity=88_000,
        total_sell_quantity=91_500,
        open=Decimal("1500.00"),
        high=Decimal("1530.00"),
        low=Decimal("1499.05"),
        close=Decimal("1490.00"),
    )
    assert packet.mode is Mode.QUOTE
    assert packet.tradable
    assert packet.change_percent.quantize(Decimal("0.0001")) == Decimal("2.0470")


def test_full_packet():
    (packet,) = parse_frame(frame(full_body()))
    assert isinstance(packet, FullPacket)
    assert packet.mode is Mode.FULL
    assert packet.last_price == Decimal("1520.50")
    assert packet.last_trade_time == datetime(2026, 11, 23, 4, 0, 3, tzinfo=UTC)
    assert packet.exchange_timestamp == T0
    assert packet.oi == 0
    assert packet.bids[0] == DepthEntry(10, Decimal("1520.45"), 1)
    assert packet.bids[4] == DepthEntry(50, Decimal("1520.25"), 5)
    assert packet.asks == tuple(
        DepthEntry(7 * (i + 1), Decimal("1520.55") + Decimal("0.05") * i, 2 * (i + 1))
        for i in range(5)
    )


def test_index_quote_packet_reads_high_low_open_close_and_a_negative_change():
    # token, ltp, high, low, open, close, change (signed)
    body = struct.pack(">I6i", NIFTY, 2601015, 2612000, 2590050, 2605000, 2608000, -6985)
    (packet,) = parse_frame(frame(body))
    assert packet == IndexQuotePacket(
        instrument_token=NIFTY,
        last_price=Decimal("26010.15"),
        high=Decimal("26120.00"),
        low=Decimal("25900.50"),
        open=Decimal("26050.00"),
        close=Decimal("26080.00"),
        price_change=Decimal("-69.85"),
    )
    assert not packet.tradable


def test_index_full_packet_has_the_exchange_timestamp():
    body = struct.pack(">I6iI", NIFTY, 2601015, 2612000, 2590050, 2605000, 2608000, -6985, 0)
    body = body[:28] + struct.pack(">I", int(T0.timestamp()))
    (packet,) = parse_frame(frame(body))
    assert isinstance(packet, IndexFullPacket)
    assert packet.mode is Mode.FULL
    assert packet.exchange_timestamp == T0


@pytest.mark.parametrize(
    ("token", "raw", "price"),
    [
        pytest.param(INFY, 152050, Decimal("1520.50"), id="nse-paise"),
        pytest.param(USDINR, 834_512_500, Decimal("83.4512500"), id="cds-1e7"),
        pytest.param((1234 << 8) | 6, 834_512, Decimal("83.4512"), id="bcd-1e4"),
        pytest.param((77 << 8) | 12, 61_000_000, Decimal("6100.0000"), id="nco-1e4"),
    ],
)
def test_price_divisor_follows_the_segment(token: int, raw: int, price: Decimal):
    assert parse_frame(frame(struct.pack(">II", token, raw))) == [LtpPacket(token, price)]


def test_several_packets_in_one_frame_and_heartbeats():
    packets = parse_frame(frame(struct.pack(">II", INFY, 100), quote_body(), full_body()))
    assert [type(p) for p in packets] == [LtpPacket, QuotePacket, FullPacket]
    assert parse_frame(HEARTBEAT) == []
    assert parse_frame(b"") == []
    assert parse_frame(frame(b"\x00" * 12)) == []  # an undocumented length is skipped


def test_a_cut_frame_is_an_error():
    with pytest.raises(TickerFrameError, match="cut short"):
        parse_frame(frame(quote_body())[:-1])
    announces_two = struct.pack(">H", 2) + frame(quote_body())[2:]
    with pytest.raises(TickerFrameError, match="before packet 2"):
        parse_frame(announces_two)


def test_encoder_writes_the_documented_bytes():
    assert encode_frame([LtpPacket(INFY, Decimal("1520.5"))]) == frame(
        struct.pack(">II", INFY, 152050)
    )
    (quote,) = parse_frame(frame(quote_body()))
    assert encode_packet(quote) == quote_body()
    (full,) = parse_frame(frame(full_body()))
    assert encode_packet(full) == full_body()


def test_encoder_pads_thin_depth_and_refuses_sub_paisa_prices():
    one = Decimal(1)
    thin = FullPacket(
        INFY, one, 1, one, 1, 0, 0, one, one, one, one, bids=(DepthEntry(5, Decimal("0.95"), 1),)
    )
    (parsed,) = parse_frame(encode_frame([thin]))
    assert isinstance(parsed, FullPacket)
    assert parsed.bids[1:] == (DepthEntry(0, Decimal(0), 0),) * 4
    assert len(parsed.asks) == 5
    with pytest.raises(ValueError, match="decimal places"):
        encode_packet(LtpPacket(INFY, Decimal("1.005")))


# -- round trip ------------------------------------------------------------------------------

_SEGMENTS = (1, 2, 3, 4, 5, 6, 7, 8, 12)
_u32 = st.integers(0, 2**32 - 1)
_i32 = st.integers(-(2**31), 2**31 - 1)
_stamp = st.one_of(
    st.none(), st.integers(1, 2**32 - 1).map(lambda s: datetime.fromtimestamp(s, tz=UTC))
)


@st.composite
def _token(draw: st.DrawFn, segments: tuple[int, ...] = _SEGMENTS) -> int:
    return draw(st.integers(0, 2**24 - 1)) << 8 | draw(st.sampled_from(segments))


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    kind = draw(st.sampled_from(["ltp", "index", "index_full", "quote", "full"]))
    token = draw(_token((9,)) if kind.startswith("index") else _token())
    e = price_exponent(token)

    def price() -> Decimal:
        return Decimal(draw(_i32)).scaleb(-e)

    if kind == "ltp":
        return LtpPacket(token, price())
    if kind.startswith("index"):
        ltp, high, low, open_, close, change = (price() for _ in range(6))
        if kind == "index":
            return IndexQuotePacket(token, ltp, high, low, open_, close, change)
        return IndexFullPacket(token, ltp, high, low, open_, close, change, draw(_stamp))
    quote = (
        token,
        price(),
        draw(_u32),
        price(),
        draw(_u32),
        draw(_u32),
        draw(_u32),
        price(),
        price(),
        price(),
        price(),
    )
    if kind == "quote":
        return QuotePacket(*quote)

    def side() -> tuple[DepthEntry, ...]:
        return tuple(
            DepthEntry(draw(_u32), price(), draw(st.integers(0, 2**16 - 1))) for _ in range(5)
        )

    return FullPacket(
        *quote,
        last_trade_time=draw(_stamp),
        oi=draw(_u32),
        oi_day_high=draw(_u32),
        oi_day_low=draw(_u32),
        exchange_timestamp=draw(_stamp),
        bids=side(),
        asks=side(),
    )


@given(st.lists(packets(), max_size=6))
def test_round_trip(sent: list[Packet]):
    assert parse_frame(encode_frame(sent)) == sent
