"""The broker credentials vault: encrypted at rest, masked on the way out, Class-0 gated."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_user, sign_in
from tradertape.domain.brokers import BrokerName
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

SECRET = "kitesecret0123456789abcd"
TOKEN = "accesstoken-XYZ-0123456789"


def test_kite_credentials_round_trip_masked(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in", class0=True)

    saved = client.post(
        "/api/auth/kite-credentials", json={"api_key": "kitekey123", "api_secret": SECRET}
    )

    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["api_key"] == "kitekey123"
    assert body["api_secret_masked"] == "••••••abcd"
    assert body["has_secret"] is True
    assert body["status"] == "disconnected"
    assert body["redirect_url"] == "http://testserver/api/brokers/kite/callback"
    page, query = body["login_url"].split("?")
    assert page == "https://kite.zerodha.com/connect/login"
    assert without_state(query) == {"v": ["3"], "api_key": ["kitekey123"]}
    assert SECRET not in saved.text
    same = client.get("/api/brokers/kite/credentials").json()
    assert same == client.get("/api/auth/kite-credentials").json()
    assert same["api_key"] == "kitekey123"


def test_secret_needs_class_0(client: TestClient, runtime: Runtime):
    make_user(runtime, "first@x.in")  # the install's first account is its admin, not a@
    sign_in(client, runtime, "a@x.in")
    refused = client.post(
        "/api/brokers/kite/credentials", json={"api_key": "k1", "api_secret": SECRET}
    )
    assert refused.status_code == 403
    assert "Class 0" in refused.json()["detail"]
    assert client.get("/api/brokers/kite/credentials").json()["configured"] is False
    key_only = client.post("/api/brokers/kite/credentials", json={"api_key": "k1"})
    assert key_only.json()["has_secret"] is False


def test_a_lone_self_hosted_user_may_store_the_secret(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "solo@x.in")  # no admin flag, no grant: the first account

    saved = client.post(
        "/api/brokers/kite/credentials", json={"api_key": "k1", "api_secret": SECRET}
    )

    assert saved.status_code == 200, saved.text
    assert saved.json()["api_secret_masked"] == "••••••abcd"


def test_access_token_makes_broker_connected_until_0600_ist(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "a@x.in")
    client.post("/api/brokers/kite/credentials", json={"api_key": "k1", "access_token": TOKEN})

    status = client.get("/api/auth/status").json()
    kite = next(b for b in status["brokers"] if b["broker"] == "kite")
    assert status["active_broker"] == "kite"
    assert kite["connected"] is True
    # signed in at 10:00 IST on 20 Nov: the token dies at 06:00 IST on 21 Nov
    assert kite["access_token_expires_at"] == "2026-11-21T00:30:00Z"
    assert client.get("/api/auth/me").json()["broker_connected"] is True

    clock.set(datetime(2026, 11, 21, 0, 30, tzinfo=UTC))

    status = client.get("/api/auth/status").json()
    assert status["active_broker"] == "paper"
    kite = next(b for b in status["brokers"] if b["broker"] == "kite")
    assert kite["status"] == "expired"
    with runtime.db.session() as db:
        assert runtime.brokers.access_token(db, user_id=1, broker=_kite()) is None


def _kite() -> BrokerName:
    return BrokerName.KITE


def test_access_token_is_decryptable_for_server_use(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "a@x.in")
    client.post("/api/brokers/kite/credentials", json={"api_key": "k1", "access_token": TOKEN})
    with runtime.db.session() as db:
        assert runtime.brokers.access_token(db, user_id=user_id, broker=_kite()) == TOKEN


def test_changing_api_key_drops_the_old_access_token(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    client.post("/api/brokers/kite/credentials", json={"api_key": "k1", "access_token": TOKEN})
    changed = client.post("/api/brokers/kite/credentials", json={"api_key": "k2"}).json()
    assert changed["has_access_token"] is False
    assert changed["connected"] is False


def test_groww_secret_must_be_base32_totp(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in", class0=True)
    bad = client.post(
        "/api/brokers/groww/credentials", json={"api_key": "g1", "api_secret": "not base32!"}
    )
    good = client.post(
        "/api/brokers/groww/credentials",
        json={"api_key": "g1", "api_secret": "JBSWY3DPEHPK3PXPJBSWY3DP"},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "api_secret"
    assert good.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        pytest.param(
            "/api/brokers/zerodha/credentials", {"api_key": "k"}, 422, "broker", id="broker"
        ),
        pytest.param("/api/brokers/kite/credentials", {}, 422, "api_key", id="missing-key"),
        pytest.param("/api/brokers/kite/credentials", {"api_key": 5}, 422, "api_key", id="type"),
        pytest.param(
            "/api/brokers/kite/credentials", {"api_key": "a b"}, 422, "api_key", id="pattern"
        ),
    ],
)
def test_bad_credentials_input(client: TestClient, runtime, path, body, status, field):
    sign_in(client, runtime, "a@x.in")
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["detail"][0]["field"] == field


def test_delete_and_other_users_isolation(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    client.post("/api/brokers/upstox/credentials", json={"api_key": "u1"})
    other = TestClient(client.app)
    from tests.helpers import PASSWORD, make_user

    make_user(runtime, "b@x.in")
    other.post("/api/auth/password-login", json={"email": "b@x.in", "password": PASSWORD})
    assert other.get("/api/brokers/upstox/credentials").json()["configured"] is False
    assert other.delete("/api/brokers/upstox/credentials").status_code == 404

    assert client.delete("/api/brokers/upstox/credentials").status_code == 204
    assert client.get("/api/brokers/upstox/credentials").json()["configured"] is False


def test_credentials_need_authentication(client: TestClient):
    assert client.get("/api/auth/kite-credentials").status_code == 401
    assert client.post("/api/auth/kite-credentials", json={"api_key": "k"}).status_code == 401


def test_login_links_follow_the_configured_broker_hosts(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "l@x.in")
    runtime.settings.kite_login_url = "http://127.0.0.1:9101/connect/login"
    runtime.settings.upstox_root = "http://127.0.0.1:9102"

    kite = client.post("/api/brokers/kite/credentials", json={"api_key": "k1"}).json()
    upstox = client.post("/api/brokers/upstox/credentials", json={"api_key": "u1"}).json()
    groww = client.post("/api/brokers/groww/credentials", json={"api_key": "g1"}).json()

    kite_page, kite_query = kite["login_url"].split("?")
    assert kite_page == "http://127.0.0.1:9101/connect/login"
    assert without_state(kite_query) == {"v": ["3"], "api_key": ["k1"]}
    upstox_page, upstox_query = upstox["login_url"].split("?")
    assert upstox_page == "http://127.0.0.1:9102/v2/login/authorization/dialog"
    assert without_state(upstox_query) == {
        "response_type": ["code"],
        "client_id": ["u1"],
        "redirect_uri": ["http://testserver/api/brokers/upstox/callback"],
    }
    assert groww["login_url"] is None  # Groww logs in with its key flows, not a browser page
    again = client.get("/api/brokers/kite/credentials").json()["login_url"]
    assert without_state(again.split("?")[1]) == without_state(kite_query)


def without_state(query: str) -> dict[str, list[str]]:
    """A login link's query without its state (a fresh HMAC each time), which must be there:
    Kite's inside ``redirect_params``, Upstox's as ``state``."""
    fields = parse_qs(query)
    extra = fields.pop("redirect_params", None)
    state = parse_qs(extra[0])["state"] if extra else fields.pop("state")
    assert len(state) == 1
    assert "." in state[0]
    return fields
