"""Assistant keys: a fixed scope, shown once, hashed at rest, listed with their last use,
revocable, and made only by a signed-in person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import sign_in
from tradertape.db.models import AssistantKey
from tradertape.errors import Unauthenticated
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.security.tokens import sha256_hex
from tradertape.services.accounts import assistant_keys


def test_a_key_is_shown_once_and_stored_as_its_hash(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")

    made = client.post("/api/assistant/keys", json={"name": "Claude", "scope": "paper"})

    assert made.status_code == 201, made.text
    secret = made.json()["api_key"]
    assert secret.startswith("zta_")
    assert len(secret) == 4 + 32
    assert made.json()["scope"] == "paper"
    listed = client.get("/api/assistant/keys")
    assert secret not in listed.text
    assert listed.json()[0]["masked_key"] == secret[:8] + "…"
    with runtime.db.session() as db:
        row = db.scalars(select(AssistantKey)).one()
        assert row.secret_hash == sha256_hex(secret)
        assert secret not in (row.prefix, row.secret_hash)


def test_last_use_is_listed_and_a_revoked_key_is_refused(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "a@x.in")
    made = client.post("/api/assistant/keys", json={"name": "Claude"}).json()
    assert made["scope"] == "read"
    assert made["last_used_at"] is None
    clock.advance(timedelta(minutes=5))
    with runtime.db.session() as db:
        assistant_keys.keys.authenticate(db, clock=clock, secret=made["api_key"])
    assert client.get("/api/assistant/keys").json()[0]["last_used_at"] is not None

    revoked = client.post(f"/api/assistant/keys/{made['id']}/revoke")

    assert revoked.json()["active"] is False
    with runtime.db.session() as db, pytest.raises(Unauthenticated, match="revoked assistant"):
        assistant_keys.keys.authenticate(db, clock=clock, secret=made["api_key"])


def test_an_unknown_scope_is_refused_naming_the_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")

    answer = client.post("/api/assistant/keys", json={"name": "x", "scope": "admin"})

    assert answer.status_code == 422
    assert "scope" in answer.text


def test_only_a_signed_in_session_makes_keys(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    secret = client.post("/api/assistant/keys", json={"scope": "live"}).json()["api_key"]
    stranger = TestClient(client.app)

    answer = stranger.post(
        "/api/assistant/keys",
        json={"scope": "live"},
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert answer.status_code == 401


def test_another_users_key_is_not_found(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    key_id = client.post("/api/assistant/keys", json={}).json()["id"]
    other = TestClient(client.app)
    sign_in(other, runtime, "b@x.in")

    assert other.post(f"/api/assistant/keys/{key_id}/revoke").status_code == 404
    assert other.get("/api/assistant/keys").json() == []
