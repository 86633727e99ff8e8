"""Tick sockets are capped per user and in all (issue 66): one user's many sockets are
refused with 4429 while another user's still open, the server's share of open files for
tick sockets refuses with 1013 once used up, and the server takes connections only up to
its open-file limit less a reserve."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.errors import Overloaded
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.serving.open_files import (
    MIN_BUDGET,
    TickSocketCap,
    TooManySockets,
    connection_limit,
    open_files_limit,
)
from tradertape.settings import Settings

URL = "/api/ws/ticks"
CONNECTED = {"type": "status", "connected": True}


@pytest.fixture
def capped(settings: Settings, clock: ManualClock, database: Database) -> Iterator[TestClient]:
    """A server whose users hold at most two tick sockets each."""
    runtime = Runtime.build(
        settings.model_copy(update={"tick_sockets_per_user": 2}),
        clock=clock,
        db=database,
        transport=LogTransport(),
    )
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield client


def cookie_of(client: TestClient, email: str) -> str:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=email)
        return runtime.sessions.start(db, user=user, ip=None, user_agent=None)


def connect(client: TestClient, stack: ExitStack, cookie: str) -> WebSocketTestSession:
    client.cookies.set("kite_session", cookie)
    return stack.enter_context(client.websocket_connect(URL))


def refused(socket: WebSocketTestSession) -> tuple[int, str, str]:
    """The error message's detail, then the close code and reason."""
    detail = socket.receive_json()["detail"]
    with pytest.raises(WebSocketDisconnect) as closed:
        socket.receive_json()
    return closed.value.code, closed.value.reason, detail


def test_one_user_holds_a_bounded_number_of_tick_sockets(capped: TestClient):
    many, other = cookie_of(capped, "many@x.in"), cookie_of(capped, "other@x.in")
    cap: TickSocketCap = capped.app.state.tick_sockets  # type: ignore[attr-defined]
    with ExitStack() as stack:
        for _ in range(2):
            assert connect(capped, stack, many).receive_json() == CONNECTED
        code, reason, detail = refused(connect(capped, stack, many))
        assert code == 4429
        assert (
            reason
            == detail
            == ("too many tick sockets: 2 at once per user; close a tab's market watch and retry")
        )
        assert connect(capped, stack, other).receive_json() == CONNECTED  # others still can
        assert cap.open() == 3
    assert cap.open() == 0  # each place given back as its socket closed
    with ExitStack() as stack:
        assert connect(capped, stack, many).receive_json() == CONNECTED


def test_tick_sockets_past_the_servers_share_are_told_to_retry(capped: TestClient):
    capped.app.state.tick_sockets = TickSocketCap(per_user=8, total=1)  # type: ignore[attr-defined]
    first, second = cookie_of(capped, "a@x.in"), cookie_of(capped, "b@x.in")
    with ExitStack() as stack:
        assert connect(capped, stack, first).receive_json() == CONNECTED
        code, reason, _detail = refused(connect(capped, stack, second))
    assert code == 1013
    assert reason == "the server holds all the tick sockets it can; retry shortly"


def test_the_caps_count_each_user_and_everyone():
    cap = TickSocketCap(per_user=2, total=3)
    cap.take(1)
    cap.take(1)
    with pytest.raises(TooManySockets):
        cap.take(1)
    cap.take(2)
    with pytest.raises(Overloaded):
        cap.take(3)  # everyone's share used up, though user 3 holds none
    cap.give_back(1)
    cap.take(3)
    assert (cap.open(1), cap.open(2), cap.open(3), cap.open()) == (1, 1, 1, 3)


def test_connections_leave_the_reserve_of_open_files():
    assert connection_limit(256, limit=1024) == 768
    assert connection_limit(256, limit=200) == MIN_BUDGET  # a tiny limit still serves
    assert connection_limit(256) == max(open_files_limit() - 256, MIN_BUDGET)
