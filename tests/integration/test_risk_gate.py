"""One pre-trade gate for every order path: each rule type that can refuse × each path that
can open exposure is refused in the rule's words with nothing filled, while exits (a sell of
what is held, a run's exit, the broker's square-off, a GTT stop) still go through with the
kill switch on. Also: the worker safety check, rule scopes by ``strategy_run_id`` (another
user's is a 404, a run's rule is that run's only) and a risk state that counts every book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.helpers import sign_in
from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.db.models import Gtt, Order, Trade, WorkerRun
from tradertape.db.models.portfolios import ModelPortfolio, ModelPosition
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

PREFIX = "Order rejected by risk rule: "
NIFTY = "NSE:NIFTY 50"

# Each rule that can refuse, and a fragment of the reason it gives. The book every path
# starts from holds 1 TCS bought at 3,000 and now at 2,990 (a ₹10 loss today).
RULES: dict[str, tuple[dict[str, Any], str]] = {
    "kill_switch": ({"type": "kill_switch"}, "kill switch is on"),
    "max_order_value": ({"type": "max_order_value", "threshold_amount": "100"}, "order value"),
    "max_open_positions": (
        {"type": "max_open_positions", "threshold_count": 1},
        "open, over the limit of 1",
    ),
    "max_exposure": ({"type": "max_exposure", "threshold_amount": "100"}, "exposure would reach"),
    "max_symbol_exposure": (
        {"type": "max_symbol_exposure", "threshold_amount": "100"},
        "per-symbol limit",
    ),
    "max_sector_exposure_pct": (
        {"type": "max_sector_exposure_pct", "threshold_pct": "0.0001"},
        "of capital",
    ),
    "daily_loss_limit": ({"type": "daily_loss_limit", "threshold_amount": "5"}, "today's loss"),
}


@dataclass
class Desk:
    """One user who trades by hand and through a worker run, holding 1 TCS."""

    client: TestClient
    runtime: Runtime
    worker: Worker

    def rest(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/api/orders", json=body)
        assert response.status_code == 201, response.text
        placed: dict[str, Any] = response.json()
        return placed

    def count(self, model: Any) -> int:
        with self.runtime.db.session() as db:
            return int(db.scalar(select(func.count()).select_from(model)) or 0)

    def rule(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/api/risk/rules", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def tick(self, key: str, price: str) -> None:
        """A tick the trading loop would hand the GTT book."""
        tick = make_tick(key, price, ts=self.runtime.clock.now())
        self.runtime.quotes.update(tick)
        with self.runtime.db.session() as db:
            self.runtime.gtts.on_tick(db, tick)


def buy(symbol: str, qty: int = 1, **kw: Any) -> dict[str, Any]:
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": qty,
        "product": "CNC",
        "order_type": "MARKET",
        **kw,
    }


def gtt(side: str, symbol: str, trigger: str, last: str, qty: int = 1) -> dict[str, Any]:
    return {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": symbol,
            "trigger_values": [trigger],
            "last_price": last,
        },
        "orders": [
            {
                "transaction_type": side,
                "quantity": qty,
                "order_type": "LIMIT",
                "product": "CNC",
                "price": trigger,
            }
        ],
    }


@pytest.fixture
def desk(client: TestClient, runtime: Runtime) -> Desk:
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:TCS", "3000")
    set_price(runtime, NIFTY, "25010")
    worker = new_worker(client, runtime)  # signs the user in on `client` too
    worker.create_run("run_a")  # the run's creation funds the paper account (₹10 lakh)
    desk = Desk(client, runtime, worker)
    assert desk.rest(buy("TCS"))["status"] == "COMPLETE"
    set_price(runtime, "NSE:TCS", "2990")
    return desk


# -- the paths: set up before the rule, then act; the act returns the refusal's words ------


def _rest_order(desk: Desk, _: Any) -> str:
    placed = desk.rest(buy("INFY"))
    assert placed["status"] == "REJECTED"
    return str(placed["status_message"])


def _modify_setup(desk: Desk) -> Any:
    # rests below the last price (1,500), within its price band
    return desk.rest(buy("INFY", order_type="LIMIT", price="1250"))["order_id"]


def _rest_modify(desk: Desk, order_id: Any) -> str:
    response = desk.client.put(f"/api/orders/{order_id}", json={"quantity": 5})
    assert response.status_code == 400, response.text
    with desk.runtime.db.session() as db:
        kept = db.scalar(select(Order).where(Order.order_id == order_id))
        assert kept is not None
        assert (kept.quantity, kept.status) == (1, "OPEN")
    return str(response.json()["detail"])


def _gtt_create(desk: Desk, _: Any) -> str:
    response = desk.client.post("/api/gtt/triggers", json=gtt("BUY", "INFY", "1400", "1500"))
    assert response.status_code == 400, response.text
    assert desk.count(Gtt) == 0
    return str(response.json()["detail"])


def _gtt_setup(desk: Desk) -> Any:
    response = desk.client.post("/api/gtt/triggers", json=gtt("BUY", "INFY", "1400", "1500"))
    assert response.status_code == 201, response.text
    return response.json()["trigger_id"]


def _gtt_fire(desk: Desk, trigger_id: Any) -> str:
    desk.tick("NSE:INFY", "1400")
    fired = desk.client.get(f"/api/gtt/triggers/{trigger_id}").json()
    assert fired["status"] == "triggered"
    result = fired["orders"][0]["result"]["order_result"]
    assert result["status"] == "failed"
    return str(result["rejection_reason"])


def _refused(response: Any) -> str:
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail["rejection_reason"] == "RISK_CHECK_FAILED"
    assert detail["blocking_reasons"]
    return str(detail["message"])


def _worker_order(desk: Desk, _: Any) -> str:
    message = _refused(desk.worker.place("run_a", "intent-0001"))
    orders = desk.worker.call("GET", "/orders", params={"strategy_run_id": "run_a"}).json()[
        "orders"
    ]
    assert [(o["status"], o["status_message"]) for o in orders] == [("REJECTED", message)]
    return message


def _worker_basket(desk: Desk, _: Any) -> str:
    body = {
        "intent_type": "place_basket",
        "payload": {"basket": {"orders": [order("INFY"), order("SBIN")]}},
        "idempotency_key": "basket-0001",
        "metadata": {},
    }
    set_price(desk.runtime, "NSE:SBIN", "800")
    return _refused(desk.worker.call("POST", "/runs/run_a/intents", json=body))


def _option_setup(desk: Desk) -> Any:
    desk.worker.create_run("run_opt")
    resolved = desk.worker.call(
        "POST",
        "/options/underlyings/NIFTY/selection/resolve",
        json={"expiry": "next_week", "legs": [{"option_type": "CE", "offset": 0}]},
    ).json()["resolved"]
    legs = [{"tradingsymbol": resolved[0]["tradingsymbol"], "transaction_type": "BUY", "lots": 1}]
    body = {"strategy_run_id": "run_opt", "strategy_name": "Long call", "product": "NRML"}
    created = desk.worker.call("POST", "/options/runs", json={**body, "legs": legs})
    assert created.status_code == 200, created.text
    return None


def _option_enter(desk: Desk, _: Any) -> str:
    return _refused(desk.worker.call("POST", "/options/runs/run_opt/enter", json={}))


def _none(desk: Desk) -> Any:
    return None


Path = tuple[Callable[[Desk], Any], Callable[[Desk, Any], str]]
PATHS: dict[str, Path] = {
    "rest_order": (_none, _rest_order),
    "rest_modify_up": (_modify_setup, _rest_modify),
    "gtt_create": (_none, _gtt_create),
    "gtt_fire": (_gtt_setup, _gtt_fire),
    "worker_place_order": (_none, _worker_order),
    "worker_place_basket": (_none, _worker_basket),
    "option_run_enter": (_option_setup, _option_enter),
}


@pytest.mark.parametrize("rule", list(RULES), ids=list(RULES))
@pytest.mark.parametrize("path", list(PATHS), ids=list(PATHS))
def test_every_rule_refuses_every_entry_path(desk: Desk, rule: str, path: str) -> None:
    setup, act = PATHS[path]
    prepared = setup(desk)
    body, words = RULES[rule]
    desk.rule(body)
    trades = desk.count(Trade)
    message = act(desk, prepared)
    assert message.startswith(PREFIX), message
    assert words in message, message
    assert desk.count(Trade) == trades  # nothing filled
    events = desk.client.get("/api/risk/events").json()
    assert events
    assert events[0]["rule_type"] == rule


def test_a_sell_of_what_is_held_and_a_run_exit_pass_with_the_kill_switch_on(desk: Desk) -> None:
    assert desk.worker.place("run_a", "entry-0001").json()["result"]["status"] == "filled"
    assert desk.client.post("/api/risk/kill-switch", json={"on": True}).json()["on"] is True
    assert desk.rest(buy("INFY"))["status"] == "REJECTED"  # the switch is on
    held = {**buy("TCS"), "transaction_type": "SELL"}
    assert desk.rest(held)["status"] == "COMPLETE"
    exited = desk.worker.call("POST", "/runs/run_a/exit", json={"reason": "done"})
    assert exited.status_code == 200, exited.text
    orders = desk.worker.call("GET", "/orders", params={"strategy_run_id": "run_a"}).json()[
        "orders"
    ]
    assert [(o["transaction_type"], o["status"]) for o in orders] == [
        ("BUY", "COMPLETE"),
        ("SELL", "COMPLETE"),
    ]


def test_a_gtt_stop_and_the_square_off_pass_with_the_kill_switch_on(
    desk: Desk, runtime: Runtime
) -> None:
    set_price(runtime, "NSE:SBIN", "800")
    assert desk.rest(buy("SBIN", 2, product="MIS"))["status"] == "COMPLETE"
    stop = desk.client.post("/api/gtt/triggers", json=gtt("SELL", "TCS", "2900", "2990"))
    assert stop.status_code == 201, stop.text
    desk.client.post("/api/risk/kill-switch", json={"on": True})
    desk.tick("NSE:TCS", "2900")
    fired = desk.client.get(f"/api/gtt/triggers/{stop.json()['trigger_id']}").json()
    assert fired["orders"][0]["result"]["order_result"]["status"] == "success"
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(hours=5, minutes=21))  # 15:21 IST: past the equity square-off
    with runtime.db.session() as db:
        squared = runtime.session_jobs.square_off_mis(db)
    assert [(o.tradingsymbol, o.transaction_type, o.status) for o in squared] == [
        ("SBIN", "SELL", "COMPLETE")
    ]
    positions = desk.client.get("/api/portfolio/positions").json()["net"]
    assert {p["tradingsymbol"]: p["quantity"] for p in positions} == {"TCS": 0, "SBIN": 0}


def test_the_safety_check_reports_the_kill_switch(desk: Desk) -> None:
    before = desk.worker.call("GET", "/runs/run_a/safety-check").json()
    assert (before["can_trade"], before["blocking_reasons"]) == (True, [])
    desk.client.post("/api/risk/kill-switch", json={"on": True})
    desk.rule({"type": "daily_loss_limit", "threshold_amount": "5"})  # ₹10 lost today
    desk.rule({"type": "max_order_value", "threshold_amount": "1"})  # per order: not a state
    after = desk.worker.call("GET", "/runs/run_a/safety-check").json()
    assert after["can_trade"] is False
    assert after["safety_token"] is None
    assert after["blocking_reasons"] == ["RISK_KILL_SWITCH", "RISK_DAILY_LOSS_LIMIT"]


def test_rules_scoped_to_a_run_apply_to_that_run_only(desk: Desk) -> None:
    desk.worker.create_run("run_b")
    rule = desk.rule({"type": "kill_switch", "strategy_run_id": "run_a"})
    assert (rule["scope"], rule["strategy_run_id"]) == ("worker_run", "run_a")
    assert desk.client.get("/api/risk/rules").json()[0]["strategy_run_id"] == "run_a"
    assert "kill switch" in _refused(desk.worker.place("run_a", "intent-a-0001"))
    (event,) = desk.client.get("/api/risk/events").json()
    assert (event["origin"], event["strategy_run_id"]) == ("worker", "run_a")
    assert desk.worker.place("run_b", "intent-b-0001").json()["result"]["status"] == "filled"
    assert desk.rest(buy("INFY"))["status"] == "COMPLETE"
    safety_a = desk.worker.call("GET", "/runs/run_a/safety-check").json()
    safety_b = desk.worker.call("GET", "/runs/run_b/safety-check").json()
    assert (safety_a["can_trade"], safety_b["can_trade"]) == (False, True)


def test_a_scope_the_user_does_not_own_is_a_404(
    client: TestClient, runtime: Runtime, desk: Desk
) -> None:
    user_id = desk.client.get("/api/auth/me").json()["id"]
    with runtime.db.session() as db:
        portfolio_id = close_fill_portfolio(db, user_id, runtime.clock.now())
        run_pk = db.scalar(select(WorkerRun.id).where(WorkerRun.run_key == "run_a"))
        db.commit()
    mine = desk.rule({"type": "kill_switch", "portfolio_id": portfolio_id})
    assert (mine["scope"], mine["portfolio_id"]) == ("portfolio", portfolio_id)
    sign_in(client, runtime, "mallory@x.in")
    for body in (
        {"type": "kill_switch", "strategy_run_id": "run_a"},
        {"type": "kill_switch", "worker_run_id": run_pk},
        {"type": "kill_switch", "portfolio_id": portfolio_id},
        {"type": "kill_switch", "strategy_run_id": "run_nobody"},
    ):
        response = client.post("/api/risk/rules", json=body)
        assert response.status_code == 404, (body, response.text)
        assert "not found" in response.json()["detail"]
    assert client.get("/api/risk/rules").json() == []


def close_fill_portfolio(db: Session, user_id: int, now: datetime) -> int:
    """A model portfolio that fills at the close (virtually, outside the paper ledger)."""
    portfolio = ModelPortfolio(
        user_id=user_id,
        name="Close fills",
        strategy_version=1,
        strategy_snapshot={},
        broker="paper",
        universe="nifty_50",
        status="active",
        starting_capital=Decimal(100000),
        current_capital=Decimal(92000),
        deployed_capital=Decimal(8000),
        committed_capital=Decimal(0),
        realised_pnl=Decimal(0),
        charges_paid=Decimal(0),
        position_size_pct=Decimal(10),
        max_positions=5,
        max_oversubscription=Decimal(1),
        min_hold_days=0,
        atr_stop_multiplier=Decimal(2),
        slippage_bps=Decimal(0),
        auto_place_signals=False,
        paper_mode=True,
        paper_fill="close",
        created_at=now,
        updated_at=now,
        equity_curve=[],
    )
    db.add(portfolio)
    db.flush()
    return portfolio.id


def test_risk_state_counts_manual_worker_and_portfolio_positions(
    desk: Desk, runtime: Runtime
) -> None:
    assert desk.worker.place("run_a", "entry-0001").json()["result"]["status"] == "filled"
    user_id = desk.client.get("/api/auth/me").json()["id"]
    now = runtime.clock.now()
    with runtime.db.session() as db:  # a portfolio that fills at the close holds SBIN
        portfolio_id = close_fill_portfolio(db, user_id, now)
        db.add(
            ModelPosition(
                user_id=user_id,
                portfolio_id=portfolio_id,
                symbol="NSE:SBIN",
                sector="Financial Services",
                quantity=10,
                base_quantity=10,
                entry_price=Decimal(800),
                entry_date=now.date() - timedelta(days=1),
                held_from=now.date(),
                addon_count=0,
                highest_close=Decimal(800),
                status="open",
                created_at=now,
                updated_at=now,
            )
        )
        # ... booked in its own book of the account, as every virtual fill is
        runtime.exchange.book_virtual_fill(
            db,
            user_id=user_id,
            key="NSE:SBIN",
            buy=True,
            quantity=10,
            price=Decimal(800),
            charges=Decimal(0),
            at=now - timedelta(days=1),
            attribution={"portfolio_id": portfolio_id},
        )
        db.commit()
    state = desk.client.get("/api/risk/state").json()
    assert state["open_positions"] == 3  # TCS by hand, INFY by the worker, SBIN virtually
    assert Decimal(state["exposure"]["positions"]) == Decimal("2990") + 1500 + 8000
    desk.rule({"type": "max_open_positions", "threshold_count": 3})
    assert desk.rest(buy("HDFCBANK"))["status"] == "REJECTED"
    # The account is one: what the portfolio's book holds, the account holds, so a sale of
    # SBIN by hand lowers the account's exposure (an exit, never blocked), while a sale of
    # what no book holds opens a short (an entry, blocked by the kill switch).
    desk.client.post("/api/risk/kill-switch", json={"on": True})
    set_price(runtime, "NSE:SBIN", "800")
    set_price(runtime, "NSE:HDFCBANK", "1600")
    sold = desk.rest({**buy("SBIN", 10, product="MIS"), "transaction_type": "SELL"})
    assert sold["status"] == "COMPLETE"
    short = desk.rest({**buy("HDFCBANK", 1, product="MIS"), "transaction_type": "SELL"})
    assert (short["status"], short["status_message"]) == (
        "REJECTED",
        PREFIX + "kill switch is on: new entries are blocked",
    )


def test_a_worker_modify_that_enlarges_its_order_is_refused_and_one_that_shrinks_passes(
    desk: Desk,
) -> None:
    resting = order("INFY", quantity=4, order_type="LIMIT", price=1250)
    placed = desk.worker.place("run_a", "rest-0001", resting).json()["result"]
    assert placed["status"] == "accepted"
    order_id = placed["order_id"]
    desk.rule({"type": "max_order_value", "threshold_amount": "5500"})  # 4 × 1,250 fits

    def modify(quantity: int) -> Any:
        body = {"strategy_run_id": "run_a", "quantity": quantity}
        return desk.worker.call("POST", f"/orders/{order_id}/modify", json=body)

    refused = modify(5)
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == (
        PREFIX + "order value ₹6,250.00 is over the ₹5,500.00 limit"
    )
    shrunk = modify(2)
    assert shrunk.status_code == 200, shrunk.text
    assert (shrunk.json()["result"]["quantity"], shrunk.json()["result"]["status"]) == (2, "OPEN")
