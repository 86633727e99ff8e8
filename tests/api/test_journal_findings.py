"""A Patterns finding saved as a strategy and backtested, over HTTP; findings about the
trader rather than the market are refused with the reason."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_journal_api import short_swings
from tests.helpers import PASSWORD, make_user, sign_in
from tradertape.runtime import Runtime


def test_a_holding_period_finding_becomes_a_strategy_that_backtests(
    client: TestClient, with_candles: Runtime
):
    sign_in(client, with_candles, "alice@x.in")
    short_swings(client)
    patterns = client.get("/api/journal/patterns").json()["dimensions"]
    holding = next(d for d in patterns if d["name"] == "holding_period")
    assert (holding["makes_rule"], holding["why_not"]) == (True, None)
    assert [(b["label"], b["count"]) for b in holding["buckets"]] == [("0-3d", 3)]
    size = next(d for d in patterns if d["name"] == "position_size")
    assert size["makes_rule"] is False
    assert "Position size is your choice" in size["why_not"]

    made = client.post(
        "/api/journal/patterns/strategy", json={"dimension": "holding_period", "bucket": "0-3d"}
    )
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer["rule"] == "Hold each position up to 3 days"
    assert "trading days" in answer["caveat"]
    strategy = client.get(f"/api/strategies/{answer['strategy_id']}").json()
    assert strategy["is_owner"] is True
    assert strategy["name"] == "Journal: Hold each position up to 3 days"
    assert strategy["document"]["config"]["min_hold"] == 0
    assert strategy["document"]["config"]["max_hold"] == 2
    assert "3 trades, 66.7 % won" in strategy["description"]
    backtest = answer["backtest"]
    assert backtest["strategy_id"] == answer["strategy_id"]
    assert backtest["universe"] == "nifty_100"
    assert backtest["start_date"] == "2023-11-20"  # three years before today (the clock)
    assert backtest["end_date"] == "2026-11-20"

    # the backtest the answer names runs (on the test's synthetic NIFTY 50 years)
    body = {**backtest, "universe": "nifty_50", "start_date": "2023-01-01"}
    body["end_date"] = "2025-12-31"
    run = client.post("/api/backtest/run", json=body)
    assert run.status_code == 200, run.text
    assert run.json()["strategy_id"] == answer["strategy_id"]
    assert run.json()["status"] == "completed"
    assert run.json()["summary"]["total_trades"] > 0


def test_a_finding_about_the_trader_or_not_in_the_journal_is_refused(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    short_swings(client)
    before = client.get("/api/strategies", params={"mine": True}).json()
    revenge = client.post(
        "/api/journal/patterns/strategy", json={"dimension": "after_loss", "bucket": "after a loss"}
    )
    assert revenge.status_code == 422
    assert "about you, not the market" in revenge.text
    assert revenge.json()["detail"][0]["loc"][-1] == "dimension"
    absent = client.post(
        "/api/journal/patterns/strategy", json={"dimension": "holding_period", "bucket": ">30d"}
    )
    assert absent.status_code == 422
    assert "no trades in holding_period: >30d" in absent.text
    # no market history imported: the RSI zone of these trades is unknown
    rsi = client.post(
        "/api/journal/patterns/strategy", json={"dimension": "rsi_zone", "bucket": ">70"}
    )
    assert rsi.status_code == 422
    assert client.get("/api/strategies", params={"mine": True}).json() == before


def test_a_finding_reads_only_your_own_journal(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "alice@x.in")
    short_swings(client)
    make_user(runtime, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    theirs = bob.post(
        "/api/journal/patterns/strategy", json={"dimension": "holding_period", "bucket": "0-3d"}
    )
    assert theirs.status_code == 422  # Alice's trades are not Bob's findings
    made = client.post(
        "/api/journal/patterns/strategy", json={"dimension": "holding_period", "bucket": "0-3d"}
    ).json()
    assert bob.get(f"/api/strategies/{made['strategy_id']}").status_code == 404
