"""The notification outbox over HTTP: a scan notifies, fills notify, owners only; the link."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_model_api import _deploy, _scan
from tests.helpers import sign_in
from tradertape.runtime import Runtime


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def test_a_scan_notifies_signals_ready_and_fills_notify(alice: TestClient, runtime: Runtime):
    portfolio = _deploy(alice)
    report = _scan(alice, portfolio["id"])
    (ready,) = alice.get("/api/notifications").json()
    assert ready["kind"] == "signals_ready"
    assert ready["portfolio_id"] == portfolio["id"]
    assert ready["payload"]["counts"]["entries"] == len(report["entries"])
    assert ready["delivered_at"] is None
    assert f"{len(report['entries'])} entries" in ready["text"]

    first = report["entries"][0]
    assert alice.post(f"/api/model/signals/{first}/approve").status_code == 200
    assert alice.post("/api/model/cart/place").status_code == 200
    kinds = [n["kind"] for n in alice.get("/api/notifications").json()]
    assert kinds == ["fill", "signals_ready"]  # a hand-placed cart is not an auto-place

    sign_in(alice, runtime, "bob@x.in")
    assert alice.get("/api/notifications").json() == []


def test_auto_place_notifies_each_outcome(alice: TestClient):
    portfolio = _deploy(alice, auto_place_signals=True)
    report = _scan(alice, portfolio["id"])
    rows = alice.get("/api/notifications", params={"limit": 500}).json()
    placed = [n for n in rows if n["kind"] == "auto_place"]
    assert len(placed) == len(report["entries"])
    assert all(n["payload"]["placed"] for n in placed)


def test_a_risk_refusal_of_an_auto_placed_entry_notifies_both(alice: TestClient):
    rule = {"type": "max_order_value", "action": "block", "threshold_amount": "1000"}
    assert alice.post("/api/risk/rules", json=rule).status_code == 201
    portfolio = _deploy(alice, auto_place_signals=True)
    report = _scan(alice, portfolio["id"])
    rows = alice.get("/api/notifications", params={"limit": 500}).json()
    failed = [n for n in rows if n["kind"] == "auto_place"]
    assert len(failed) == len(report["entries"])
    assert not any(n["payload"]["placed"] for n in failed)
    assert all(n["payload"]["error"].startswith("Order rejected by risk") for n in failed)
    breaches = [n for n in rows if n["kind"] == "risk_breach"]
    assert len(breaches) == len(report["entries"])
