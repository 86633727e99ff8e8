"""Demo data loads idempotently and its printed credentials sign in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tradertape.db.models import User
from tradertape.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from tradertape.runtime import Runtime


def test_demo_is_idempotent_and_its_login_works(runtime: Runtime, client: TestClient):
    first = load_demo(runtime)
    second = load_demo(runtime)

    assert first.created is True
    assert second.created is False
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 1
    response = client.post(
        "/api/auth/password-login", json={"email": first.email, "password": first.password}
    )
    assert response.status_code == 200
    assert client.get("/api/auth/me").json()["email"] == DEMO_EMAIL
    assert second.password == DEMO_PASSWORD
