"""The worker options namespace: sessions, chains, greeks, selection, and option runs
entered and exited through the run's baskets (paper), with nonces, safety tokens,
idempotency and protection."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.workers_kit import Worker, new_worker, set_price
from tradertape.db.models import Order, Trade
from tradertape.runtime import Runtime

NIFTY = "NSE:NIFTY 50"
U = "/options/underlyings/NIFTY"


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, NIFTY, "25010")
    return new_worker(client, runtime)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _reason(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    return str(detail["rejection_reason"])


def test_session_and_expiries(worker: Worker) -> None:
    session = _ok(worker.call("GET", f"{U}/session"))
    assert session["underlying"] == "NIFTY"
    assert session["spot_ltp"] == 25010.0
    assert session["expiries"][:3] == ["2026-11-23", "2026-12-01", "2026-12-08"]
    assert session["snapshot"]["atm_strike"] == 25000.0
    assert session["snapshot"]["lot_size"] == 65
    expiries = _ok(worker.call("GET", "/options/underlyings/nifty/expiries"))
    assert expiries["expiries"] == session["expiries"]


def test_unknown_underlying_is_option_session_not_found(worker: Worker) -> None:
    response = worker.call("GET", "/options/underlyings/NOPE/session")
    assert _reason(response, 404) == "OPTION_SESSION_NOT_FOUND"
    # BANKNIFTY lists once its index has a price.
    assert _reason(worker.call("GET", "/options/underlyings/BANKNIFTY/chain"), 404)


def test_chain_has_prices_iv_and_greeks(worker: Worker) -> None:
    chain = _ok(worker.call("GET", f"{U}/chain", params={"expiry": "next_week"}))
    assert chain["expiry"] == "2026-12-01"
    assert chain["atm_strike"] == 25000.0
    assert len(chain["strikes"]) == len(chain["chain"]) == 121
    row = next(r for r in chain["chain"] if r["strike"] == 25000.0)
    ce, pe = row["ce"], row["pe"]
    assert ce["tradingsymbol"] == "NIFTY26D0125000CE"
    assert (ce["lot_size"], ce["option_type"], pe["option_type"]) == (65, "CE", "PE")
    assert 0.45 < ce["delta"] < 0.6
    assert -0.55 < pe["delta"] < -0.4
    assert ce["iv"] == pytest.approx(13.0, abs=0.3)  # the smile's ATM 13 %, in percent
    assert ce["theta"] < 0
    assert ce["vega"] > 0
    monthly = _ok(worker.call("GET", f"{U}/chain", params={"expiry": "current_month"}))
    assert monthly["expiry"] == "2026-11-23"
    by_date = _ok(worker.call("GET", f"{U}/greeks", params={"expiry": "2026-12-08"}))
    assert by_date["greeks_source"] == "synthetic_forward_black76"
    assert len(by_date["contracts"]) == 242
    mini = _ok(worker.call("GET", f"{U}/mini-chain", params={"window": 2}))
    assert sorted({c["strike"] for c in mini["contracts"]}) == [24900, 24950, 25000, 25050, 25100]


@pytest.mark.parametrize("selector", ["weekly", "2026-12-02", "2026-13-01"])
def test_bad_expiry_selector(worker: Worker, selector: str) -> None:
    response = worker.call("GET", f"{U}/chain", params={"expiry": selector})
    assert _reason(response, 422) == "OPTION_INVALID_EXPIRY_SELECTOR"
    assert response.json()["detail"]["field"] == "expiry"


def _resolve(worker: Worker, *legs: dict[str, Any], expiry: str = "current_week") -> Any:
    return worker.call(
        "POST", f"{U}/selection/resolve", json={"expiry": expiry, "legs": list(legs)}
    )


def test_resolve_by_strike_offset_delta_and_moneyness(worker: Worker) -> None:
    body = _ok(
        _resolve(
            worker,
            {"option_type": "CE", "strike": 25100},
            {"option_type": "CE", "offset": "ATM+1"},
            {"option_type": "PE", "offset": -2},
            {"option_type": "CE", "moneyness": "+1_strike"},
            {"option_type": "CE", "moneyness": "ATM"},
            {"option_type": "PE", "delta_target": 0.3},
            {"option_type": "CE", "target_delta": 0.3},
            expiry="next_week",
        )
    )
    strikes = [(c["strike"], c["option_type"], c["resolver"]) for c in body["resolved"]]
    assert strikes[:5] == [
        (25100.0, "CE", "strike"),
        (25050.0, "CE", "offset"),
        (24900.0, "PE", "offset"),
        (25050.0, "CE", "moneyness"),
        (25000.0, "CE", "moneyness"),
    ]
    put, call = body["resolved"][5], body["resolved"][6]
    assert put["strike"] < 25000 < call["strike"]
    assert abs(put["resolution_meta"]["delta"] + 0.3) < 0.05
    assert abs(call["resolution_meta"]["delta"] - 0.3) < 0.05
    assert body["count"] == 7
    assert body["resolved"][0]["tradingsymbol"] == "NIFTY26D0125100CE"


@pytest.mark.parametrize(
    ("payload", "status", "reason", "field"),
    [
        pytest.param([], 400, "OPTION_SELECTION_INVALID_PAYLOAD", "body", id="not-object"),
        pytest.param({"legs": []}, 400, "OPTION_SELECTION_INVALID_PAYLOAD", "legs", id="no-legs"),
        pytest.param(
            {"legs": [{"option_type": "XX", "strike": 25000}]},
            400,
            "OPTION_SELECTION_INVALID_OPTION_TYPE",
            "legs[0].option_type",
            id="type",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE"}]},
            400,
            "OPTION_SELECTION_INVALID_LEG",
            "legs[0]",
            id="no-selector",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "strike": 25000, "offset": 1}]},
            400,
            "OPTION_SELECTION_INVALID_LEG",
            "legs[0]",
            id="two-selectors",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "offset": "ATM*2"}]},
            400,
            "OPTION_SELECTION_INVALID_LEG",
            "legs[0].offset",
            id="bad-offset",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "moneyness": "deep"}]},
            400,
            "OPTION_SELECTION_INVALID_LEG",
            "legs[0].moneyness",
            id="bad-moneyness",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "delta_target": 1.5}]},
            400,
            "OPTION_SELECTION_INVALID_LEG",
            "legs[0].delta_target",
            id="bad-delta",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "strike": 25025}]},
            422,
            "OPTION_SELECTION_UNRESOLVABLE",
            "legs[0].strike",
            id="unlisted-strike",
        ),
        pytest.param(
            {"legs": [{"option_type": "CE", "offset": 500}]},
            422,
            "OPTION_SELECTION_UNRESOLVABLE",
            "legs[0].offset",
            id="beyond-ladder",
        ),
    ],
)
def test_resolve_refusals(
    worker: Worker, payload: Any, status: int, reason: str, field: str
) -> None:
    response = worker.call("POST", f"{U}/selection/resolve", json=payload)
    assert _reason(response, status) == reason
    assert response.json()["detail"]["field"] == field


def _spread(worker: Worker) -> list[dict[str, Any]]:
    resolved = _ok(
        _resolve(
            worker,
            {"option_type": "CE", "offset": 0},
            {"option_type": "CE", "offset": 2},
            expiry="next_week",
        )
    )["resolved"]
    return [
        {"tradingsymbol": resolved[0]["tradingsymbol"], "transaction_type": "BUY", "lots": 1},
        {"tradingsymbol": resolved[1]["tradingsymbol"], "transaction_type": "SELL", "lots": 1},
    ]


def _create(worker: Worker, run_id: str | None = "run_opt", **extra: Any) -> Any:
    return worker.call(
        "POST",
        "/options/runs",
        json={
            "strategy_run_id": run_id,
            "strategy_name": "Bull call spread",
            "product": "NRML",
            "legs": _spread(worker),
            **extra,
        },
        nonce=extra.pop("nonce", None),
    )


def _count(runtime: Runtime, model: Any) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_option_run_lifecycle(worker: Worker, runtime: Runtime) -> None:
    worker.create_run("run_opt")
    nonce = _ok(worker.call("POST", "/runs/run_opt/claim-session"))["worker_session_nonce"]
    assert _reason(_create(worker), 409) == "WORKER_SESSION_REQUIRED"
    created = _ok(_create(worker, protection={"stoploss_pct": 2.0}, nonce=nonce))
    assert (created["strategy_run_id"], created["status"]) == ("run_opt", "created")
    assert [leg["quantity"] for leg in created["legs"]] == [65, 65]
    assert created["protection"]["rules"][0]["metric"] == "strategy_mtm_pct"
    assert _reason(_create(worker, nonce=nonce), 409) == "OPTION_RUN_EXISTS"

    preview = _ok(worker.call("POST", "/options/runs/run_opt/preview-entry"))
    assert preview["status"] == "entry_previewed"
    assert preview["net_premium"] < 0  # a debit spread pays
    assert preview["cost_contract"]["itemized"]["brokerage"] == 40.0  # ₹20 per option order
    assert _count(runtime, Order) == 0

    safety = _ok(worker.call("GET", "/runs/run_opt/safety-check"))
    assert safety["options_protection"]["applicable"] is True
    entered = _ok(
        worker.call(
            "POST",
            "/options/runs/run_opt/enter",
            json={"safety_token": safety["safety_token"]},
            nonce=nonce,
        )
    )
    assert entered["status"] == "entered"
    assert entered["result"]["status"] == "success"
    assert [leg["net_quantity"] for leg in entered["legs"]] == [65, -65]
    assert _count(runtime, Trade) == 2
    again = _ok(worker.call("POST", "/options/runs/run_opt/enter", json={}, nonce=nonce))
    assert again["deduped"] is True
    assert _count(runtime, Order) == 2

    state = _ok(worker.call("GET", "/options/runs/run_opt/protection/state"))
    assert state["triggered"] is False
    assert state["metrics"]["open_quantity"] == 130.0
    set_price(runtime, NIFTY, "24500")  # the spread loses far more than 2 % of its premium
    state = _ok(worker.call("GET", "/options/runs/run_opt/protection/state"))
    assert state["triggered"] is True
    assert state["matched_rule"]["key"] == "stoploss_pct"
    blocked = _ok(worker.call("GET", "/runs/run_opt/safety-check"))
    assert "OPTIONS_PROTECTION_TRIGGERED" in blocked["blocking_reasons"]
    assert blocked["safety_token"] is None

    exited = _ok(worker.call("POST", "/options/runs/run_opt/exit", json={}, nonce=nonce))
    assert exited["status"] == "exited"
    assert [leg["net_quantity"] for leg in exited["legs"]] == [0, 0]
    assert _count(runtime, Trade) == 4
    refused = worker.call("POST", "/options/runs/run_opt/exit", json={}, nonce=nonce)
    assert _reason(refused, 409) == "OPTION_RUN_STATUS_CONFLICT"
    pnl = _ok(worker.call("GET", "/runs/run_opt/pnl"))
    assert pnl["totals"]["charges"] > 0
    assert pnl["totals"]["unrealized_pnl"] == 0


def test_create_without_a_run_opens_a_paper_run(worker: Worker) -> None:
    created = _ok(_create(worker, run_id=None))
    assert created["strategy_run_id"].startswith("run_")
    assert created["execution_mode"] == "paper"
    run = _ok(worker.call("GET", f"/runs/{created['strategy_run_id']}"))
    assert run["metadata"]["strategy_family"] == "options_strategy"


@pytest.mark.parametrize(
    ("legs", "field"),
    [
        pytest.param(
            [{"tradingsymbol": "INFY", "transaction_type": "BUY"}], "legs[0].tradingsymbol"
        ),
        pytest.param(
            [{"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "quantity": 50}],
            "legs[0].quantity",
        ),
        pytest.param(
            [{"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "lot_size": 75}],
            "legs[0].lot_size",
        ),
        pytest.param(
            [{"tradingsymbol": "NIFTY26D0125000CE", "transaction_type": "BUY", "product": "MIS"}],
            "legs[0].product",
        ),
    ],
)
def test_bad_legs_name_the_field_and_store_nothing(
    worker: Worker, runtime: Runtime, legs: list[dict[str, Any]], field: str
) -> None:
    worker.create_run("run_bad")
    body = {"strategy_run_id": "run_bad", "strategy_name": "x", "product": "NRML", "legs": legs}
    response = worker.call("POST", "/options/runs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert worker.call("GET", "/options/runs/run_bad/state").status_code == 404


def test_protection_rules_update_and_validation(worker: Worker) -> None:
    worker.create_run("run_opt")
    _ok(_create(worker))
    rules = {
        "rules": [{"metric": "combined_premium", "operator": "gte", "threshold": 1}],
        "precedence": ["rule_1"],
    }
    updated = _ok(worker.call("PUT", "/options/runs/run_opt/protection", json=rules))
    assert updated["protection"]["rules"][0]["key"] == "rule_1"
    bad = worker.call(
        "PUT", "/options/runs/run_opt/protection", json={"rules": [{"metric": "vibes"}]}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "body.rules[0].metric"
    state = _ok(worker.call("GET", "/options/runs/run_opt/protection/state"))
    assert state["triggered"] is False  # nothing entered: no premium to compare


def test_another_token_cannot_see_the_option_run(
    worker: Worker, client: TestClient, runtime: Runtime
) -> None:
    worker.create_run("run_opt")
    _ok(_create(worker))
    other = new_worker(client, runtime, "other@x.in")
    assert other.call("GET", "/options/runs/run_opt/state").status_code == 404
    assert other.call("POST", "/options/runs/run_opt/enter", json={}).status_code == 404


def test_protection_replay_is_a_what_if_that_stores_nothing(worker: Worker) -> None:
    worker.create_run("run_opt")
    _ok(_create(worker))
    stop = {"rules": [{"metric": "combined_premium", "operator": "lte", "threshold": 80}]}
    _ok(worker.call("PUT", "/options/runs/run_opt/protection", json=stop))
    snapshots = [
        {"combined_premium": 120.5, "index_ltp": 25010},
        {"combined_premium": None},  # unknown: no rule can fire on it
        {"combined_premium": 79.95},
        {"combined_premium": 60},
    ]

    stored = _ok(
        worker.call(
            "POST", "/options/runs/run_opt/protection/replay", json={"metric_snapshots": snapshots}
        )
    )
    assert [r["triggered"] for r in stored["results"]] == [False, False, True, True]
    assert stored["first_triggered_index"] == 2
    assert stored["results"][2]["matched_rule"]["threshold"] == 80
    assert stored["results"][0]["metrics"] == {"combined_premium": 120.5, "index_ltp": 25010.0}

    tighter = {"stoploss_pct": 2.0}  # strategy_mtm_pct at or under -2
    what_if = _ok(
        worker.call(
            "POST",
            "/options/runs/run_opt/protection/replay",
            json={
                "metric_snapshots": [{"strategy_mtm_pct": -1.99}, {"strategy_mtm_pct": -2}],
                "protection": tighter,
            },
        )
    )
    assert [r["triggered"] for r in what_if["results"]] == [False, True]
    assert what_if["protection"]["rules"][0]["metric"] == "strategy_mtm_pct"
    state = _ok(worker.call("GET", "/options/runs/run_opt/protection/state"))
    assert [r["metric"] for r in state["protection"]["rules"]] == ["combined_premium"]
    assert state["triggered"] is False  # the what-ifs changed nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "metric_snapshots"),
        pytest.param({"metric_snapshots": []}, "metric_snapshots"),
        pytest.param({"metric_snapshots": [5]}, "metric_snapshots[0]"),
        pytest.param({"metric_snapshots": [{"vibes": 1}]}, "metric_snapshots[0].vibes"),
        pytest.param(
            {"metric_snapshots": [{"index_ltp": 1}, {"index_ltp": "high"}]},
            "metric_snapshots[1].index_ltp",
        ),
        pytest.param(
            {"metric_snapshots": [{"index_ltp": 1}], "protection": {"rules": [{"metric": "x"}]}},
            "protection.rules[0].metric",
        ),
    ],
)
def test_protection_replay_refuses_bad_snapshots_naming_the_field(
    worker: Worker, body: dict[str, Any], field: str
) -> None:
    worker.create_run("run_opt")
    _ok(_create(worker))
    response = worker.call("POST", "/options/runs/run_opt/protection/replay", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field


def test_pcr_and_max_pain_read_the_chains_open_interest(worker: Worker) -> None:
    pcr = _ok(worker.call("GET", f"{U}/analytics/pcr", params={"expiry": "next_week"}))
    pain = _ok(worker.call("GET", f"{U}/analytics/max-pain"))

    assert (pcr["underlying"], pcr["expiry"], pcr["oi_source"]) == (
        "NIFTY",
        "2026-12-01",
        "synthetic",
    )
    assert pcr["value"] == round(pcr["put_oi"] / pcr["call_oi"], 4)
    assert 0.5 < pcr["value"] < 2
    assert pain["expiry"] == "2026-11-23"  # nearest by default
    assert 24500 <= pain["value"] <= 25500  # writers' crowd sits around the index
    assert pain["value"] % 50 == 0  # a listed strike
    bad = worker.call("GET", f"{U}/analytics/pcr", params={"expiry": "someday"})
    assert _reason(bad, 422) == "OPTION_INVALID_EXPIRY_SELECTOR"
    missing = worker.call("GET", "/options/underlyings/NOPE/analytics/max-pain")
    assert _reason(missing, 404) == "OPTION_SESSION_NOT_FOUND"


def test_a_paper_entry_goes_leg_by_leg_and_unwinds_a_partial_entry(
    worker: Worker, runtime: Runtime
) -> None:
    worker.create_run("run_opt")
    resolved = _ok(
        _resolve(
            worker,
            {"option_type": "CE", "offset": 1},
            {"option_type": "PE", "offset": -1},
            expiry="next_week",
        )
    )["resolved"]
    call, put = (r["tradingsymbol"] for r in resolved)
    legs = [
        {"tradingsymbol": call, "transaction_type": "BUY", "lots": 1, "leg_id": "call"},
        # far more margin than the paper account's ₹10 lakh: refused for funds (27 lots:
        # within NIFTY's freeze quantity, which would refuse it first)
        {"tradingsymbol": put, "transaction_type": "SELL", "lots": 27, "leg_id": "put"},
    ]
    body = {"strategy_run_id": "run_opt", "strategy_name": "x", "product": "NRML", "legs": legs}
    _ok(worker.call("POST", "/options/runs", json=body))

    entered = _ok(worker.call("POST", "/options/runs/run_opt/enter", json={}))

    assert entered["status"] == "exited"
    assert [(leg["leg_id"], leg["state"]) for leg in entered["legs"]] == [
        ("call", "unwound"),
        ("put", "rejected"),
    ]
    assert entered["result"]["status"] == "partial"
    with runtime.db.session() as db:
        orders = [
            (o.tradingsymbol, o.transaction_type, o.status)
            for o in db.scalars(select(Order).order_by(Order.id))
        ]
    assert orders == [
        (call, "BUY", "COMPLETE"),
        (put, "SELL", "REJECTED"),
        (call, "SELL", "COMPLETE"),
    ]


def test_each_legs_entry_is_written_from_its_orders_events(worker: Worker, runtime: Runtime):
    worker.create_run("run_opt")
    _ok(_create(worker))
    entered = _ok(
        worker.call("POST", "/options/runs/run_opt/enter", json={"idempotency_key": "enter-0001"})
    )
    assert entered["status"] == "entered"
    with runtime.db.session() as db:
        orders = db.scalars(select(Order).order_by(Order.id)).all()
    # what the entry names travels on the order's events, in its attribution
    assert [
        {k: o.attribution[k] for k in ("option_leg", "option_role", "option_source")}
        for o in orders
    ] == [
        {
            "option_leg": leg["leg_id"],
            "option_role": "opt_entry",
            "option_source": "options_runtime",
        }
        for leg in entered["legs"]
    ]
    timeline = _ok(worker.call("GET", "/runs/run_opt/timeline", params={"limit": 200}))
    placed = [e for e in timeline["events"] if e["event_type"] == "order.updated"]
    assert [(e["event_source"], e["related_resource_id"]) for e in placed] == [
        ("options_runtime", o.order_id) for o in orders
    ]
    assert [e["payload"] for e in placed] == [
        {
            "order_id": o.order_id,
            "broker_order_id": None,
            "status": "COMPLETE",
            "filled_quantity": o.quantity,
            "role": "opt_entry",
            "leg_id": leg["leg_id"],
            "idempotency_key": "enter-0001",
        }
        for o, leg in zip(orders, entered["legs"], strict=True)
    ]
    again = _ok(
        worker.call("POST", "/options/runs/run_opt/enter", json={"idempotency_key": "enter-0001"})
    )
    assert again["deduped"] is True  # a replay records no event: no entry from it
    timeline = _ok(worker.call("GET", "/runs/run_opt/timeline", params={"limit": 200}))
    assert len([e for e in timeline["events"] if e["event_type"] == "order.updated"]) == 2
