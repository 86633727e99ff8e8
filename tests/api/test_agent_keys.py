"""Agent API keys: shown once, stored hashed, masked in lists, scoped, revocable, rotatable."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models import AgentKey
from tradertape.runtime import Runtime
from tradertape.services.accounts import agent_keys


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _create(client: TestClient, **body: object) -> dict[str, Any]:
    response = client.post("/api/agent/keys", json={"name": "laptop", **body})
    assert response.status_code == 201, response.text
    body_out: dict[str, Any] = response.json()
    return body_out


def test_create_shows_key_once_and_list_masks_it(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client)

    key = issued["api_key"]
    assert key.startswith("zt_")
    assert len(key) == 3 + 32
    listed = client.get("/api/agent/keys").json()
    assert len(listed) == 1
    assert "api_key" not in listed[0]
    assert listed[0]["masked_key"] == key[:7] + "…"
    assert key not in client.get("/api/agent/keys").text


def test_key_authenticates_as_its_user(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "a@x.in")
    key = _create(client)["api_key"]
    anonymous = TestClient(client.app)

    whoami = anonymous.get("/api/agent/whoami", headers=_bearer(key))

    assert whoami.json()["user_id"] == user_id
    assert whoami.json()["scopes"] == ["agent"]


def test_a_key_without_the_agent_scope_reaches_nothing(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "a@x.in")
    with runtime.db.session() as db:  # only keys issued before the one-API rule hold this
        row = AgentKey(user_id=user_id, name="r", scopes=["read"], created_at=runtime.clock.now())
        read_only = agent_keys.keys.issue(db, row).secret
    anonymous = TestClient(client.app)

    agent = anonymous.get("/api/agent/whoami", headers=_bearer(read_only))
    assert agent.status_code == 403
    assert "'agent' scope" in agent.json()["detail"]
    assert anonymous.get("/api/auth/me", headers=_bearer(read_only)).status_code == 401


def test_unknown_scope_is_422_naming_the_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    response = client.post("/api/agent/keys", json={"name": "x", "scopes": ["admin"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "scopes"
    assert client.get("/api/agent/keys").json() == []


def test_revoked_key_is_401(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client)
    revoked = client.post(f"/api/agent/keys/{issued['id']}/revoke")
    assert revoked.json()["active"] is False

    response = TestClient(client.app).get("/api/agent/whoami", headers=_bearer(issued["api_key"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or revoked API key"}


def test_regenerate_replaces_the_secret(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = _create(client)
    fresh = client.post(f"/api/agent/keys/{issued['id']}/regenerate").json()
    anonymous = TestClient(client.app)

    assert fresh["id"] == issued["id"]
    assert fresh["api_key"] != issued["api_key"]
    assert anonymous.get("/api/agent/whoami", headers=_bearer(issued["api_key"])).status_code == 401
    assert anonymous.get("/api/agent/whoami", headers=_bearer(fresh["api_key"])).status_code == 200


def test_missing_malformed_and_wrong_kind_of_bearer_are_401(client: TestClient, runtime):
    anonymous = TestClient(client.app)
    assert anonymous.get("/api/agent/whoami").status_code == 401
    assert (
        anonymous.get("/api/agent/whoami", headers={"Authorization": "Basic abc"}).status_code
        == 401
    )
    assert anonymous.get("/api/agent/whoami", headers=_bearer("zt_" + "x" * 32)).status_code == 401
    assert anonymous.get("/api/auth/me", headers=_bearer("kwa_" + "x" * 32)).status_code == 401


def test_another_users_key_cannot_be_touched(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    mine = _create(client)
    other = TestClient(client.app)
    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})

    assert other.get("/api/agent/keys").json() == []
    assert other.post(f"/api/agent/keys/{mine['id']}/revoke").status_code == 404
    assert other.post(f"/api/agent/keys/{mine['id']}/regenerate").status_code == 404
    assert other.post("/api/agent/keys/9999/revoke").status_code == 404
    assert client.get("/api/agent/keys").json()[0]["active"] is True


def test_keys_cannot_mint_keys(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    key = _create(client)["api_key"]
    response = TestClient(client.app).post(
        "/api/agent/keys", json={"name": "x"}, headers=_bearer(key)
    )
    assert response.status_code == 401
