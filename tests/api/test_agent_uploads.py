"""What the agent's key reaches beyond the six agent routes, and no more: the statement
uploads it forwards (scaled ones with its factor's fingerprint), its owner's mutual funds,
and the imported holdings in the reconciliation's expected quantities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_agent_api import AGENT_PORTFOLIO
from tests.api.test_model_api import _deploy, _scan
from tests.helpers import PASSWORD, make_user, sign_in
from tests.statement_files import CAS_PASSWORD, Fill, cams_summary_pdf, zerodha_csv
from tradertape.runtime import Runtime

FINGERPRINT = "ab" * 16
OTHER_FINGERPRINT = "cd" * 16
BOOK = zerodha_csv(
    [
        Fill("INFY", "2025-06-02", "buy", 10, "1500", "T1", "1000000000000000001"),
        Fill("INFY", "2025-06-03", "sell", 3, "1510.5", "T2", "1000000000000000002"),
        Fill("TCS", "2025-06-02", "buy", 4, "3200", "T3", "1000000000000000003"),
        Fill("TCS", "2025-06-04", "sell", 4, "3300", "T4", "1000000000000000004"),
    ]
)
#: A book as an agent sends it scaled (the cloud cannot tell its real quantities).
SCALED_BOOK = zerodha_csv(
    [
        Fill("WIPRO", "2025-06-02", "buy", 5, "250", "S1", "2000000000000000001"),
    ]
)


def _key(client: TestClient) -> dict[str, str]:
    issued = client.post("/api/agent/keys", json={"name": "laptop"})
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['api_key']}"}


def _worker(client: TestClient) -> dict[str, str]:
    issued = client.post("/api/algo-workers/tokens", json={"name": "w", "allowed_modes": ["paper"]})
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['token']}"}


def _send(agent: TestClient, headers: dict[str, str], content: bytes = BOOK, **form: str) -> Any:
    return agent.post(
        "/api/uploads/tradebook",
        files=[("files[]", ("tradebook-ZX1234-EQ.csv", content))],
        data=form,
        headers=headers,
    )


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


@pytest.fixture
def bob(client: TestClient, runtime: Runtime) -> TestClient:
    make_user(runtime, "bob@x.in")
    other = TestClient(client.app)
    login = {"email": "bob@x.in", "password": PASSWORD}
    signed = other.post("/api/auth/password-login", json=login)
    assert signed.status_code == 200
    return other


def test_the_agents_key_uploads_a_tradebook_for_its_owner(alice: TestClient, bob: TestClient):
    key = _key(alice)
    agent = TestClient(alice.app)  # no cookie: the agent's own client

    sent = _send(agent, key)

    assert sent.status_code == 201, sent.text
    (report,) = sent.json()["files"]
    assert (report["status"], report["rows_added"]) == ("imported", 4)
    assert report["upload"]["obfuscated"] is False
    (kept,) = alice.get("/api/uploads").json()
    assert kept["id"] == report["upload"]["id"]
    assert bob.get("/api/uploads").json() == []  # the key's owner only
    assert bob.get(f"/api/uploads/{kept['id']}").status_code == 404


def test_a_scaled_upload_needs_the_fingerprint_and_the_accounts_factor(alice: TestClient):
    key = _key(alice)
    agent = TestClient(alice.app)

    unnamed = _send(agent, key, SCALED_BOOK, obfuscated="true")
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["field"] == "factor_fingerprint"
    assert alice.get("/api/uploads").json() == []

    kept = _send(agent, key, SCALED_BOOK, obfuscated="true", factor_fingerprint=FINGERPRINT)
    assert kept.status_code == 201, kept.text
    assert kept.json()["files"][0]["upload"]["obfuscated"] is True

    other = _send(agent, key, BOOK, obfuscated="true", factor_fingerprint=OTHER_FINGERPRINT)
    assert other.status_code == 409
    assert "another obfuscation factor" in other.json()["detail"]
    # the sync routes share the account's one fingerprint
    synced = agent.post(
        "/api/agent/sync-holdings",
        json={
            "broker": "kite",
            "as_of": "2025-06-02T10:00:00Z",
            "obfuscated": True,
            "factor_fingerprint": OTHER_FINGERPRINT,
            "holdings": [],
        },
        headers=key,
    )
    assert synced.status_code == 409
    assert len(alice.get("/api/uploads").json()) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/uploads"),
        ("GET", "/api/uploads/1"),
        ("DELETE", "/api/uploads/1"),
        ("GET", "/api/wealth"),
        ("GET", "/api/journal/trades"),
        ("GET", "/api/journal/pnl"),
        ("POST", "/api/wealth/navs"),
    ],
    ids=str,
)
def test_the_key_reaches_no_other_upload_wealth_or_journal_route(
    alice: TestClient, method: str, path: str
):
    key = _key(alice)
    _send(TestClient(alice.app), key)
    response = TestClient(alice.app).request(method, path, headers=key)
    assert response.status_code == 401
    assert "/api/agent/" in response.json()["detail"]


@pytest.mark.parametrize("route", ["tradebook", "ledger", "cas"])
def test_a_worker_token_cannot_upload(alice: TestClient, route: str):
    name = "files[]" if route == "tradebook" else "file"
    response = TestClient(alice.app).post(
        f"/api/uploads/{route}",
        files=[(name, ("x.csv", BOOK))],
        data={"password": "x"} if route == "cas" else {},
        headers=_worker(alice),
    )
    assert response.status_code == 401
    assert alice.get("/api/uploads").json() == []


def test_a_revoked_key_cannot_upload(alice: TestClient):
    key = _key(alice)
    (row,) = alice.get("/api/agent/keys").json()
    assert alice.post(f"/api/agent/keys/{row['id']}/revoke").status_code == 200
    assert _send(TestClient(alice.app), key).status_code == 401
    assert alice.get("/api/uploads").json() == []


def test_the_agent_reads_its_owners_mutual_funds_and_nobody_elses(
    alice: TestClient, bob: TestClient
):
    uploaded = alice.post(
        "/api/uploads/cas",
        files=[("file", ("cas.pdf", cams_summary_pdf()))],
        data={"password": CAS_PASSWORD},
    )
    assert uploaded.status_code == 201, uploaded.text
    wealth = alice.get("/api/wealth").json()
    agent = TestClient(alice.app)

    mine = agent.get("/api/agent/mutual-funds", headers=_key(alice))

    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["funds"] == wealth["funds"]  # valued exactly as the web app values them
    assert Decimal(body["total_value"]) == Decimal(wealth["mutual_funds"])
    assert body["funds"], "the CAS has funds"
    theirs = agent.get("/api/agent/mutual-funds", headers=_key(bob)).json()
    assert theirs["funds"] == []
    assert Decimal(theirs["total_value"]) == 0
    assert alice.get("/api/agent/mutual-funds").status_code == 401  # the cookie: refused
    worker = agent.get("/api/agent/mutual-funds", headers=_worker(alice))
    assert worker.json()["detail"] == "agent endpoints take an agent key (zt_…)"


def _expected(agent: TestClient, key: dict[str, str]) -> dict[str, dict[str, Any]]:
    rows = agent.get("/api/agent/expected-positions", headers=key).json()
    return {r["symbol"]: r for r in rows}


def test_an_uploaded_tradebook_joins_the_expected_quantities(alice: TestClient, bob: TestClient):
    key = _key(alice)
    agent = TestClient(alice.app)
    assert _expected(agent, key) == {}

    _send(agent, key)
    _send(agent, key, SCALED_BOOK, obfuscated="true", factor_fingerprint=FINGERPRINT)

    rows = _expected(agent, key)
    assert set(rows) == {"NSE:INFY", "NSE:WIPRO"}  # TCS was sold again: nothing held
    infy = rows["NSE:INFY"]
    assert (infy["broker"], infy["quantity"], infy["imported_quantity"]) == ("kite", 7, 7)
    assert (infy["model_quantity"], infy["scaled_imported_quantity"]) == (0, None)
    wipro = rows["NSE:WIPRO"]
    assert wipro["quantity"] == 0
    assert Decimal(wipro["scaled_imported_quantity"]) == 5
    assert _expected(agent, _key(bob)) == {}


def test_the_agents_own_fill_in_an_uploaded_tradebook_is_not_counted_twice(
    client: TestClient, with_candles: Runtime
):
    sign_in(client, with_candles, "alice@x.in")
    portfolio = _deploy(client, **AGENT_PORTFOLIO, max_positions=1)
    (sid,) = _scan(client, portfolio["id"])["entries"]
    key = _key(client)
    agent = TestClient(client.app)
    signal = next(s for s in client.get("/api/model/signals").json() if s["id"] == sid)
    filled = agent.post(
        "/api/agent/signal-result",
        json={
            "signal_id": sid,
            "outcome": "filled",
            "fill_price": signal["limit_price"],
            "order_id": "77001",
        },
        headers=key,
    )
    assert filled.status_code == 200, filled.text
    exchange, _, symbol = signal["symbol"].partition(":")
    book = zerodha_csv(
        [
            # the agent's own order, as the broker's tradebook lists it
            Fill(
                symbol,
                "2025-06-02",
                "buy",
                signal["quantity"],
                signal["limit_price"],
                "A1",
                "77001",
            ),
            # and shares bought by hand before
            Fill(symbol, "2025-05-02", "buy", 2, "90", "A0", "66001"),
        ]
    )
    assert _send(agent, key, book).status_code == 201

    row = _expected(agent, key)[signal["symbol"]]

    assert row["model_quantity"] == signal["quantity"]
    assert row["imported_quantity"] == 2
    assert row["quantity"] == signal["quantity"] + 2
    assert row["portfolio_ids"] == [portfolio["id"]]
