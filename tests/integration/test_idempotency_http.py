"""Real concurrent HTTP requests with one idempotency key create exactly one order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from tests.helpers import PASSWORD, make_user
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


def test_ten_simultaneous_requests_one_order(server: str, runtime: Runtime):
    make_user(runtime, "c@x.in")
    login = httpx.post(
        f"{server}/api/auth/password-login",
        json={"email": "c@x.in", "password": PASSWORD},
        timeout=30,
    )
    cookies = {"kite_session": login.cookies["kite_session"]}
    httpx.post(
        f"{server}/api/portfolio/funds", json={"amount": 100_000}, cookies=cookies, timeout=30
    )
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
