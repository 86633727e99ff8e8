"""Seed 001's live account views: the connected broker's answer, cached ~30 s per user.

A fake broker adapter stands in for Kite (the real adapters are a later milestone): it
counts the calls that would spend the broker's rate limit and can fail the way Kite does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.domain.brokers import BrokerName
from tradertape.ports.broker import SessionExpired, TransientBrokerError
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

TOKEN = "kite-access-token-0123456789"
T = TypeVar("T")


class FakeKite:
    """The parts of a Kite adapter the account views read; `calls` counts API requests."""

    calls: list[str] = []
    failure: Exception | None = None

    def __init__(self, *, api_key: str, access_token: str) -> None:
        assert access_token == TOKEN  # the vault hands the adapter the decrypted token
        self.api_key = api_key

    def _answer(self, view: str, data: T) -> T:
        FakeKite.calls.append(view)
        if FakeKite.failure is not None:
            raise FakeKite.failure
        return data

    def holdings(self) -> list[dict[str, Any]]:
        holding = {"tradingsymbol": "INFY", "quantity": len(FakeKite.calls) + 1}
        return self._answer("holdings", [holding])

    def positions(self) -> dict[str, list[dict[str, Any]]]:
        return self._answer("positions", {"net": [], "day": []})

    def orders(self) -> list[dict[str, Any]]:
        return self._answer("orders", [])

    def trades(self) -> list[dict[str, Any]]:
        return self._answer("trades", [])

    def margins(self) -> dict[str, Any]:
        return self._answer("margins", {"equity": {"net": 12345.5}})


def connect_kite(client: TestClient, runtime: Runtime) -> None:
    FakeKite.calls = []
    FakeKite.failure = None
    runtime.account_views.register(BrokerName.KITE, FakeKite)  # type: ignore[arg-type]
    saved = client.post(
        "/api/brokers/kite/credentials", json={"api_key": "kitekey1", "access_token": TOKEN}
    )
    assert saved.json()["status"] == "connected", saved.text


def test_without_a_connected_broker_the_views_are_the_paper_account(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "p@x.in")
    client.post("/api/portfolio/funds", json={"amount": 50000})

    margins = client.get("/api/portfolio/margins")

    assert margins.headers["X-Broker"] == "paper"
    assert margins.json()["equity"]["available"]["cash"] == 50000.0
    assert client.get("/api/portfolio/holdings").json() == []


def test_connected_broker_is_asked_once_per_30_seconds(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)

    first = client.get("/api/portfolio/holdings")
    clock.advance(timedelta(seconds=29))
    cached = client.get("/api/portfolio/holdings")

    assert first.headers["X-Broker"] == "kite"
    assert first.json() == [{"tradingsymbol": "INFY", "quantity": 1}]
    assert cached.json() == first.json()
    assert cached.headers["Age"] == "29"
    assert FakeKite.calls == ["holdings"]

    clock.advance(timedelta(seconds=1))
    fresh = client.get("/api/portfolio/holdings")

    assert fresh.json() == [{"tradingsymbol": "INFY", "quantity": 2}]
    assert fresh.headers["Age"] == "0"
    assert FakeKite.calls == ["holdings", "holdings"]


def test_each_view_and_each_user_has_its_own_entry(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)
    client.get("/api/portfolio/margins")
    client.get("/api/portfolio/positions")
    client.get("/api/portfolio/margins")

    assert FakeKite.calls == ["margins", "positions"]

    sign_in(client, runtime, "other@x.in")  # no broker: paper, and no peek at k's cache
    other = client.get("/api/portfolio/margins")

    assert other.headers["X-Broker"] == "paper"
    assert other.json()["equity"]["net"] == 0.0
    assert FakeKite.calls == ["margins", "positions"]


def test_an_order_action_drops_the_users_cached_views(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)
    client.get("/api/portfolio/orders")
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": 1400,
    }
    client.post("/api/orders", json=order)
    client.get("/api/portfolio/orders")

    assert FakeKite.calls == ["orders", "orders"]


def test_an_expired_broker_token_is_a_409_asking_for_a_new_login(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)
    assert client.get("/api/portfolio/holdings").headers["X-Broker"] == "kite"

    clock.advance(timedelta(days=1))  # past Kite's 06:00 IST cut-off

    stale = client.get("/api/portfolio/holdings")
    assert stale.status_code == 409
    assert stale.json() == {"detail": "the kite session has expired: log in to kite again"}


def test_broker_failures_are_4xx_5xx_with_a_reason_and_are_not_cached(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)
    FakeKite.failure = TransientBrokerError("502 Bad Gateway")

    down = client.get("/api/portfolio/positions")

    assert down.status_code == 503
    assert down.json()["detail"] == "kite did not answer: 502 Bad Gateway"

    FakeKite.failure = None
    healed = client.get("/api/portfolio/positions")

    assert healed.json() == {"net": [], "day": []}
    assert FakeKite.calls == ["positions", "positions"]


def test_a_token_the_broker_refuses_is_marked_expired(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "k@x.in")
    connect_kite(client, runtime)
    FakeKite.failure = SessionExpired("TokenException: Incorrect `api_key` or `access_token`.")

    rejected = client.get("/api/portfolio/positions")

    assert rejected.status_code == 409
    assert "kite rejected the session" in rejected.json()["detail"]
    assert "log in to kite again" in rejected.json()["detail"]
    assert client.get("/api/brokers/kite/credentials").json()["status"] == "expired"
    again = client.get("/api/portfolio/holdings")  # no second call to the broker
    assert again.json() == {"detail": "the kite session has expired: log in to kite again"}
    assert FakeKite.calls == ["positions"]


def test_the_account_is_named_paper_or_a_broker_never_picked_for_the_caller(
    client: TestClient, runtime: Runtime
):
    """Issue 64: the web's account switch names the account; a connected broker does not
    take over ``book=paper`` (every paper book, nothing of the broker's)."""
    sign_in(client, runtime, "s@x.in")
    client.post("/api/portfolio/funds", json={"amount": 50000})
    connect_kite(client, runtime)

    paper = client.get("/api/portfolio/margins", params={"book": "paper"})
    kite = client.get("/api/portfolio/margins", params={"book": "live:kite"})
    holdings = client.get("/api/portfolio/holdings", params={"book": "paper"})

    assert paper.headers["X-Broker"] == "paper"
    assert paper.json()["equity"]["available"]["cash"] == 50000.0
    assert kite.headers["X-Broker"] == "kite"
    assert kite.json()["equity"]["net"] == 12345.5
    assert (holdings.headers["X-Broker"], holdings.json()) == ("paper", [])
    refused = client.get("/api/portfolio/holdings", params={"book": "papers"})
    assert refused.status_code == 422
    assert "paper" in refused.json()["detail"][0]["msg"]
