"""Real concurrent HTTP requests with one idempotency key create exactly one order."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from tests.helpers import PASSWORD, make_user
from tradertape.api.app import create_app
from tradertape.api.process import UVICORN
from tradertape.db.models.trading import Order
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 3,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1400,
    "idempotency_key": "same-key-for-everyone",
}


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", **UVICORN
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(500):  # bounded wait for the socket, polling state
        try:
            httpx.get(f"{base}/api/health", timeout=0.2)
            break
        except httpx.TransportError:
            threading.Event().wait(0.01)
    yield base
    instance.should_exit = True
    thread.join(timeout=10)


def test_ten_simultaneous_requests_one_order(server: str, runtime: Runtime):
    make_user(runtime, "c@x.in")
    login = httpx.post(
        f"{server}/api/auth/password-login", json={"email": "c@x.in", "password": PASSWORD}
    )
    cookies = {"kite_session": login.cookies["kite_session"]}
    httpx.post(f"{server}/api/portfolio/funds", json={"amount": 100_000}, cookies=cookies)
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))  # rests
    start = threading.Barrier(10)

    def place(_: int) -> httpx.Response:
        start.wait()
        return httpx.post(f"{server}/api/orders", json=ORDER, cookies=cookies, timeout=30)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(place, range(10)))

    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["order_id"] for r in responses}) == 1
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 1
