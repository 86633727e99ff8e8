"""Password sign-in, sessions (sliding expiry, revocation) and sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.db.models import UserSession
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

DESK_READ = "/api/notifications/unread"  # checks its cookie with `SessionService.signed_in`


def test_password_login_then_me(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in", admin=True)
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "a@x.in"
    assert body["is_admin"] is True
    assert body["broker_connected"] is False
    assert [b["broker"] for b in body["brokers"]] == ["kite", "upstox", "groww"]
    assert all(b["status"] == "not_configured" for b in body["brokers"])


def test_unknown_email_and_wrong_password_get_the_same_401(client: TestClient, runtime):
    make_user(runtime, "a@x.in")
    unknown = client.post("/api/auth/password-login", json={"email": "b@x.in", "password": "x"})
    wrong = client.post("/api/auth/password-login", json={"email": "a@x.in", "password": "nope"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == {"detail": "invalid e-mail or password"}
    assert "set-cookie" not in unknown.headers


def test_magic_link_only_user_cannot_password_login(client: TestClient):
    client.post("/api/auth/magic-link", json={"email": "m@x.in"})
    response = client.post("/api/auth/password-login", json={"email": "m@x.in", "password": ""})
    assert response.status_code == 401


def test_password_attempts_are_rate_limited(client: TestClient, runtime: Runtime):
    make_user(runtime, "a@x.in")
    for _ in range(5):
        bad = client.post("/api/auth/password-login", json={"email": "a@x.in", "password": "no"})
        assert bad.status_code == 401
    blocked = client.post(
        "/api/auth/password-login", json={"email": "a@x.in", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers


@pytest.mark.parametrize(
    "path", [pytest.param("/api/auth/me", id="orm-check"), pytest.param(DESK_READ, id="desk-read")]
)
def test_logout_revokes_the_session_server_side(client: TestClient, runtime: Runtime, path: str):
    sign_in(client, runtime, "a@x.in")
    cookie = client.cookies["kite_session"]
    assert client.get(path).status_code == 200  # the screen now knows the cookie as good
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get(path).status_code == 401
    # replaying the old cookie value does not work either
    client.cookies.set("kite_session", cookie)
    assert client.get(path).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/auth/me", id="orm-check"),
        pytest.param(DESK_READ, id="desk-read"),
    ],
)
def test_session_expiry_slides_with_use(
    client: TestClient, runtime: Runtime, clock: ManualClock, path: str
):
    sign_in(client, runtime, "a@x.in")
    lane = client.app.state.loop_reads  # type: ignore[attr-defined]
    for _ in range(3):  # 87 days of use, 29 days apart
        clock.advance(timedelta(days=29))
        assert client.get(path).status_code == 200
        if lane is not None:  # a desk read on the loop leaves its slide to a thread
            assert client.portal is not None
            client.portal.call(lane.written)  # as a user's next read, 29 days on, would find it
    with runtime.db.session() as db:
        stored = db.scalars(select(UserSession.expires_at)).one()
    assert stored == clock.now() + runtime.sessions.lifetime  # slid by the last use
    clock.advance(timedelta(days=30, seconds=1))  # then 30 idle days
    response = client.get(path)
    assert response.status_code == 401
    assert "sign in again" in response.json()["detail"]


def test_sessions_are_listed_and_revocable(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    other = TestClient(client.app, base_url="http://testserver")
    other.post("/api/auth/password-login", json={"email": "a@x.in", "password": PASSWORD})

    listed = client.get("/api/auth/sessions").json()
    assert len(listed) == 2
    assert sorted(s["current"] for s in listed) == [False, True]
    other_id = next(s["id"] for s in listed if not s["current"])

    assert client.delete(f"/api/auth/sessions/{other_id}").status_code == 204
    assert other.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me").status_code == 200


def test_cannot_revoke_another_users_session(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    other = TestClient(client.app, base_url="http://testserver")
    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})
    theirs = other.get("/api/auth/sessions").json()[0]["id"]

    assert client.delete(f"/api/auth/sessions/{theirs}").status_code == 404
    assert other.get("/api/auth/me").status_code == 200


def test_secure_cookie_behind_https(settings, clock, database):
    from tradertape.api.app import create_app
    from tradertape.ports.mailer import LogTransport

    https = settings.model_copy(update={"public_base_url": "https://trade.example.com"})
    runtime = Runtime.build(https, clock=clock, db=database, transport=LogTransport())
    make_user(runtime, "a@x.in")
    with TestClient(create_app(runtime), base_url="https://testserver") as client:
        response = client.post(
            "/api/auth/password-login", json={"email": "a@x.in", "password": PASSWORD}
        )
    assert "Secure" in response.headers["set-cookie"]
