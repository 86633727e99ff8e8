"""Arming an MTM exit rule shows where it stands (issue 64): a rule its book's day MTM
already trips would sell every open position the moment it is saved, so saving it needs
``confirm_trip``; without it a 409 says the MTM and the threshold, and nothing is stored or
sold. The preview reads the same figure the risk page shows.

The example: the manual book buys 10 INFY intraday at ₹1,500 and INFY prints ₹1,440, a
day MTM of 10 × (1,440 − 1,500) = −₹600; a loss limit of ₹500 is already past.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.integration.test_mtm_exits import _buy, _mtm, _open_market, _tick
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

RULE = {"type": "mtm_exit", "threshold_amount": "500", "book": "manual"}


def _sells(client: TestClient) -> int:
    orders = client.get("/api/portfolio/orders").json()
    return sum(1 for o in orders if o["transaction_type"] == "SELL")


def test_a_rule_already_breached_needs_a_confirmation_and_says_where_it_stands(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "arming@x.in")
    loop = _open_market(client, runtime, clock)
    assert _buy(client, "INFY", 10)["status"] == "COMPLETE"
    _tick(loop, clock, "NSE:INFY", "1440")  # the manual book's day MTM: −₹600

    preview = client.post("/api/risk/rules/preview", json=RULE)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert (shown["book"], Decimal(shown["mtm"]), Decimal(shown["stop_at"])) == (
        "manual",
        Decimal("-600"),
        Decimal("-500"),
    )
    assert shown["would_trip"] is True
    assert shown["trip_words"] == "day MTM −₹600.00 reached the loss of ₹500.00"

    refused = client.post("/api/risk/rules", json=RULE)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert detail.startswith("saving this rule would trip it now: Manual's day MTM −₹600.00")
    assert "confirm_trip" in detail
    assert client.get("/api/risk/rules").json() == []  # nothing stored
    _tick(loop, clock, "NSE:INFY", "1439")
    assert _sells(client) == 0  # nothing sold

    made = client.post("/api/risk/rules", json={**RULE, "confirm_trip": True})
    assert made.status_code == 201, made.text
    _tick(loop, clock, "NSE:INFY", "1439")
    assert _mtm(client, made.json()["id"])["paused"] is True
    assert _sells(client) == 1  # the exit, once confirmed


def test_a_rule_not_breached_saves_at_once_and_a_change_that_would_trip_is_refused(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "arming-ok@x.in")
    loop = _open_market(client, runtime, clock)
    assert _buy(client, "INFY", 10)["status"] == "COMPLETE"
    _tick(loop, clock, "NSE:INFY", "1490")  # −₹100
    wide = {**RULE, "threshold_amount": "1000"}
    preview = client.post("/api/risk/rules/preview", json=wide).json()
    assert (Decimal(preview["mtm"]), preview["would_trip"], preview["trip_words"]) == (
        Decimal("-100"),
        False,
        None,
    )
    made = client.post("/api/risk/rules", json=wide)
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]

    full = {
        **made.json(),
        "threshold_amount": "50",
        "confirm_trip": False,
    }
    body = {
        k: full[k]
        for k in (
            *RULE,
            "action",
            "enabled",
            "threshold_pct",
            "threshold_count",
            "portfolio_id",
            "worker_run_id",
            "target_amount",
            "trail_amount",
            "confirm_trip",
        )
    }
    tighter = client.put(f"/api/risk/rules/{rule_id}", json=body)
    assert tighter.status_code == 409, tighter.text
    assert Decimal(client.get(f"/api/risk/rules/{rule_id}").json()["threshold_amount"]) == 1000
    assert _sells(client) == 0

    not_mtm = client.post("/api/risk/rules/preview", json={"type": "kill_switch"})
    assert not_mtm.status_code == 422, not_mtm.text
