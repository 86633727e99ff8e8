"""Who reaches the agent API: only an agent key, and only its owner's rows (IDOR).

A session cookie or a worker token is refused on every agent route; the key is refused on
the web app's view of the agent and on the portfolio update; another user's signal is a
404 to the key, exactly as a missing one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import AGENT_PORTFOLIO
from tests.api.test_model_api import _deploy, _scan
from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime

HOLDINGS = {
    "broker": "kite",
    "as_of": "2025-06-02T10:00:00Z",
    "holdings": [
        {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "quantity": 7,
            "average_price": "1400",
            "last_price": "1500",
        }
    ],
}
AGENT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/agent/pending-signals", None),
    ("POST", "/api/agent/signal-result", {"signal_id": 1, "outcome": "placed"}),
    ("POST", "/api/agent/sync-holdings", HOLDINGS),
    ("POST", "/api/agent/sync-positions", {**HOLDINGS, "positions": []}),
    ("GET", "/api/agent/pending-token", None),
    ("POST", "/api/agent/access-token", {"access_token": "x"}),
    ("POST", "/api/agent/signals/1/approve", None),
    ("POST", "/api/agent/signals/1/reject", None),
    ("GET", "/api/agent/expected-positions", None),
    ("GET", "/api/agent/mutual-funds", None),
    ("GET", "/api/agent/alert-fires", None),
]


def _issue_key(client: TestClient) -> dict[str, str]:
    secret = client.post("/api/agent/keys", json={"name": "agent"}).json()["api_key"]
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def two_users(
    client: TestClient, with_candles: Runtime
) -> tuple[TestClient, dict[str, str], TestClient, dict[str, str], dict[str, Any]]:
    """Alice with an agent portfolio scanned into its cart, and Bob; each with a key."""
    sign_in(client, with_candles, "alice@x.in")
    portfolio = _deploy(client, **AGENT_PORTFOLIO)
    _scan(client, portfolio["id"])
    alice_key = _issue_key(client)
    bob = TestClient(client.app)
    make_user(with_candles, "bob@x.in")
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    bob_key = _issue_key(bob)
    return client, alice_key, bob, bob_key, portfolio


@pytest.mark.parametrize(("method", "path", "body"), AGENT_ROUTES, ids=lambda v: str(v))
def test_a_session_cookie_is_refused_on_the_agent_api(
    client: TestClient, runtime: Runtime, method: str, path: str, body: dict[str, Any] | None
):
    sign_in(client, runtime, "a@x.in")
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert "zt_" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), AGENT_ROUTES, ids=lambda v: str(v))
def test_a_worker_token_is_refused_on_the_agent_api(
    client: TestClient, runtime: Runtime, method: str, path: str, body: dict[str, Any] | None
):
    sign_in(client, runtime, "a@x.in")
    issued = client.post(
        "/api/algo-workers/tokens",
        json={"name": "w", "allowed_modes": ["paper"]},
    )
    assert issued.status_code == 201, issued.text
    worker = {"Authorization": f"Bearer {issued.json()['token']}"}
    response = TestClient(client.app).request(method, path, json=body, headers=worker)
    assert response.status_code == 401
    assert response.json()["detail"] == "agent endpoints take an agent key (zt_…)"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/trading-agent/status", None),
        ("GET", "/api/trading-agent/holdings", None),
        ("GET", "/api/trading-agent/positions", None),
        ("POST", "/api/trading-agent/relay/kite", {"request_token": "abc", "state": "s"}),
        ("PATCH", "/api/model/portfolios/1", {"executor": "server"}),
        ("POST", "/api/model/cart/place", {}),
        ("POST", "/api/model/signals/1/approve", None),
    ],
    ids=lambda v: str(v),
)
def test_the_key_reaches_nothing_else(
    client: TestClient, runtime: Runtime, method: str, path: str, body: dict[str, Any] | None
):
    sign_in(client, runtime, "a@x.in")
    key = _issue_key(client)
    response = TestClient(client.app).request(method, path, json=body, headers=key)
    assert response.status_code == 401
    assert "/api/agent/" in response.json()["detail"]


def test_another_users_key_sees_and_touches_nothing_of_alices(two_users: Any):
    alice, alice_key, bob, bob_key, portfolio = two_users
    agent = TestClient(alice.app)
    theirs = agent.get("/api/agent/pending-signals", headers=alice_key).json()["signals"]
    assert theirs
    signal = theirs[0]["signal_id"]
    assert agent.get("/api/agent/pending-signals", headers=bob_key).json()["signals"] == []
    for path, body in (
        ("/api/agent/signal-result", {"signal_id": signal, "outcome": "placed"}),
        ("/api/agent/signal-result", {"signal_id": signal, "outcome": "filled", "fill_price": 1}),
        (f"/api/agent/signals/{signal}/approve", None),
        (f"/api/agent/signals/{signal}/reject", None),
    ):
        response = agent.post(path, json=body, headers=bob_key)
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == f"signal {signal} not found"
    missing = agent.post(
        "/api/agent/signal-result",
        json={"signal_id": 999_999, "outcome": "placed"},
        headers=bob_key,
    )
    assert missing.json()["detail"] == "signal 999999 not found"
    (still,) = [
        s
        for s in alice.get("/api/model/signals", params={"status": "in_cart"}).json()
        if s["id"] == signal
    ]
    assert still["gtt_status"] is None
    # Alice's position is expected only by Alice's agent
    agent.post(
        "/api/agent/signal-result",
        json={
            "signal_id": signal,
            "outcome": "filled",
            "fill_price": theirs[0]["limit_price"],
            "order_id": "9",
        },
        headers=alice_key,
    )
    assert len(agent.get("/api/agent/expected-positions", headers=alice_key).json()) == 1
    assert agent.get("/api/agent/expected-positions", headers=bob_key).json() == []
    # Bob's PATCH of Alice's portfolio is a 404
    patched = bob.patch(f"/api/model/portfolios/{portfolio['id']}", json={"executor": "server"})
    assert patched.status_code == 404


def test_snapshots_status_and_relay_tokens_are_the_owners(two_users: Any):
    alice, alice_key, bob, bob_key, _ = two_users
    agent = TestClient(alice.app)
    assert agent.post("/api/agent/sync-holdings", json=HOLDINGS, headers=bob_key).is_success
    agent.get("/api/agent/pending-signals", headers={**bob_key, "X-Agent-Version": "9.9"})
    assert alice.get("/api/trading-agent/holdings").json() == []
    assert alice.get("/api/trading-agent/status").json()["agents"] == []
    assert bob.get("/api/trading-agent/holdings").json()[0]["holdings"][0]["quantity"] == 7
    assert bob.get("/api/trading-agent/status").json()["agents"][0]["version"] == "9.9"
    # Bob's agent cannot pick up a token left for Alice's, nor push one as her
    from tradertape.db.models import AgentTokenRelay

    runtime: Runtime = alice.app.state.runtime
    me = alice.get("/api/auth/me").json()
    with runtime.db.session() as db:
        db.add(
            AgentTokenRelay(
                user_id=me["id"],
                broker="kite",
                request_token="aliceTok",
                created_at=runtime.clock.now(),
            )
        )
        db.commit()
    assert (
        agent.get("/api/agent/pending-token", headers=alice_key).json()["request_token"]
        == "aliceTok"
    )
    assert agent.get("/api/agent/pending-token", headers=bob_key).json()["request_token"] is None
    pushed = agent.post("/api/agent/access-token", json={"access_token": "x"}, headers=bob_key)
    assert pushed.status_code == 409  # Bob saved no Kite key; Alice's session is untouched
    assert alice.get("/api/brokers/kite/credentials").json()["connected"] is False
