"""`KiteTickerClient` against the fake ticker on loopback: ticks, text, heartbeats, reconnect."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from starlette.applications import Starlette

from tests.kite_ticker_kit import serving
from tests.market import eventually
from tradertape.fakebrokers.kite_ticker import FakeTicker, FixedPrices, ws_route
from tradertape_brokers.kite_ticker import (
    FullPacket,
    IndexFullPacket,
    LtpPacket,
    Mode,
    OrderUpdate,
    Packet,
    QuotePacket,
    TextMessage,
    TickerError,
)
from tradertape_brokers.kite_ticker.client import Backoff, KiteTickerClient, TickerAuthError

pytestmark = pytest.mark.anyio

INFY = 408065
TCS = 2953217
NIFTY = 256265


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder:
    def __init__(self) -> None:
        self.packets: list[Packet] = []
        self.texts: list[TextMessage] = []
        self.delays: list[float] = []

    async def on_packets(self, packets: list[Packet]) -> None:
        self.packets.extend(packets)

    async def on_text(self, message: TextMessage) -> None:
        self.texts.append(message)

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def of(self, token: int) -> list[Packet]:
        return [p for p in self.packets if p.instrument_token == token]


def _client(url: str, rec: Recorder, **options: object) -> KiteTickerClient:
    return KiteTickerClient(
        api_key="kitefront",
        access_token="tok",
        url=url,
        on_packets=rec.on_packets,
        on_text=rec.on_text,
        sleep=rec.sleep,
        backoff=Backoff(initial_secs=0.5, factor=2, max_secs=4),
        **options,  # type: ignore[arg-type]
    )


async def test_receives_packets_in_each_subscribed_mode():
    prices = FixedPrices(
        {INFY: Decimal("1520.5"), TCS: Decimal("4100"), NIFTY: Decimal("26010.15")}
    )
    ticker = FakeTicker(prices, interval_secs=0.01)
    rec = Recorder()
    async with serving(ticker) as url:
        client = _client(url, rec)
        task = asyncio.create_task(client.run())
        await client.subscribe([INFY, NIFTY], Mode.FULL)
        await client.subscribe([TCS], Mode.LTP)
        await eventually(lambda: all(rec.of(t) for t in (INFY, TCS, NIFTY)))
        await client.close()
        await task
    infy = rec.of(INFY)[0]
    assert isinstance(infy, FullPacket)
    assert infy.last_price == Decimal("1520.50")
    assert [lv.price for lv in infy.bids] == [
        Decimal(x) for x in ("1520.50", "1520.45", "1520.40", "1520.35", "1520.30")
    ]
    assert infy.asks[0].price == Decimal("1520.55")
    assert rec.of(TCS)[0] == LtpPacket(TCS, Decimal("4100.00"))
    nifty = rec.of(NIFTY)[0]
    assert isinstance(nifty, IndexFullPacket)
    assert nifty.last_price == Decimal("26010.15")
    assert client.subscriptions == {INFY: Mode.FULL, NIFTY: Mode.FULL, TCS: Mode.LTP}


async def test_reconnects_after_a_drop_and_subscribes_again():
    prices = FixedPrices({INFY: Decimal("1520.5"), TCS: Decimal("4100")})
    ticker = FakeTicker(prices, interval_secs=0.01)
    rec = Recorder()
    async with serving(ticker) as url:
        client = _client(url, rec)
        task = asyncio.create_task(client.run())
        await client.subscribe([INFY], Mode.FULL)
        await client.subscribe([TCS])  # quote mode by default
        await eventually(lambda: bool(rec.of(INFY)) and bool(rec.of(TCS)))
        assert ticker.subscriptions() == [{INFY: Mode.FULL, TCS: Mode.QUOTE}]

        assert await ticker.drop_all() == 1
        await eventually(lambda: client.connections == 2 and ticker.connections == 1)
        await eventually(lambda: ticker.subscriptions() == [{INFY: Mode.FULL, TCS: Mode.QUOTE}])
        seen = len(rec.packets)
        prices.set(INFY, Decimal("1521"))
        await eventually(
            lambda: any(p.last_price == Decimal("1521.00") for p in rec.packets[seen:])
        )
        await client.close()
        await task
    assert ticker.connections_opened == 2
    assert rec.delays == [0.5]  # one wait, the backoff's first
    assert isinstance(rec.of(TCS)[-1], QuotePacket)
    assert not isinstance(rec.of(TCS)[-1], FullPacket)


async def test_backoff_grows_while_the_server_is_away():
    rec = Recorder()
    client = _client("ws://127.0.0.1:9", rec)  # the discard port: nothing listens
    task = asyncio.create_task(client.run())
    await eventually(lambda: len(rec.delays) >= 5)
    await client.close()
    await task
    assert rec.delays[:5] == [0.5, 1.0, 2.0, 4.0, 4.0]


async def test_order_updates_and_errors_reach_the_text_callback_and_heartbeats_are_counted():
    ticker = FakeTicker(FixedPrices(), interval_secs=0.01, heartbeat_secs=0.01)
    rec = Recorder()
    order = {"order_id": "2411230001", "status": "COMPLETE", "filled_quantity": 5}
    async with serving(ticker) as url:
        client = _client(url, rec)
        task = asyncio.create_task(client.run())
        await client.subscribe([INFY])  # no price: only heartbeats flow
        await client.connected.wait()
        await eventually(lambda: client.heartbeats >= 2)
        assert await ticker.push_order_update(order, api_key="kitefront") == 1
        assert await ticker.push_order_update(order, api_key="someone-else") == 0
        assert await ticker.push_error("too many instruments") == 1
        await eventually(lambda: len(rec.texts) == 2)
        await client.close()
        await task
    assert rec.texts == [OrderUpdate(order), TickerError("too many instruments")]
    assert rec.packets == []


async def test_a_refused_token_ends_the_client():
    ticker = FakeTicker(FixedPrices(), authorize=lambda key, token: token == "good")
    rec = Recorder()
    async with serving(ticker) as url:
        client = _client(url, rec)
        with pytest.raises(TickerAuthError):
            await client.run()
    assert ticker.connections_opened == 0


async def test_changes_while_connected_reach_the_server_at_once():
    prices = FixedPrices({INFY: Decimal("1520.5"), TCS: Decimal("4100")})
    ticker = FakeTicker(prices, interval_secs=0.01)
    rec = Recorder()
    async with serving(ticker) as url:
        client = _client(url, rec)
        task = asyncio.create_task(client.run())
        await client.connected.wait()
        await client.subscribe([INFY, TCS], Mode.LTP)
        await eventually(lambda: ticker.subscriptions() == [{INFY: Mode.LTP, TCS: Mode.LTP}])
        await client.set_mode(Mode.FULL, [TCS, NIFTY])  # NIFTY is not subscribed: ignored
        await client.unsubscribe([INFY])
        await eventually(lambda: ticker.subscriptions() == [{TCS: Mode.FULL}])
        await client.close()
        await task
    assert client.subscriptions == {TCS: Mode.FULL}


async def test_a_silent_connection_counts_as_dead():
    ticker = FakeTicker(FixedPrices(), interval_secs=0.01, heartbeat_secs=3600)  # says nothing
    rec = Recorder()
    async with serving(ticker) as url:
        client = _client(url, rec, read_timeout_secs=0.05)
        task = asyncio.create_task(client.run())
        await eventually(lambda: client.connections >= 2)
        await client.close()
        await task
    assert rec.delays[0] == 0.5


async def test_ws_route_serves_the_ticker_at_its_path():
    app = Starlette(
        routes=[ws_route(FixedPrices({INFY: Decimal("1520.5")}), path="/ws", interval_secs=0.01)]
    )
    rec = Recorder()
    async with serving(app) as root:
        client = _client(f"{root}/ws", rec)
        task = asyncio.create_task(client.run())
        await client.subscribe([INFY], Mode.LTP)
        await eventually(lambda: bool(rec.packets))
        await client.close()
        await task
    assert rec.packets[0] == LtpPacket(INFY, Decimal("1520.50"))
