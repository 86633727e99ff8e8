"""`UpstoxFeedClient` against the fake Upstox on loopback: the authorize step, protobuf frames,
reconnecting after a drop and subscribing again, and a refused token. The fake sends live
frames only when the test pushes one, so every frame here is one the test asked for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.kite_ticker_kit import serving
from tests.market import eventually
from tests.upstox_feed_kit import INFY, NIFTY, TCS, Recorder, mint_token
from tradertape.fakebrokers.upstox import create_app
from tradertape.fakebrokers.upstox.feed import FakeFeed
from tradertape.fakebrokers.upstox.sessions import Fault
from tradertape.ports.clock import ManualClock
from tradertape_brokers.reconnect import Backoff
from tradertape_brokers.upstox_feed import (
    FirstLevel,
    FrameType,
    Ltpc,
    MarketFull,
    Mode,
    Ohlc,
    Quote,
)
from tradertape_brokers.upstox_feed.client import (
    FeedAuthError,
    UpstoxFeedClient,
    authorize_url,
    fetch_authorized_uri,
)

pytestmark = pytest.mark.anyio
D = Decimal
P = D("1520.55")  # INFY at the start of each test


@pytest.fixture
def app(clock: ManualClock) -> FastAPI:
    fake = create_app(now=clock.now, feed_interval_secs=None)
    fake.state.book.set_prices({INFY: D("1520.55"), TCS: D("4100.00"), NIFTY: D("26010.15")})
    return fake


@pytest.fixture
async def root(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as url:
        yield url.replace("ws://", "http://")


def _client(root: str, token: str, rec: Recorder) -> UpstoxFeedClient:
    return UpstoxFeedClient(
        access_token=token,
        on_frame=rec.on_frame,
        root=root,
        sleep=rec.sleep,
        backoff=Backoff(initial_secs=0.5, factor=2, max_secs=4),
    )


async def _stop(client: UpstoxFeedClient, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.wait_for(task, timeout=5)


async def test_market_info_first_then_the_snapshot_then_live_frames(
    app: FastAPI, root: str, clock: ManualClock
):
    feed: FakeFeed = app.state.feed
    rec = Recorder()
    client = _client(root, mint_token(app), rec)
    await client.subscribe([INFY], Mode.FULL)
    await client.subscribe([NIFTY], Mode.LTPC)
    task = asyncio.create_task(client.run())
    try:
        await eventually(lambda: len(rec.frames) >= 3)  # market_info + a snapshot per mode
        first = rec.frames[0]
        assert first.type is FrameType.MARKET_INFO
        assert first.market_status["NSE_EQ"] == first.market_status["NSE_INDEX"] == "NORMAL_OPEN"
        assert client.market_status == first.market_status
        snapshot = {k: v for f in rec.of(FrameType.INITIAL_FEED) for k, v in f.feeds.items()}
        now = clock.now()
        assert snapshot[NIFTY] == Ltpc(D("26010.15"), now, 0, D("26010.15"))
        infy = snapshot[INFY]
        assert isinstance(infy, MarketFull)
        assert infy.ltpc == Ltpc(D("1520.55"), now, 10, D("1520.55"))
        assert len(infy.depth) == 5
        assert infy.depth[0] == Quote(10, D("1520.55"), 10, D("1520.60"))
        assert infy.depth[4] == Quote(50, D("1520.35"), 50, D("1520.80"))
        assert infy.day() == Ohlc("1d", P, P, P, P, 10, None)
        assert (infy.volume, infy.total_buy_quantity) == (10, D("150"))

        app.state.book.set_prices({INFY: D("1521.00")})
        assert await feed.push() == 1
        await eventually(lambda: len(rec.of(FrameType.LIVE_FEED)) == 1)
        live = rec.of(FrameType.LIVE_FEED)[0].feeds
        assert set(live) == {INFY, NIFTY}
        infy = live[INFY]
        assert isinstance(infy, MarketFull)
        assert infy.ltpc.ltp == D("1521.00")
        assert infy.day() == Ohlc(
            "1d", D("1520.55"), D("1521.00"), D("1520.55"), D("1521.00"), 20, None
        )
    finally:
        await _stop(client, task)
    assert rec.delays == []  # never reconnected


async def test_after_a_drop_the_client_reconnects_and_subscribes_again(app: FastAPI, root: str):
    feed: FakeFeed = app.state.feed
    rec = Recorder()
    client = _client(root, mint_token(app), rec)
    await client.subscribe([INFY, TCS], Mode.FULL)
    task = asyncio.create_task(client.run())
    try:
        await eventually(lambda: feed.subscriptions() == [{INFY: "full", TCS: "full"}])
        await client.change_mode([TCS], Mode.LTPC)
        await client.subscribe([NIFTY], Mode.LTPC)
        await client.unsubscribe([INFY])
        wanted = {TCS: "ltpc", NIFTY: "ltpc"}
        await eventually(lambda: feed.subscriptions() == [wanted])

        assert await feed.drop_all() == 1
        await eventually(lambda: client.connections == 2 and feed.subscriptions() == [wanted])
        assert rec.delays == [0.5]  # one backoff wait, asked of the injected sleep
        assert feed.connections_opened == 2
        resent = feed.requests[-1]
        assert (resent["method"], sorted(resent["keys"]), resent["mode"]) == (
            "sub",
            sorted([NIFTY, TCS]),
            Mode.LTPC,
        )
        assert len(rec.of(FrameType.MARKET_INFO)) == 2  # each connection starts with one

        assert await feed.push() == 1
        await eventually(lambda: len(rec.of(FrameType.LIVE_FEED)) == 1)
        assert set(rec.of(FrameType.LIVE_FEED)[0].feeds) == {TCS, NIFTY}
    finally:
        await _stop(client, task)


async def test_a_failing_authorize_is_retried_with_backoff(app: FastAPI, root: str):
    app.state.sessions.faults.append(Fault("503", 2, "/v3/feed/", 0.0))
    rec = Recorder()
    client = _client(root, mint_token(app), rec)
    task = asyncio.create_task(client.run())
    try:
        await client.connected.wait()
        assert rec.delays == [0.5, 1.0]
        assert client.attempts == 0
    finally:
        await _stop(client, task)


async def test_a_refused_token_ends_the_run(app: FastAPI, root: str):
    rec = Recorder()
    client = _client(root, "not-a-token", rec)
    with pytest.raises(FeedAuthError):
        await asyncio.wait_for(client.run(), timeout=5)
    assert app.state.feed.connections_opened == 0
    assert rec.delays == []


async def test_the_authorized_address_is_single_use_and_the_bearer_header_works(
    app: FastAPI, root: str
):
    token = mint_token(app)
    uri = await asyncio.to_thread(fetch_authorized_uri, authorize_url(root), token)
    assert uri.startswith(root.replace("http://", "ws://") + "/v3/feed/market-data-feed?code=")
    async with connect(uri) as ws:
        assert isinstance(await ws.recv(), bytes)  # the market_info frame
    with pytest.raises(InvalidStatus) as refused:
        async with connect(uri):
            pass
    assert refused.value.response.status_code == 403
    bearer = {"Authorization": f"Bearer {token}"}  # how the SDK opens the feed
    async with connect(
        root.replace("http://", "ws://") + "/v3/feed/market-data-feed", additional_headers=bearer
    ) as ws:
        assert isinstance(await ws.recv(), bytes)


async def test_deep_and_greeks_modes_and_a_change_of_mode(app: FastAPI, root: str):
    rec = Recorder()
    client = _client(root, mint_token(app), rec)
    await client.subscribe([TCS], Mode.FULL_D30)
    await client.subscribe([INFY], Mode.OPTION_GREEKS)
    task = asyncio.create_task(client.run())
    try:
        await eventually(lambda: len(rec.of(FrameType.INITIAL_FEED)) == 2)
        snapshot = {k: v for f in rec.of(FrameType.INITIAL_FEED) for k, v in f.feeds.items()}
        tcs = snapshot[TCS]
        assert isinstance(tcs, MarketFull)
        assert len(tcs.depth) == 30
        assert tcs.depth[29] == Quote(300, D("4098.55"), 300, D("4101.50"))
        infy = snapshot[INFY]
        assert isinstance(infy, FirstLevel)
        assert infy.best == Quote(10, P, 10, D("1520.60"))
        await client.change_mode([TCS, "NSE_EQ|NOT-SUBSCRIBED"], Mode.LTPC)
        await eventually(lambda: len(rec.of(FrameType.INITIAL_FEED)) == 3)
        assert isinstance(rec.of(FrameType.INITIAL_FEED)[2].feeds[TCS], Ltpc)
        assert client.subscriptions == {TCS: Mode.LTPC, INFY: Mode.OPTION_GREEKS}
    finally:
        await _stop(client, task)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"status": "success", "data": {}}, id="no-address"),
        pytest.param(
            {"status": "success", "data": {"authorizedRedirectUri": "https://x"}}, id="not-ws"
        ),
        pytest.param([], id="not-an-object"),
    ],
)
async def test_an_authorize_reply_without_a_socket_address_is_retried(body: object):
    async def authorize(request: Request) -> JSONResponse:
        return JSONResponse(body)

    rec = Recorder()
    app = Starlette(routes=[Route("/v3/feed/market-data-feed/authorize", authorize)])
    async with serving(app) as url:
        client = _client(url.replace("ws://", "http://"), "tok", rec)
        task = asyncio.create_task(client.run())
        try:
            await eventually(lambda: len(rec.delays) >= 2)
            assert client.connections == 0
            assert rec.delays[:2] == [0.5, 1.0]
        finally:
            await _stop(client, task)
