"""An agent key (``zt_…``) reaches the agent API and nothing else.

The local agent polls for signals and reports back (seed 000); it never needs to store broker
credentials, place orders or change risk rules, so a leaked key must not be able to.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.db.models import AgentKey
from tradertape.runtime import Runtime
from tradertape.services.accounts import agent_keys

OPERATOR_WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/brokers/kite/credentials", {"api_key": "attacker"}),
    ("POST", "/api/auth/kite-credentials", {"api_key": "attacker"}),
    ("DELETE", "/api/brokers/kite/credentials", {}),
    (
        "POST",
        "/api/orders",
        {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "BUY",
            "quantity": 1,
            "product": "CNC",
            "order_type": "MARKET",
        },
    ),
    ("POST", "/api/risk/rules", {"type": "max_order_value", "threshold_amount": "1"}),
    ("POST", "/api/risk/kill-switch", {"on": True}),
    ("POST", "/api/portfolio/funds", {"amount": "1000"}),
    ("POST", "/api/agent/keys", {"name": "another"}),
]


@pytest.fixture
def legacy_key(client: TestClient, runtime: Runtime) -> str:
    """A key issued when keys could hold ``read``/``write`` (stored rows still may)."""
    user_id = sign_in(client, runtime, "a@x.in")
    client.post("/api/auth/kite-credentials", json={"api_key": "mine"})
    with runtime.db.session() as db:
        row = AgentKey(
            user_id=user_id,
            name="old",
            scopes=["agent", "read", "write"],
            created_at=runtime.clock.now(),
        )
        return agent_keys.keys.issue(db, row).secret


def _what_a_key_could_change(client: TestClient) -> tuple[Any, ...]:
    """The signed-in owner's view of everything a write through the key could touch."""
    return (
        client.get("/api/brokers/kite/credentials").json(),
        client.get("/api/risk/rules").json(),
        client.get("/api/risk/state").json()["kill_switch"],
        client.get("/api/portfolio/orders").json(),
        client.get("/api/portfolio/margins").json(),
        client.get("/api/agent/keys").json(),
    )


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_WRITES, ids=lambda v: str(v))
def test_an_agent_key_cannot_write_the_operator_api(
    client: TestClient, legacy_key: str, method: str, path: str, body: dict[str, Any]
):
    before = _what_a_key_could_change(client)
    anonymous = TestClient(client.app)
    response = anonymous.request(
        method, path, json=body or None, headers={"Authorization": f"Bearer {legacy_key}"}
    )
    assert response.status_code == 401
    assert "/api/agent/" in response.json()["detail"]
    after = _what_a_key_could_change(client)
    assert after[0]["api_key"] == "mine"
    assert after[:4] == before[:4]
    assert after[4] == before[4]
    assert [k["id"] for k in after[5]] == [k["id"] for k in before[5]]


@pytest.mark.parametrize(
    "path", ["/api/auth/me", "/api/portfolio/holdings", "/api/risk/rules", "/api/strategies"]
)
def test_an_agent_key_cannot_read_the_operator_api(client: TestClient, legacy_key: str, path):
    response = TestClient(client.app).get(path, headers={"Authorization": f"Bearer {legacy_key}"})
    assert response.status_code == 401


def test_the_agent_api_takes_the_key(client: TestClient, legacy_key: str):
    whoami = TestClient(client.app).get(
        "/api/agent/whoami", headers={"Authorization": f"Bearer {legacy_key}"}
    )
    assert whoami.status_code == 200
    assert whoami.json()["key_name"] == "old"


def test_new_keys_cannot_ask_for_operator_scopes(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    assert client.post("/api/agent/keys", json={"name": "k"}).json()["scopes"] == ["agent"]
    refused = client.post("/api/agent/keys", json={"name": "k", "scopes": ["agent", "write"]})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "scopes"
    assert len(client.get("/api/agent/keys").json()) == 1
