"""The agent's access token is checked with Kite (the fake, on loopback) before the server
keeps it as the user's session (issue 49): a forged or dead token stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.helpers import sign_in
from tradertape.domain.brokers import BrokerName
from tradertape.fakebrokers.kite import DEFAULT_API_KEY
from tradertape.runtime import Runtime
from tradertape.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake)


def test_a_token_kite_refuses_is_422_and_stores_nothing(
    client: TestClient, runtime: Runtime, fake: Fake
):
    sign_in(client, runtime, "alice@x.in")
    assert client.post("/api/auth/kite-credentials", json={"api_key": DEFAULT_API_KEY}).is_success
    issued = client.post("/api/agent/keys", json={"name": "laptop"}).json()
    agent, key = TestClient(client.app), {"Authorization": f"Bearer {issued['api_key']}"}
    me = client.get("/api/auth/me").json()["id"]

    def push(token: str) -> Any:
        return agent.post(
            "/api/agent/access-token", headers=key, json={"broker": "kite", "access_token": token}
        )

    forged = push("any-string-at-all")
    assert forged.status_code == 422, forged.text
    assert forged.json()["detail"][0]["field"] == "access_token"
    assert "kite refused the token" in forged.text
    dead = fake.login().access_token
    assert fake.kite.sessions.logout(dead)  # logged out at Kite: no longer a session
    assert push(dead).status_code == 422
    with runtime.db.session() as db:
        assert runtime.brokers.access_token(db, user_id=me, broker=BrokerName.KITE) is None
    assert client.get("/api/brokers/kite/credentials").json()["connected"] is False

    live = fake.login().access_token
    taken = push(live)
    assert taken.status_code == 200, taken.text
    assert taken.json()["connected"] is True
    with runtime.db.session() as db:
        assert runtime.brokers.access_token(db, user_id=me, broker=BrokerName.KITE) == live
