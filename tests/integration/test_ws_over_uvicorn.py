"""The tick WebSocket over a real uvicorn with `serve`'s options (the sans-I/O protocol):
the handshake, the session cookie, control replies and the refusal's close code."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user

OPEN_S = 30  # the handshake's bound: 10 s by default, passed once by a CI machine under load


def _cookie(runtime: Runtime) -> str:
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email="trader@x.in")
        return runtime.sessions.start(db, user=user, ip=None, user_agent=None)


def _url(server: str) -> str:
    return server.replace("http://", "ws://") + "/api/ws/ticks"


def test_a_signed_in_client_subscribes(server: str, runtime: Runtime):
    cookie = _cookie(runtime)
    cookies = {"Cookie": f"kite_session={cookie}"}
    with connect(_url(server), additional_headers=cookies, open_timeout=OPEN_S) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"type": "status", "connected": True}
        ws.send(json.dumps({"action": "subscribe", "symbols": ["infy"], "mode": "ltp"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "subscribed", "symbols": ["NSE:INFY"]}
        ws.send(json.dumps({"action": "subscribe", "symbols": ["NOPE"]}))
        reply = json.loads(ws.recv(timeout=5))
        assert reply["type"] == "error"
        assert "NOPE" in reply["detail"]


def test_no_cookie_is_refused_with_4401(server: str):
    with connect(_url(server), open_timeout=OPEN_S) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"type": "error", "detail": "not signed in"}
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
