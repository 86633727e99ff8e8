"""Worker tokens: the contract's fields and defaults, bearer auth, actions, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models import User
from tradertape.domain.worker_access import DEFAULT_ACTIONS
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _create(client: TestClient, **body: object) -> dict[str, Any]:
    response = client.post("/api/algo-workers/tokens", json={"name": "momentum", **body})
    assert response.status_code == 201, response.text
    body_out: dict[str, Any] = response.json()
    return body_out


def test_defaults_follow_the_worker_contract(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client)

    assert issued["token"].startswith("kwa_")
    assert issued["token_id"].startswith("worker_")
    assert len(issued["token_id"]) == len("worker_") + 16
    assert issued["account_scope"] == "kite:paper-a"  # the SDK's quick start's
    assert issued["allowed_modes"] == ["dry_run", "paper"]
    assert issued["allowed_actions"] == sorted(DEFAULT_ACTIONS)
    listed = client.get("/api/algo-workers/tokens").json()
    assert [t["token_id"] for t in listed] == [issued["token_id"]]
    assert "token" not in listed[0]
    assert issued["token"] not in client.get("/api/algo-workers/tokens").text


def test_health_and_heartbeat_with_the_token(client: TestClient, runtime: Runtime, clock):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client, allowed_templates=["ema_cross"], metadata={"team": "desk-1"})
    worker = TestClient(client.app)

    health = worker.get("/api/algo-workers/worker/health", headers=_bearer(issued["token"]))
    beat = worker.post(
        "/api/algo-workers/worker/heartbeat",
        json={"status": "healthy", "metrics": {"lag_ms": 3}},
        headers=_bearer(issued["token"]),
    )

    assert health.json() == {
        "status": "ok",
        "token_id": issued["token_id"],
        "account_scope": "kite:paper-a",
        "allowed_modes": ["dry_run", "paper"],
        "allowed_actions": sorted(DEFAULT_ACTIONS),
        "allowed_templates": ["ema_cross"],
    }
    assert beat.json()["token_id"] == issued["token_id"]
    listed = client.get("/api/algo-workers/tokens").json()[0]
    assert listed["last_heartbeat_at"] is not None
    assert listed["metadata"] == {"team": "desk-1"}


def test_missing_action_is_403(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client, allowed_actions=["runs:read"])
    response = TestClient(client.app).post(
        "/api/algo-workers/worker/heartbeat", json={}, headers=_bearer(issued["token"])
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "worker token lacks the 'heartbeat' action"}


def test_expired_token_is_401(client: TestClient, runtime: Runtime, clock: ManualClock):
    sign_in(client, runtime, "a@x.in")
    expires = (clock.now() + timedelta(hours=1)).isoformat()
    issued = _create(client, expires_at=expires)
    worker = TestClient(client.app)
    assert (
        worker.get("/api/algo-workers/worker/health", headers=_bearer(issued["token"])).status_code
        == 200
    )

    clock.advance(timedelta(hours=1))

    response = worker.get("/api/algo-workers/worker/health", headers=_bearer(issued["token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "worker token has expired"}


def test_a_disabled_accounts_token_is_401(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client)
    worker = TestClient(client.app)
    with runtime.db.session() as db:
        db.execute(update(User).where(User.email == "a@x.in").values(is_active=False))
        db.commit()

    response = worker.get("/api/algo-workers/worker/health", headers=_bearer(issued["token"]))

    assert response.status_code == 401
    assert response.json() == {"detail": "the token's account is disabled"}


def test_revoke_and_regenerate(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    first = _create(client)
    rotated = client.post(f"/api/algo-workers/tokens/{first['token_id']}/regenerate").json()
    worker = TestClient(client.app)
    health = "/api/algo-workers/worker/health"

    assert worker.get(health, headers=_bearer(first["token"])).status_code == 401
    assert worker.get(health, headers=_bearer(rotated["token"])).status_code == 200
    client.post(f"/api/algo-workers/tokens/{first['token_id']}/revoke")
    assert worker.get(health, headers=_bearer(rotated["token"])).status_code == 401
    again = client.post(f"/api/algo-workers/tokens/{first['token_id']}/regenerate")
    assert again.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"account_scope": "zerodha"}, "account_scope", id="scope-grammar"),
        pytest.param({"allowed_modes": ["yolo"]}, "allowed_modes", id="unknown-mode"),
        pytest.param({"allowed_modes": ["live"]}, "allowed_modes", id="live-on-paper-scope"),
        pytest.param({"allowed_modes": []}, "allowed_modes", id="no-mode"),
        pytest.param({"allowed_actions": ["root"]}, "allowed_actions", id="unknown-action"),
        pytest.param({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", id="past-expiry"),
        pytest.param({"allowed_modes": "paper"}, "allowed_modes", id="wrong-type"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    ],
)
def test_bad_token_specs_are_422_and_store_nothing(client: TestClient, runtime, body, field):
    sign_in(client, runtime, "a@x.in")
    response = client.post("/api/algo-workers/tokens", json={"name": "x", **body})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert client.get("/api/algo-workers/tokens").json() == []


def test_live_scope_token_may_allow_live(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client, account_scope="kite:AB1234", allowed_modes=["live", "paper"])
    assert issued["allowed_modes"] == ["live", "paper"]


def test_another_users_token_is_not_found(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    mine = _create(client)
    other = TestClient(client.app)
    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})

    assert other.post(f"/api/algo-workers/tokens/{mine['token_id']}/revoke").status_code == 404
    assert other.get("/api/algo-workers/tokens").json() == []


def test_agent_key_is_not_a_worker_token(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    key = client.post("/api/agent/keys", json={"name": "k"}).json()["api_key"]
    response = TestClient(client.app).get("/api/algo-workers/worker/health", headers=_bearer(key))
    assert response.status_code == 401
