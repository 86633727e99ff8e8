"""The bell: unread notifications counted, listed and marked read up to what was shown;
owners only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, sign_in
from tradertape.runtime import Runtime
from tradertape.services.notifications import events as notifications
from tradertape.services.notifications.events import Kind


def _notify(runtime: Runtime, user_id: int, text: str) -> None:
    with runtime.db.session() as db:
        notifications.add(
            db, user_id=user_id, kind=Kind.RISK_BREACH, text=text, at=runtime.clock.now()
        )
        db.commit()


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> tuple[TestClient, int]:
    return client, sign_in(client, runtime, "alice@x.in")


def test_unread_count_and_marking_read_up_to_what_was_shown(
    alice: tuple[TestClient, int], runtime: Runtime
):
    client, user_id = alice
    assert client.get("/api/notifications/unread").json() == {"unread": 0, "latest_id": None}
    for n in range(3):
        _notify(runtime, user_id, f"breach {n}")
    bell = client.get("/api/notifications/unread").json()
    assert bell["unread"] == 3
    shown = client.get("/api/notifications", params={"unread": "true"}).json()
    assert [n["text"] for n in shown] == ["breach 2", "breach 1", "breach 0"]
    assert all(n["read_at"] is None for n in shown)
    assert bell["latest_id"] == shown[0]["id"]

    _notify(runtime, user_id, "arrived while the list was open")
    after = client.post("/api/notifications/read", json={"up_to_id": bell["latest_id"]})
    assert after.status_code == 200
    assert after.json() == {"unread": 1, "latest_id": bell["latest_id"] + 1}
    (left,) = client.get("/api/notifications", params={"unread": "true"}).json()
    assert left["text"] == "arrived while the list was open"
    everything = client.get("/api/notifications").json()
    assert [n["read_at"] for n in everything[1:]] == ["2026-11-20T04:30:00Z"] * 3

    assert client.post("/api/notifications/read", json={}).json()["unread"] == 0
    assert client.get("/api/notifications", params={"unread": "true"}).json() == []


def test_marking_reads_only_your_own(alice: tuple[TestClient, int], runtime: Runtime):
    client, alice_id = alice
    _notify(runtime, alice_id, "for alice")
    bob_id = sign_in(client, runtime, "bob@x.in")
    _notify(runtime, bob_id, "for bob")
    assert client.post("/api/notifications/read", json={}).json()["unread"] == 0
    client.post("/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD})
    assert client.get("/api/notifications/unread").json()["unread"] == 1


def test_bad_bodies_name_the_field(alice: tuple[TestClient, int]):
    client, _ = alice
    for body, field in (({"up_to_id": 0}, "up_to_id"), ({"all": True}, "all")):
        response = client.post("/api/notifications/read", json=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == field
