"""Model portfolios over HTTP: deploy, scan, the signal cart, fills, positions, guardrails."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, deploy_funded, make_user, sign_in
from tests.integration.test_risk_gate import RULES
from tradertape.candles import CandleSource
from tradertape.domain.charges import Side
from tradertape.domain.ticks import RoundDirection, round_to_tick
from tradertape.oms import delivery_charges
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

SCAN_DAY = "2025-06-02"
SCAN_DAY_DATE = date.fromisoformat(SCAN_DAY)


@pytest.fixture
def alice(client: TestClient, with_candles: Runtime) -> TestClient:
    sign_in(client, with_candles, "alice@x.in")
    return client


def _template(client: TestClient, key: str) -> int:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    return int(next(s["id"] for s in templates if s["base_model"] == key))


def _deploy(client: TestClient, **changes: Any) -> dict[str, Any]:
    body = {
        "strategy_id": _template(client, "v1_momentum"),
        "universe": "nifty_50",
        "starting_capital": "1000000",
        "position_size_pct": "10",
        "max_positions": 5,
        "max_per_sector": 2,
        "paper_fill": "close",
    } | changes
    response = deploy_funded(client, body)
    assert response.status_code == 201, response.text
    deployed: dict[str, Any] = response.json()
    return deployed


def _scan(client: TestClient, portfolio_id: int, day: str = SCAN_DAY) -> dict[str, Any]:
    response = client.post("/api/model/scan", json={"portfolio_id": portfolio_id, "date": day})
    assert response.status_code == 200, response.text
    (report,) = response.json()
    assert report["skipped"] is None
    return dict(report)


def test_scan_approve_place_and_close_with_exact_money(alice: TestClient):
    portfolio = _deploy(alice)
    assert (portfolio["total_capital"], portfolio["position_size"]) == ("1000000.00", "100000.00")
    report = _scan(alice, portfolio["id"])
    assert 1 <= len(report["entries"]) <= 5
    pending = alice.get(
        "/api/model/signals", params={"portfolio_id": portfolio["id"], "status": "pending_approval"}
    ).json()
    assert [s["conviction_rank"] for s in pending] == list(range(1, len(pending) + 1))
    first = pending[0]
    assert first["quantity"] == int(Decimal(100_000) / Decimal(first["close_price"]))
    assert Decimal(first["trigger_price"]) >= Decimal(first["close_price"])
    assert "rsi14" in first["indicator_snapshot"]
    dropped = alice.get(
        "/api/model/signals", params={"portfolio_id": portfolio["id"], "status": "dropped"}
    ).json()
    assert {s["reason"] for s in dropped} <= {"max_positions", "max_per_sector"}

    approved = alice.post(f"/api/model/signals/{first['id']}/approve")
    assert approved.json()["status"] == "in_cart"
    again = alice.post(f"/api/model/signals/{first['id']}/approve")
    assert again.status_code == 409
    assert "in_cart" in again.json()["detail"]

    placed = alice.post("/api/model/cart/place").json()
    assert placed == {"placed": [first["id"]], "failed": {}, "for_agent": []}
    (position,) = alice.get(
        "/api/model/positions", params={"portfolio_id": portfolio["id"], "status": "open"}
    ).json()
    price, qty = Decimal(first["close_price"]), first["quantity"]
    buy = delivery_charges(Side.BUY, qty, price, SCAN_DAY_DATE)
    assert (Decimal(position["entry_price"]), position["quantity"]) == (price, qty)
    assert Decimal(position["charges"]) == buy
    after = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(after["deployed_capital"]) == price * qty
    assert Decimal(after["current_capital"]) == 1_000_000 - price * qty - buy

    closed = alice.post(f"/api/model/positions/{position['id']}/close").json()
    assert closed["failed"] == {}
    (done,) = alice.get(
        "/api/model/positions", params={"portfolio_id": portfolio["id"], "status": "closed"}
    ).json()
    sell = delivery_charges(Side.SELL, qty, Decimal(done["exit_price"]), SCAN_DAY_DATE)
    expected = (Decimal(done["exit_price"]) - price) * qty - buy - sell
    assert Decimal(done["realised_pnl"]) == expected.quantize(Decimal("0.01"))
    assert done["exit_reason"] == "manual"
    final = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(final["deployed_capital"]) == 0
    assert Decimal(final["current_capital"]) == 1_000_000 + expected


def test_entry_gtt_fires_on_a_tick_and_becomes_a_position(alice: TestClient, with_candles: Runtime):
    runtime = with_candles
    portfolio = _deploy(alice, paper_fill="gtt", auto_place_signals=True, max_positions=1)
    report = _scan(alice, portfolio["id"])
    (signal_id,) = report["entries"]
    signal = next(s for s in alice.get("/api/model/signals").json() if s["id"] == signal_id)
    # sent, not executed: nothing has filled yet (the GTT only waits)
    assert (signal["status"], signal["gtt_status"], signal["executed_at"]) == (
        "approved",
        "active",
        None,
    )
    amount = Decimal(signal["amount"])
    waiting = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(waiting["committed_capital"]) == amount
    assert Decimal(waiting["current_capital"]) == 1_000_000 - amount

    # the next session: a tick at the trigger fires the GTT; its LIMIT order fills
    trigger = Decimal(signal["trigger_price"])
    tick = make_tick(signal["symbol"], trigger, ts=runtime.clock.now(), volume=10**7)
    with runtime.db.session() as db:
        runtime.quotes.update(tick)
        fired = runtime.gtts.on_tick(db, tick)
        assert [g.id for g in fired] == [signal["gtt_id"]]
    dashboard = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]})
    assert dashboard.status_code == 200
    _scan(alice, portfolio["id"], "2025-06-03")  # reconciles first
    (position,) = alice.get("/api/model/positions", params={"status": "open"}).json()
    assert position["quantity"] == signal["quantity"]
    assert Decimal(position["entry_price"]) <= Decimal(signal["limit_price"])
    done = next(s for s in alice.get("/api/model/signals").json() if s["id"] == signal_id)
    assert (done["status"], done["gtt_status"]) == ("executed", "filled")
    assert done["executed_at"] is not None
    board = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]}).json()
    assert Decimal(board["capital"]["committed"]) == 0
    assert (
        Decimal(board["capital"]["deployed"])
        == Decimal(position["entry_price"]) * position["quantity"]
    )
    assert [p["symbol"] for p in board["open_positions"]] == [signal["symbol"]]
    assert board["drift"] == []
    assert [row["date"] for row in board["equity_curve"]] == ["2025-06-02", "2025-06-03"]
    # The test clock stands 41 days before the holiday list runs out: the page says so.
    assert board["calendar_warning"].startswith("the NSE holiday list ends 2026-12-31")


def test_next_open_fills_slip_against_us_onto_the_tick_grid(
    alice: TestClient, with_candles: Runtime
):
    portfolio = _deploy(
        alice, paper_fill="next_open", auto_place_signals=True, slippage_bps="7", max_positions=3
    )
    pid = portfolio["id"]
    _scan(alice, pid)
    _scan(alice, pid, "2025-06-03")  # yesterday's entries fill at today's open
    opened = alice.get("/api/model/positions", params={"status": "open"}).json()
    assert opened
    bought, sold = date(2025, 6, 3), date(2025, 6, 4)
    for position in opened:
        bar = with_candles.candles.read_daily(position["symbol"], bought, bought)
        day_open, high = (Decimal(str(round(float(v[0]), 6))) for v in (bar.open, bar.high))
        price = Decimal(position["entry_price"])
        assert price == min(round_to_tick(day_open * Decimal("1.0007"), RoundDirection.UP), high)
        assert price % Decimal("0.05") == 0
        buy = delivery_charges(Side.BUY, position["quantity"], price, bought)
        assert Decimal(position["charges"]) == buy
    first = opened[0]
    assert alice.post(f"/api/model/positions/{first['id']}/close").json()["failed"] == {}
    _scan(alice, pid, sold.isoformat())  # the manual exit sells at the next open
    (closed,) = alice.get("/api/model/positions", params={"status": "closed"}).json()
    bar = with_candles.candles.read_daily(first["symbol"], sold, sold)
    day_open, low = (Decimal(str(round(float(v[0]), 6))) for v in (bar.open, bar.low))
    exit_price = Decimal(closed["exit_price"])
    assert exit_price == max(round_to_tick(day_open * Decimal("0.9993"), RoundDirection.DOWN), low)
    assert exit_price % Decimal("0.05") == 0
    sell = delivery_charges(Side.SELL, first["quantity"], exit_price, sold)
    entry = Decimal(first["entry_price"])
    pnl = (exit_price - entry) * first["quantity"] - Decimal(first["charges"]) - sell
    assert Decimal(closed["realised_pnl"]) == pnl.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        pytest.param({"universe": "nifty_7"}, "universe", 422, id="unknown-universe"),
        pytest.param({"starting_capital": "0"}, "starting_capital", 422, id="no-capital"),
        pytest.param({"broker": "kite"}, "broker", 422, id="no-adapter"),
        pytest.param({"paper_fill": "someday"}, "paper_fill", 422, id="bad-fill"),
    ],
)
def test_bad_deployments(alice: TestClient, change, field, code):
    body = {"strategy_id": _template(alice, "v1_momentum"), "starting_capital": "100000"} | change
    response = alice.post("/api/model/portfolios/deploy", json=body)
    assert response.status_code == code
    assert field in {e["field"] for e in response.json()["detail"]}
    assert alice.get("/api/model/portfolios").json() == []


def test_live_needs_the_server_switch(alice: TestClient):
    body = {"strategy_id": _template(alice, "v1_momentum"), "starting_capital": "100000"}
    response = alice.post("/api/model/portfolios/deploy", json=body | {"paper_mode": False})
    assert response.status_code == 403
    assert "live_trading_enabled" in response.json()["detail"]


def test_lifecycle_guardrails(alice: TestClient):
    portfolio = _deploy(alice, auto_place_signals=True)
    _scan(alice, portfolio["id"])
    pid = portfolio["id"]
    assert alice.post(f"/api/model/portfolios/{pid}/retire").status_code == 409
    paused = alice.post(f"/api/model/portfolios/{pid}/pause").json()
    assert paused["status"] == "paused"
    skipped = alice.post("/api/model/scan", json={"portfolio_id": pid, "date": "2025-06-03"})
    assert skipped.json() == []  # only active portfolios scan
    assert alice.post(f"/api/model/portfolios/{pid}/resume").json()["status"] == "active"
    strategy_id = portfolio["strategy_id"]
    reset = alice.post(f"/api/model/portfolios/{pid}/reset").json()
    assert (reset["current_capital"], reset["deployed_capital"]) == ("1000000.00", "0.00")
    assert alice.get("/api/model/positions").json() == []
    assert strategy_id is not None


def test_a_strategy_in_use_cannot_be_deleted(alice: TestClient, with_candles: Runtime):
    from tests.api.test_strategies_api import SMA_CROSS

    created = alice.post("/api/strategies", json=SMA_CROSS | {"is_public": True}).json()
    swing = _deploy(alice, strategy_id=created["id"], name="Swing")
    paused = _deploy(alice, strategy_id=created["id"], name="Quiet")
    assert alice.post(f"/api/model/portfolios/{paused['id']}/pause").status_code == 200
    retired = _deploy(alice, strategy_id=created["id"], name="Old")
    assert alice.post(f"/api/model/portfolios/{retired['id']}/retire").status_code == 200
    make_user(with_candles, "bob@x.in")
    alice.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    _deploy(alice, strategy_id=created["id"], name="Bob's secret")
    alice.post("/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD})

    response = alice.delete(f"/api/strategies/{created['id']}")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["rejection_reason"] == "STRATEGY_IN_USE"
    assert detail["portfolios"] == [
        {"id": swing["id"], "name": "Swing", "status": "active"},
        {"id": paused["id"], "name": "Quiet", "status": "paused"},
    ]
    assert detail["other_portfolios"] == 1  # Bob's is counted, never named
    assert "Swing (active), Quiet (paused); 1 of other users" in detail["message"]
    assert "Bob" not in response.text
    assert alice.get(f"/api/strategies/{created['id']}").status_code == 200


def test_others_cannot_see_or_touch(client: TestClient, with_candles: Runtime):
    make_user(with_candles, "bob@x.in")
    sign_in(client, with_candles, "alice@x.in")
    portfolio = _deploy(client)
    pid = portfolio["id"]
    report = _scan(client, pid)
    held, carted = report["entries"][:2]
    client.post(f"/api/model/signals/{held}/approve")
    assert client.post("/api/model/cart/place").json()["placed"] == [held]
    (position,) = client.get("/api/model/positions").json()
    client.post(f"/api/model/signals/{carted}/approve")  # left in Alice's cart
    client.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    assert client.get("/api/model/portfolios").json() == []
    assert client.get("/api/model/signals", params={"portfolio_id": pid}).json() == []
    assert client.get("/api/model/positions", params={"portfolio_id": pid}).json() == []
    for action in ("approve", "unapprove", "reject", "expire"):
        assert client.post(f"/api/model/signals/{carted}/{action}").status_code == 404
    assert client.post(f"/api/model/portfolios/{pid}/pause").status_code == 404
    assert client.post(f"/api/model/portfolios/{pid}/reset").status_code == 404
    assert client.post(f"/api/model/positions/{position['id']}/close").status_code == 404
    scan = client.post("/api/model/scan", json={"portfolio_id": pid, "date": "2025-06-03"})
    assert scan.status_code == 404
    assert client.post("/api/model/cart/place").json() == {
        "placed": [],
        "failed": {},
        "for_agent": [],
    }
    dashboard = client.get("/api/model/dashboard", params={"portfolio_id": pid})
    assert dashboard.status_code == 404
    for missing in (
        "/api/model/signals/999999/approve",
        "/api/model/positions/999999/close",
        "/api/model/portfolios/999999/pause",
    ):
        assert client.post(missing).status_code == 404
    # nothing of Alice's moved
    client.post("/api/auth/password-login", json={"email": "alice@x.in", "password": PASSWORD})
    statuses = {s["id"]: s["status"] for s in client.get("/api/model/signals").json()}
    assert (statuses[held], statuses[carted]) == ("executed", "in_cart")
    assert client.get("/api/model/positions").json()[0]["status"] == "open"
    assert client.get("/api/model/portfolios").json()[0]["last_scan_date"] == SCAN_DAY


# The rules the gate matrix uses (tests/integration/test_risk_gate.py) that apply to an entry
# the scanner proposes; the others need a book the fresh portfolio does not have.
PORTFOLIO_RULES = {
    rule: RULES[rule]
    for rule in (
        "kill_switch",
        "max_order_value",
        "max_exposure",
        "max_symbol_exposure",
        "max_sector_exposure_pct",
    )
}


@pytest.mark.parametrize("rule", list(PORTFOLIO_RULES), ids=list(PORTFOLIO_RULES))
@pytest.mark.parametrize("scoped", [False, True], ids=["account", "portfolio"])
def test_risk_rules_refuse_portfolio_entries(alice: TestClient, rule: str, scoped: bool):
    portfolio = _deploy(alice)
    report = _scan(alice, portfolio["id"])
    first = report["entries"][0]
    body, words = PORTFOLIO_RULES[rule]
    scope = {"portfolio_id": portfolio["id"]} if scoped else {}
    assert alice.post("/api/risk/rules", json={**body, **scope}).status_code == 201
    alice.post(f"/api/model/signals/{first}/approve")
    placed = alice.post("/api/model/cart/place").json()
    assert placed["placed"] == []
    assert words in placed["failed"][str(first)].lower()
    signal = next(s for s in alice.get("/api/model/signals").json() if s["id"] == first)
    assert signal["status"] == "rejected"
    assert signal["error"].startswith("Order rejected by risk rule: ")
    assert alice.get("/api/model/positions").json() == []
    events = alice.get("/api/risk/events").json()
    assert events
    after = alice.get("/api/model/portfolios").json()[0]
    assert after["current_capital"] == "1000000.00"


def test_a_scan_date_the_calendar_cannot_know_is_a_422(alice: TestClient):
    portfolio = _deploy(alice)
    response = alice.post(
        "/api/model/scan", json={"portfolio_id": portfolio["id"], "date": "2099-01-02"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["date"]
    assert alice.get("/api/model/portfolios").json()[0]["last_scan_date"] is None


def test_scans_signals_and_the_dashboard_say_the_data_is_synthetic(
    alice: TestClient, with_candles: Runtime
):
    portfolio = _deploy(alice)
    report = _scan(alice, portfolio["id"])
    assert (report["data_source"], report["synthetic"]) == ("synthetic", True)
    listed = alice.get("/api/model/signals", params={"portfolio_id": portfolio["id"]}).json()
    assert listed
    assert {(s["data_source"], s["synthetic"]) for s in listed} == {("synthetic", True)}
    board = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]}).json()
    assert (board["data_source"], board["synthetic"]) == ("synthetic", True)
    assert {s["data_source"] for s in board["pending_signals"]} <= {"synthetic"}
    # One member's series becomes real: the portfolio now runs on mixed data.
    store = with_candles.candles
    bars = store.read_daily("NSE:INFY", date(2018, 1, 1), SCAN_DAY_DATE)
    store.write_daily("NSE:INFY", bars, source=CandleSource.IMPORT, replace=True)
    board = alice.get("/api/model/dashboard", params={"portfolio_id": portfolio["id"]}).json()
    assert (board["data_source"], board["synthetic"]) == ("mixed", True)
