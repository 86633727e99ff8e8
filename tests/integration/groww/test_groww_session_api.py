"""Groww through the server: the key-flow login route and /api/portfolio/* from the fake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.integration.groww.conftest import API_KEY, API_SECRET, TOTP, FakeServer
from tradertape.domain.brokers import BrokerName
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings


@pytest.fixture
def settings(settings: Settings, groww: FakeServer) -> Settings:
    return settings.model_copy(update={"groww_root": groww.root})


def save_key(client: TestClient, **extra: str) -> None:
    saved = client.post("/api/brokers/groww/credentials", json={"api_key": API_KEY, **extra})
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "disconnected"


def test_totp_login_stores_the_token_encrypted_until_six_ist(
    client: TestClient, runtime: Runtime, groww: FakeServer
):
    user_id = sign_in(client, runtime, "g@x.in")
    save_key(client)

    answer = client.post("/api/brokers/groww/session", json={"totp": TOTP})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "broker": "groww",
        "status": "connected",
        "connected": True,
        "access_token_expires_at": "2026-11-21T00:30:00Z",
    }
    [token] = groww.fake.tokens
    with runtime.db.session() as db:
        row = runtime.brokers.get(db, user_id=user_id, broker=BrokerName.GROWW)
        assert row is not None
        assert row.access_token_enc is not None
        assert token not in row.access_token_enc
        assert runtime.brokers.access_token(db, user_id=user_id, broker=BrokerName.GROWW) == token


def test_secret_login_signs_with_the_stored_secret(
    client: TestClient, runtime: Runtime, groww: FakeServer
):
    sign_in(client, runtime, "admin@x.in", admin=True)
    save_key(client, api_secret=API_SECRET)

    answer = client.post("/api/brokers/groww/session", json={"use_secret": True})

    assert answer.json()["status"] == "connected", answer.text
    assert len(groww.fake.tokens) == 1


def test_bad_logins_name_the_field(client: TestClient, runtime: Runtime, groww: FakeServer):
    sign_in(client, runtime, "g@x.in")
    missing = client.post("/api/brokers/groww/session", json={"totp": TOTP})
    save_key(client)

    wrong = client.post("/api/brokers/groww/session", json={"totp": "000000"})
    both = client.post("/api/brokers/groww/session", json={"totp": TOTP, "use_secret": True})
    no_secret = client.post("/api/brokers/groww/session", json={"use_secret": True})

    assert missing.status_code == 404
    assert "no Groww API key stored" in missing.json()["detail"]
    assert wrong.status_code == 422
    [problem] = wrong.json()["detail"]
    assert (problem["field"], problem["msg"]) == (
        "totp",
        "Groww refused the login (GA001: invalid TOTP)",
    )
    assert both.status_code == 422
    assert no_secret.status_code == 400
    assert "no Groww API secret stored" in no_secret.json()["detail"]
    assert groww.fake.tokens == {}


def test_portfolio_from_groww_then_409_on_expiry_then_a_clean_login(
    client: TestClient, runtime: Runtime, clock: ManualClock, groww: FakeServer
):
    sign_in(client, runtime, "g@x.in")
    save_key(client)
    client.post("/api/brokers/groww/session", json={"totp": TOTP})
    groww.control("holdings", {"symbol": "INFY", "quantity": 10, "average_price": 1400})
    groww.control("prices", {"INFY": 1510})

    holdings = client.get("/api/portfolio/holdings")

    assert holdings.headers["X-Broker"] == "groww"
    [infy] = holdings.json()
    assert (infy["tradingsymbol"], infy["exchange"], infy["quantity"]) == ("INFY", "NSE", 10)
    assert (infy["average_price"], infy["last_price"], infy["pnl"]) == (1400.0, 1510.0, 1100.0)

    groww.control("expire", {})  # Groww ends the session mid-day
    clock.advance(timedelta(seconds=31))  # past the views' 30 s cache
    expired = client.get("/api/portfolio/holdings")

    assert expired.status_code == 409
    assert "log in to groww again" in expired.json()["detail"]

    again = client.post("/api/brokers/groww/session", json={"totp": TOTP})
    fresh = client.get("/api/portfolio/holdings")

    assert again.json()["connected"] is True
    assert fresh.status_code == 200
    assert fresh.json()[0]["quantity"] == 10
    assert len(groww.fake.tokens) == 2
    margins = client.get("/api/portfolio/margins").json()
    assert margins["equity"]["available"]["cash"] == 1_000_000.0


def test_the_totp_seed_is_never_taken_for_the_code(
    client: TestClient, runtime: Runtime, groww: FakeServer
):
    """Browser Login sends the six digits the browser derived; the base32 seed itself is
    refused at the door (naming the field), so it cannot end up on the server."""
    user_id = sign_in(client, runtime, "g@x.in")
    save_key(client)

    seed = client.post("/api/brokers/groww/session", json={"totp": "JBSWY3DPEHPK3PXP"})

    assert seed.status_code == 422
    assert [p["field"] for p in seed.json()["detail"]] == ["totp"]
    assert "JBSWY3DPEHPK3PXP" not in seed.text
    assert not groww.fake.tokens
    with runtime.db.session() as db:
        row = runtime.brokers.get(db, user_id=user_id, broker=BrokerName.GROWW)
        assert row is not None
        assert (row.api_secret_enc, row.access_token_enc) == (None, None)
