"""``WS /api/ws/ticks``: seed 001's protocol over Starlette's test WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.helpers import sign_in
from tests.market import OPEN, make_feed
from tradertape.api.app import create_app
from tradertape.bus import InProcessBus
from tradertape.bus.memory import InProcessSubscription
from tradertape.db.engine import Database
from tradertape.feed import stream
from tradertape.feed.simulated import SimulatedFeed
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.settings import Settings

URL = "/api/ws/ticks"


@pytest.fixture
def feed(runtime: Runtime, clock: ManualClock) -> SimulatedFeed:
    assert clock.now() == OPEN.replace(hour=10, minute=0)  # the suite's clock: Friday 10:00 IST
    return make_feed(runtime.bus, clock)


def quick_session(client: TestClient, runtime: Runtime) -> None:
    """A signed-in cookie without password hashing (the password flow has its own tests)."""
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email="trader@x.in")
        token = runtime.sessions.start(db, user=user, ip=None, user_agent=None)
    client.cookies.set("kite_session", token)


@pytest.fixture
def ws(client: TestClient, runtime: Runtime) -> Iterator[WebSocketTestSession]:
    quick_session(client, runtime)
    with client.websocket_connect(URL) as socket:
        assert socket.receive_json() == {"type": "status", "connected": True}
        yield socket


def tick(client: TestClient, feed: SimulatedFeed, clock: ManualClock, minutes: int = 1) -> None:
    """Advance the market (on the app's event loop, as the feed's task would)."""
    assert client.portal is not None
    client.portal.call(feed.advance_to, clock.advance(timedelta(minutes=minutes)))


def subscribe(ws: WebSocketTestSession, *symbols: str, **extra: Any) -> dict[str, Any]:
    ws.send_json({"action": "subscribe", "symbols": list(symbols), **extra})
    reply: dict[str, Any] = ws.receive_json()
    return reply


def test_unauthenticated_sockets_are_closed_with_4401(client: TestClient):
    with client.websocket_connect(URL) as socket:
        assert socket.receive_json() == {"type": "error", "detail": "not signed in"}
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


def test_a_stale_cookie_is_closed_with_4401(client: TestClient):
    client.cookies.set("kite_session", "not-a-session")
    with client.websocket_connect(URL) as socket:
        socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4401


def test_a_cross_origin_handshake_is_closed_with_4403(client: TestClient, runtime: Runtime):
    quick_session(client, runtime)
    with client.websocket_connect(URL, headers={"Origin": "https://evil.example"}) as socket:
        assert socket.receive_json()["detail"] == "cross-origin WebSocket refused"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 4403


def test_a_password_login_cookie_opens_the_socket_for_a_same_origin_browser(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "trader@x.in")
    with client.websocket_connect(URL, headers={"Origin": "http://testserver"}) as socket:
        assert socket.receive_json() == {"type": "status", "connected": True}


def test_subscribe_then_ticks_in_quote_mode(
    ws: WebSocketTestSession, client: TestClient, feed: SimulatedFeed, clock: ManualClock
):
    assert subscribe(ws, "NSE:RELIANCE", "infy", mode="quote") == {
        "type": "subscribed",
        "symbols": ["NSE:RELIANCE", "NSE:INFY"],
    }
    tick(client, feed, clock)
    message = ws.receive_json()
    assert message["type"] == "ticks"
    assert set(message["data"]) == {"NSE:RELIANCE", "NSE:INFY"}
    reliance = message["data"]["NSE:RELIANCE"]
    last = feed.last("NSE:RELIANCE")
    assert last is not None
    assert reliance["ltp"] == reliance["last_price"] == float(last.last_price)
    assert reliance["high"] == reliance["ohlc"]["high"]
    assert reliance["low"] == reliance["ohlc"]["low"]
    assert reliance["timestamp"] == "2026-11-20T10:01:00.000+05:30"
    assert {"volume", "last_quantity", "change", "instrument_token"} <= set(reliance)
    assert "depth" not in reliance


def test_the_default_mode_is_quote_and_full_adds_depth(
    ws: WebSocketTestSession, client: TestClient, feed: SimulatedFeed, clock: ManualClock
):
    subscribe(ws, "NSE:TCS")
    tick(client, feed, clock)
    assert "ohlc" in ws.receive_json()["data"]["NSE:TCS"]
    subscribe(ws, "NSE:TCS", mode="full")
    tick(client, feed, clock)
    depth = ws.receive_json()["data"]["NSE:TCS"]["depth"]
    assert len(depth["buy"]) == len(depth["sell"]) == 5


def test_subscribing_sends_the_last_tick_at_once(
    ws: WebSocketTestSession, client: TestClient, feed: SimulatedFeed, clock: ManualClock
):
    subscribe(ws, "NSE:TCS")
    tick(client, feed, clock)
    ws.receive_json()
    assert subscribe(ws, "NSE:INFY", mode="ltp")["symbols"] == ["NSE:INFY"]
    snapshot = ws.receive_json()
    assert snapshot["type"] == "ticks"
    assert set(snapshot["data"]["NSE:INFY"]) == {"ltp", "instrument_token", "last_price"}


def test_unknown_symbols_are_named_and_the_rest_subscribed(
    ws: WebSocketTestSession, client: TestClient, feed: SimulatedFeed, clock: ManualClock
):
    ws.send_json({"action": "subscribe", "symbols": ["NSE:XYZ", "NSE:TCS", "FOO:BAR"]})
    assert ws.receive_json() == {"type": "error", "detail": "unknown instrument 'NSE:XYZ'"}
    assert ws.receive_json() == {"type": "error", "detail": "unknown instrument 'FOO:BAR'"}
    assert ws.receive_json() == {"type": "subscribed", "symbols": ["NSE:TCS"]}
    tick(client, feed, clock)  # still connected
    assert set(ws.receive_json()["data"]) == {"NSE:TCS"}


def test_unsubscribe_stops_a_symbol(
    ws: WebSocketTestSession, client: TestClient, feed: SimulatedFeed, clock: ManualClock
):
    subscribe(ws, "NSE:TCS", "NSE:INFY")
    ws.send_json({"action": "unsubscribe", "symbols": ["NSE:INFY", "NSE:NOPE"]})
    assert ws.receive_json() == {"type": "error", "detail": "unknown instrument 'NSE:NOPE'"}
    tick(client, feed, clock)
    assert set(ws.receive_json()["data"]) == {"NSE:TCS"}


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        pytest.param("{not json", "malformed JSON", id="malformed-json"),
        pytest.param("[1, 2]", "expected {", id="not-an-object"),
        pytest.param('{"action": "ping"}', "unknown action 'ping'", id="unknown-action"),
        pytest.param('{"action": "subscribe"}', '"symbols" must be a list', id="no-symbols"),
        pytest.param(
            '{"action": "subscribe", "symbols": "NSE:INFY"}', "must be a list", id="symbols-str"
        ),
        pytest.param(
            '{"action": "subscribe", "symbols": ["NSE:INFY"], "mode": "depth"}',
            "unknown mode 'depth'; use 'ltp', 'quote' or 'full'",
            id="unknown-mode",
        ),
    ],
)
def test_mistakes_get_an_error_and_the_socket_stays_open(
    ws: WebSocketTestSession, frame: str, detail: str
):
    ws.send_text(frame)
    reply = ws.receive_json()
    assert reply["type"] == "error"
    assert detail in reply["detail"]
    assert subscribe(ws, "NSE:TCS")["type"] == "subscribed"


def test_binary_frames_get_an_error(ws: WebSocketTestSession):
    ws.send_bytes(b"\x00\x01")
    assert ws.receive_json() == {"type": "error", "detail": "send JSON text frames, not binary"}


def test_a_connection_has_a_symbol_limit(ws: WebSocketTestSession, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stream, "MAX_SYMBOLS", 2)
    assert subscribe(ws, "NSE:TCS", "NSE:INFY")["type"] == "subscribed"
    assert subscribe(ws, "NSE:RELIANCE") == {
        "type": "error",
        "detail": "at most 2 symbols per connection",
    }


def test_too_many_symbols_in_one_message_are_refused(
    ws: WebSocketTestSession, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(stream, "MAX_SYMBOLS", 2)
    reply = subscribe(ws, "NSE:TCS", "NSE:INFY", "NSE:NOPE")
    assert reply == {"type": "error", "detail": "at most 2 symbols per connection"}


def test_an_unreachable_bus_closes_with_1011(
    settings: Settings, clock: ManualClock, database: Database
):
    class DownBus(InProcessBus):
        async def subscribe(self, *patterns: str) -> InProcessSubscription:
            raise ConnectionError("redis is down")

    runtime = Runtime.build(
        settings, clock=clock, db=database, transport=LogTransport(), bus=DownBus()
    )
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        quick_session(client, runtime)
        with client.websocket_connect(URL) as socket:
            assert socket.receive_json()["detail"] == "market data unavailable"
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
    assert closed.value.code == 1011
