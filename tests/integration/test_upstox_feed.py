"""``TRADERTAPE_FEED=upstox``: ticks from the (fake) Upstox market data feed reach the bus,
the quote book and ``WS /api/ws/ticks``; the session and the keys come from the database
and the catalog; without a session, or with a refused one, the feed waits for a new login."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.kite_ticker_kit import serving
from tests.market import eventually
from tests.serving import serve
from tests.upstox_feed_kit import INFY, NIFTY, mint_token
from tradertape.api.app import create_app
from tradertape.bus.memory import InProcessBus
from tradertape.db.engine import Database
from tradertape.domain.brokers import BrokerName
from tradertape.domain.instruments_data import reference_catalog
from tradertape.fakebrokers.upstox import create_app as create_fake
from tradertape.feed.upstox import (
    FeedInstrument,
    UpstoxFeed,
    UpstoxFeedConfig,
    UpstoxFeedLogin,
)
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.brokers.credentials import CredentialUpdate
from tradertape.services.market.upstox_feed import StoredUpstoxSession
from tradertape.settings import Settings

D = Decimal


def _store_session(
    runtime: Runtime, *, email: str, admin: bool, token: str, broker: BrokerName
) -> int:
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=email, is_admin=admin)
        update = CredentialUpdate(api_key="upstox-app", access_token=token)
        runtime.brokers.save(db, user=user, broker=broker, update=update)
        return user.id


def test_the_source_takes_an_upstox_session_and_the_catalog_keys(runtime: Runtime):
    source = StoredUpstoxSession(
        db=runtime.db, credentials=runtime.brokers, clock=runtime.clock, instruments=runtime.catalog
    )
    assert source.login() is None
    _store_session(runtime, email="kite@x.in", admin=True, token="k", broker=BrokerName.KITE)
    assert source.login() is None  # a Kite session is not an Upstox one
    user = _store_session(
        runtime, email="u@x.in", admin=False, token="u-token", broker=BrokerName.UPSTOX
    )
    assert source.login() == UpstoxFeedLogin(user, "u-token")
    keys = source.instruments()
    assert keys[INFY] == FeedInstrument("NSE:INFY", 7457281)
    assert keys[NIFTY] == FeedInstrument(
        "NSE:NIFTY 50", reference_catalog().get("NSE:NIFTY 50").instrument_token
    )
    assert len(keys) == len(list(runtime.catalog))  # every priced instrument has a key


def _next_ticks(ws: ClientConnection, key: str) -> dict[str, Any]:
    for _ in range(20):  # bounded: a snapshot or an older tick may come first
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == "ticks" and key in message["data"]:
            entry: dict[str, Any] = message["data"][key]
            return entry
    raise AssertionError(f"no tick of {key}")


def test_upstox_ticks_reach_the_tick_socket(
    settings: Settings, clock: ManualClock, database: Database
):
    fake = create_fake(now=clock.now, feed_interval_secs=None)
    token = mint_token(fake)
    with serve(fake) as fake_url, httpx.Client(base_url=fake_url, timeout=5) as control:
        control.post("/_control/prices", json={INFY: 1520.55, NIFTY: 26010.15})
        chosen = settings.model_copy(update={"feed": "upstox", "upstox_root": fake_url})
        runtime = Runtime.build(chosen, clock=clock, db=database, transport=LogTransport())
        assert isinstance(runtime.feed, UpstoxFeed)
        _store_session(
            runtime, email="admin@x.in", admin=True, token=token, broker=BrokerName.UPSTOX
        )
        with runtime.db.session() as db:
            viewer = create_user(db, clock=clock, email="viewer@x.in")
            cookie = runtime.sessions.start(db, user=viewer, ip=None, user_agent=None)
        with serve(create_app(runtime)) as base:
            for _ in range(1000):  # bounded: until the feed has subscribed at the fake
                state = control.get("/_control/feed").json()
                if state["subscriptions"] and INFY in state["subscriptions"][0]:
                    break
                threading_wait(0.01)
            subscribed = state["subscriptions"][0]
            assert (subscribed[INFY], subscribed[NIFTY]) == ("full", "full")
            assert len(subscribed) == len(list(runtime.catalog))

            url = base.replace("http://", "ws://") + "/api/ws/ticks"
            headers = {"Cookie": f"kite_session={cookie}"}
            with connect(url, additional_headers=headers) as ws:
                assert json.loads(ws.recv(timeout=10)) == {"type": "status", "connected": True}
                ws.send(json.dumps({"action": "subscribe", "symbols": ["infy"], "mode": "full"}))
                assert json.loads(ws.recv(timeout=10)) == {
                    "type": "subscribed",
                    "symbols": ["NSE:INFY"],
                }
                control.post("/_control/prices", json={INFY: 1521.25})
                assert control.post("/_control/feed/push").json() == {"sent": 1}
                infy = _next_ticks(ws, "NSE:INFY")
                while infy["last_price"] != 1521.25:  # the snapshot tick (1520.55) came first
                    assert infy["last_price"] == 1520.55
                    infy = _next_ticks(ws, "NSE:INFY")
            for _ in range(1000):  # bounded: the trading loop books the same tick
                quote = runtime.quotes("NSE:INFY")
                if quote is not None and quote.last_price == D("1521.25"):
                    break
                threading_wait(0.01)
    assert infy["instrument_token"] == 7457281
    assert infy["ohlc"] == {"open": 1520.55, "high": 1521.25, "low": 1520.55, "close": 1520.55}
    assert infy["timestamp"] == "2026-11-20T10:00:00.000+05:30"
    assert infy["depth"]["buy"][0] == {"price": 1521.25, "quantity": 10, "orders": 0}
    assert infy["depth"]["sell"][4] == {"price": 1521.5, "quantity": 50, "orders": 0}
    assert quote is not None
    assert (quote.last_price, quote.bid, quote.ask) == (D("1521.25"), D("1521.25"), D("1521.30"))


def threading_wait(seconds: float) -> None:
    threading.Event().wait(seconds)  # a bounded poll's pause, on this (non-async) test's thread


class Source:
    """A hand-set `UpstoxFeedSource`."""

    def __init__(self) -> None:
        self.session: UpstoxFeedLogin | None = None
        self.keys: dict[str, FeedInstrument] = {}

    def login(self) -> UpstoxFeedLogin | None:
        return self.session

    def instruments(self) -> Mapping[str, FeedInstrument]:
        return self.keys


@pytest.mark.anyio
async def test_the_feed_waits_for_a_session_and_for_a_new_one_after_a_refusal(clock: ManualClock):
    fake = create_fake(now=clock.now, feed_interval_secs=None)
    source = Source()
    waits: list[float] = []
    bus = InProcessBus()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    async with serving(fake) as ws_root:
        feed = UpstoxFeed(
            bus=bus,
            clock=clock,
            source=source,
            config=UpstoxFeedConfig(root=ws_root.replace("ws://", "http://"), wait_secs=30),
            sleep=sleep,
        )
        task = asyncio.create_task(feed.run())
        try:
            await eventually(lambda: len(waits) >= 2)  # no session yet
            source.session = UpstoxFeedLogin(user_id=1, access_token="stale")
            await eventually(lambda: len(waits) >= 4)  # a session, but no instruments
            source.keys = {INFY: FeedInstrument("NSE:INFY", 7457281)}
            await eventually(lambda: len(waits) >= 6)  # refused: the same token is not retried
            assert fake.state.feed.connections_opened == 0
            assert feed.published == 0
            source.session = UpstoxFeedLogin(user_id=1, access_token=mint_token(fake))
            await eventually(lambda: feed.published > 0)  # the subscribe's snapshot
            tick = feed.last("NSE:INFY")
            assert tick is not None
            assert (tick.last_price, tick.instrument_token) == (
                fake.state.book.price(INFY),
                7457281,
            )
            assert feed.keys == ("NSE:INFY",)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await bus.close()
    assert set(waits) == {30}
