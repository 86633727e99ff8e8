"""A real server under bursts: floods of bad credentials and of one order, and a pool
held by someone else. Each answer is a 2xx/4xx, or a 503 with Retry-After, never a 500 or
a wait on the pool."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tradertape.api.app import create_app
from tradertape.db.models.trading import Order
from tradertape.jobs.trading import trading_loop
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.testkit import make_tick

FLOOD = 100
BOUND_S = 10.0  # far from the failure mode (each flood took 60 s, the pool's 30 s twice)
MADE_UP = "A" * 43  # the shape of a session token, and none of ours


def _session(runtime: Runtime, email: str) -> str:
    with runtime.db.session() as db:
        user = create_user(db, clock=runtime.clock, email=email)
        runtime.exchange.deposit(db, user_id=user.id, amount=Decimal(1_000_000))
        return runtime.sessions.start(db, user=user, ip=None, user_agent=None)


def _flood_with_bystanders(
    server: str, cookies: list[str], good: str
) -> tuple[list[httpx.Response], httpx.Response, httpx.Response, float]:
    """Send the flood; once it is on the wire, a health check and a signed-in read."""

    async def run() -> tuple[list[httpx.Response], httpx.Response, httpx.Response, float]:
        limits = httpx.Limits(max_connections=FLOOD + 10)
        async with httpx.AsyncClient(base_url=server, limits=limits, timeout=30) as client:
            started = time.perf_counter()
            flood = [
                asyncio.create_task(
                    client.get("/api/portfolio/orders", headers={"Cookie": f"kite_session={c}"})
                )
                for c in cookies
            ]
            await asyncio.sleep(0)  # every flood request is started before the bystanders
            health = client.get("/api/health")
            mine = client.get("/api/portfolio/orders", headers={"Cookie": f"kite_session={good}"})
            health_answer, my_answer = await asyncio.gather(health, mine)
            answers = await asyncio.gather(*flood)
            return answers, health_answer, my_answer, time.perf_counter() - started

    return asyncio.run(run())


@pytest.mark.parametrize(
    "distinct",
    [pytest.param(False, id="one-made-up-cookie"), pytest.param(True, id="each-its-own-cookie")],
)
def test_a_flood_of_bad_cookies_leaves_health_and_signed_in_users_served(
    server: str, runtime: Runtime, distinct: bool
):
    good = _session(runtime, "me@x.in")
    cookies = [secrets.token_urlsafe(32) if distinct else MADE_UP for _ in range(FLOOD)]

    answers, health, mine, elapsed = _flood_with_bystanders(server, cookies, good)

    assert [a.status_code for a in answers] == [401] * FLOOD
    assert {a.json()["detail"] for a in answers} == {"session expired or signed out; sign in again"}
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    assert mine.status_code == 200
    assert mine.json() == []
    assert elapsed < BOUND_S


def test_a_malformed_cookie_is_refused_without_a_lookup(client: TestClient):
    screen = client.app.state.credentials  # type: ignore[attr-defined]
    for cookie in ("short", "A" * 44, "A" * 42 + "!"):
        client.cookies.set("kite_session", cookie)
        response = client.get("/api/portfolio/orders")
        assert response.status_code == 401
        assert response.json() == {"detail": "session expired or signed out; sign in again"}
    client.cookies.set("kite_session", MADE_UP)
    for _ in range(3):
        assert client.get("/api/portfolio/orders").status_code == 401
    # The well-formed one was looked up once (in the credential lane, or by the read itself
    # where desk reads run on the loop); its repeats came from the cache.
    assert screen.checks + screen.noted == 1


def test_signing_out_takes_effect_at_once_for_a_cached_session(
    client: TestClient, runtime: Runtime
):
    client.cookies.set("kite_session", _session(runtime, "out@x.in"))
    assert client.get("/api/portfolio/orders").status_code == 200
    assert client.post("/api/auth/logout").status_code in (200, 204)
    response = client.get("/api/portfolio/orders")
    assert response.status_code == 401


ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 1,
    "product": "CNC",
    "order_type": "LIMIT",
    "price": 1400,
    "idempotency_key": "one-order-for-two-hundred",
}


def test_two_hundred_identical_orders_place_one_and_none_is_a_500(server: str, runtime: Runtime):
    """A retry storm of one keyed order: one order, every answer that order or a 503 the
    client may retry (on a slow machine the queue's 5 s bound can run out before the last
    of 200 is admitted: that is the overload answer, with its Retry-After), never a 500."""
    cookie = _session(runtime, "burst@x.in")
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))  # rests

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=210)
        headers = {"Cookie": f"kite_session={cookie}"}
        async with httpx.AsyncClient(
            base_url=server, limits=limits, timeout=30, headers=headers
        ) as client:
            burst = await asyncio.gather(
                *(client.post("/api/orders", json=ORDER) for _ in range(200))
            )
            for busy in (a for a in burst if a.status_code == 503):
                assert busy.headers["retry-after"] == "1"
                assert busy.json()["detail"].startswith("the server is busy")
            # What a client does with a 503: ask again after Retry-After (here, at once).
            return [
                await client.post("/api/orders", json=ORDER) if a.status_code == 503 else a
                for a in burst
            ]

    answers = asyncio.run(run())

    assert {a.status_code for a in answers} <= {200, 201}, [
        a.json() for a in answers if a.status_code >= 300
    ]
    assert len({a.json()["order_id"] for a in answers}) == 1
    # One answer created it; every other one, racing, late or retried, says it is a replay.
    assert [a.status_code for a in answers].count(201) == 1
    assert sum(not a.json()["replayed"] for a in answers) == 1
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Order)) == 1


@contextmanager
def holding_every_connection(runtime: Runtime) -> Iterator[None]:
    """Every connection of the request pool checked out, here, for the block."""
    pool = runtime.db.engine.pool
    capacity = pool.size() + max(0, pool._max_overflow)  # type: ignore[attr-defined]
    with ExitStack() as stack:
        for _ in range(capacity):
            stack.enter_context(runtime.db.engine.connect())
        yield


@pytest.fixture
def held_pool(runtime: Runtime) -> Iterator[None]:
    with holding_every_connection(runtime):
        yield


def test_an_exhausted_pool_is_a_503_with_retry_after(
    runtime: Runtime, client: TestClient, held_pool: None
):
    client.cookies.set("kite_session", MADE_UP)
    response = client.get("/api/auth/me")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "retry" in response.json()["detail"]


def test_desk_reads_on_the_loop_need_no_request_connection(runtime: Runtime, client: TestClient):
    client.cookies.set("kite_session", _session(runtime, "desk@x.in"))
    with holding_every_connection(runtime):
        response = client.get("/api/portfolio/orders")
    if runtime.db.loop_reads is None:  # PostgreSQL: desk reads take the request pool
        assert response.status_code == 503
    else:  # a SQLite file: the loop's own connection answers
        assert response.status_code == 200, response.text
        assert response.json() == []


def test_health_does_not_wait_on_an_exhausted_request_pool(client: TestClient, held_pool: None):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_a_full_admission_queue_is_answered_503_at_once(runtime: Runtime, settings):
    tight = settings.model_copy(update={"request_queue_max": 1, "request_queue_secs": 5.0})
    busy = Runtime.build(tight, clock=runtime.clock, db=runtime.db)
    app = create_app(busy)
    gates = app.state.gates
    with TestClient(app, base_url="http://testserver") as client:
        assert client.portal is not None
        for _ in range(gates.requests.capacity):
            client.portal.call(gates.requests.acquire)
        waiter = client.portal.start_task_soon(gates.requests.acquire)  # the one queued
        while gates.requests.waiting < 1:
            client.portal.call(asyncio.sleep, 0)
        response = client.get("/api/health")
        assert response.status_code == 200  # health needs no slot
        response = client.get("/api/auth/me")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "queue full" in response.json()["detail"]
        client.portal.call(gates.requests.release)
        waiter.result(timeout=5)  # the queued one got the slot
        assert gates.requests.held == gates.requests.capacity


def test_the_trading_loop_fills_while_requests_hold_every_connection(
    client: TestClient, runtime: Runtime
):
    client.cookies.set("kite_session", _session(runtime, "rest@x.in"))
    runtime.quotes.update(make_tick("NSE:INFY", "1500", ts=runtime.clock.now()))
    resting = client.post("/api/orders", json={**ORDER, "idempotency_key": "rests-at-1400"})
    assert resting.status_code == 201, resting.text
    loop = trading_loop(runtime)

    with holding_every_connection(runtime):
        report = loop.on_ticks([make_tick("NSE:INFY", "1395", ts=runtime.clock.now())])
        assert loop.run_jobs(force=True)

    assert report.fills == 1
    history = client.get(f"/api/orders/{resting.json()['order_id']}/history").json()
    assert history[-1]["status"] == "COMPLETE"
