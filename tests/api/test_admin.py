"""Admin endpoints: only admins, Class 0 grants, disabling accounts, no self-lockout."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models import User, WorkerReplay
from tradertape.runtime import Runtime


def test_non_admin_is_forbidden(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    response = client.get("/api/auth/admin/users")
    assert response.status_code == 403
    assert response.json() == {"detail": "admin only"}


def test_admin_grants_class_0_which_unlocks_secret_storage(client: TestClient, runtime):
    sign_in(client, runtime, "root@x.in", admin=True)
    member_id = make_user(runtime, "m@x.in")
    member = TestClient(client.app)
    member.post("/api/auth/password-login", json={"email": "m@x.in", "password": PASSWORD})
    body = {"api_key": "k", "api_secret": "s3cret-value"}
    assert member.post("/api/brokers/kite/credentials", json=body).status_code == 403

    granted = client.patch(
        f"/api/auth/admin/users/{member_id}", json={"cloud_secrets_allowed": True}
    )

    assert granted.json()["cloud_secrets_allowed"] is True
    assert member.post("/api/brokers/kite/credentials", json=body).status_code == 200
    emails = [u["email"] for u in client.get("/api/auth/admin/users").json()]
    assert emails == ["root@x.in", "m@x.in"]


def test_disabling_a_user_ends_sessions_keys_and_tokens(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "root@x.in", admin=True)
    member_id = make_user(runtime, "m@x.in")
    member = TestClient(client.app)
    member.post("/api/auth/password-login", json={"email": "m@x.in", "password": PASSWORD})
    key = member.post("/api/agent/keys", json={"name": "k"}).json()["api_key"]
    token = member.post("/api/algo-workers/tokens", json={"name": "w"}).json()["token"]

    client.patch(f"/api/auth/admin/users/{member_id}", json={"is_active": False})

    anonymous = TestClient(client.app)
    assert member.get("/api/auth/me").status_code == 401
    assert (
        anonymous.get("/api/agent/whoami", headers={"Authorization": f"Bearer {key}"}).status_code
        == 401
    )
    health = anonymous.get(
        "/api/algo-workers/worker/health", headers={"Authorization": f"Bearer {token}"}
    )
    assert health.status_code == 401
    login = anonymous.post(
        "/api/auth/password-login", json={"email": "m@x.in", "password": PASSWORD}
    )
    assert login.status_code == 401


def test_admin_cannot_lock_themselves_out(client: TestClient, runtime: Runtime):
    admin_id = sign_in(client, runtime, "root@x.in", admin=True)
    response = client.patch(f"/api/auth/admin/users/{admin_id}", json={"is_admin": False})
    assert response.status_code == 409
    assert client.get("/api/auth/me").json()["is_admin"] is True
    assert client.patch("/api/auth/admin/users/999", json={"is_admin": True}).status_code == 404
    bad = client.patch(f"/api/auth/admin/users/{admin_id}", json={"is_admin": "maybe"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "is_admin"


def test_a_replays_account_is_in_no_admin_list_and_takes_no_grant(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "root@x.in", admin=True)
    body = {
        "template_id": "basic-equity",
        "strategy_run_id": "run_admin_list",
        "replay": {"from": "2026-11-02", "to": "2026-11-02", "resolution": "day"},
    }
    assert client.post("/api/algo-workers/replays", json=body).status_code == 201
    with runtime.db.session() as db:
        replay = db.scalar(select(WorkerReplay))
        assert replay is not None
        account = replay.replay_user_id
        assert db.get(User, account) is not None  # the row is there: its books are its own

    listed = client.get("/api/auth/admin/users", params={"limit": 500}).json()
    assert [u["email"] for u in listed] == ["root@x.in"]
    granted = client.patch(f"/api/auth/admin/users/{account}", json={"is_admin": True})
    assert granted.status_code == 404
    assert granted.json() == {"detail": f"user {account} not found"}
    with runtime.db.session() as db:
        row = db.get(User, account)
        assert row is not None
        assert row.is_admin is False
