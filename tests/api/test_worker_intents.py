"""Worker intents in each mode, nonces, idempotency keys, baskets, previews, orders, exits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.workers_kit import Worker, new_worker, order, set_price
from tradertape.db.models import Order, WorkerIntent
from tradertape.runtime import Runtime


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:TCS", "3200")
    worker = new_worker(client, runtime)
    worker.create_run("run_x")
    return worker


def _orders(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Order)) or 0)


def test_paper_order_fills_and_is_attributed(worker: Worker, runtime: Runtime):
    response = worker.place("run_x", "run_x:entry:001", order(quantity=2))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "accepted"
    result = body["result"]
    assert (result["mode"], result["status"]) == ("paper", "filled")
    assert result["order"]["status"] == "COMPLETE"
    assert result["order"]["average_price"] == 1500.0
    assert result["trade"]["quantity"] == 2
    assert result["order"]["tag"] == "wr1"
    with runtime.db.session() as db:
        stored = db.scalar(select(Order))
        assert stored is not None
        assert stored.attribution["strategy_run_id"] == "run_x"
        assert stored.attribution["entry_surface"] == "algo_worker"
        assert stored.source == "worker"


def test_replay_returns_the_stored_result_and_places_nothing(worker: Worker, runtime: Runtime):
    first = worker.place("run_x", "run_x:entry:001").json()
    set_price(runtime, "NSE:INFY", "1600")  # the market moved; the replay must not care
    replay = worker.place("run_x", "run_x:entry:001", order(quantity=9)).json()

    assert replay == {"status": "deduped", "result": first["result"]}
    assert _orders(runtime) == 1


@pytest.mark.parametrize("key", ["short", "k" * 161])
def test_key_length_is_checked(worker: Worker, key: str):
    response = worker.place("run_x", key)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "idempotency_key"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"quantity": 0}, "payload.order.quantity", id="quantity"),
        pytest.param({"order_type": "LIMIT"}, "payload.order.price", id="limit-without-price"),
        pytest.param(
            {"order_type": "SL", "price": 1500}, "payload.order.trigger_price", id="sl-trigger"
        ),
        pytest.param({"order_type": "SL-M"}, "payload.order.trigger_price", id="slm-needs-trigger"),
        pytest.param(
            {"disclosed_quantity": 5, "quantity": 2},
            "payload.order.disclosed_quantity",
            id="disclosed",
        ),
        pytest.param(
            {"order_type": "LIMIT", "price": 1500, "market_protection": 5},
            "payload.order.market_protection",
            id="protection-on-limit",
        ),
        pytest.param({"market_protection": 101}, "payload.order.market_protection", id="mp-range"),
        pytest.param(
            {"variety": "iceberg", "iceberg_legs": 11, "iceberg_quantity": 1},
            "payload.order.iceberg_legs",
            id="iceberg-legs",
        ),
        pytest.param(
            {"variety": "co", "product": "MIS"}, "payload.order.trigger_price", id="co-stop"
        ),
        pytest.param({"validity": "TTL"}, "payload.order.validity_ttl", id="ttl"),
        pytest.param({"tag": "mine"}, "payload.order.tag", id="tag"),
        pytest.param({"attribution": {}}, "payload.order.attribution", id="attribution"),
        pytest.param({"tradingsymbol": "NOPE"}, "payload.order.tradingsymbol", id="unknown"),
        pytest.param({"transaction_type": "HOLD"}, "payload.order.transaction_type", id="side"),
    ],
)
def test_malformed_orders_are_422_naming_the_field(
    worker: Worker, runtime: Runtime, changes: dict[str, Any], field: str
):
    response = worker.place("run_x", "bad-order-1", order(**changes))

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    with runtime.db.session() as db:  # nothing recorded: the key is still free
        assert db.scalar(select(func.count()).select_from(WorkerIntent)) == 0


def test_unsupported_intent_type_is_400(worker: Worker):
    response = worker.call(
        "POST",
        "/runs/run_x/intents",
        json={"intent_type": "place_gtt", "payload": {}, "idempotency_key": "abcdefgh"},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["rejection_reason"] == "UNSUPPORTED_INTENT_TYPE"


def test_dry_run_mode_validates_and_records_nothing(worker: Worker, runtime: Runtime):
    worker.create_run("run_dry", execution_mode="dry_run")
    first = worker.place("run_dry", "dry-entry-1").json()
    again = worker.place("run_dry", "dry-entry-1").json()

    result = first["result"]
    assert first["status"] == again["status"] == "accepted"
    assert (result["mode"], result["status"], result["mutated_state"]) == (
        "dry_run",
        "validated",
        False,
    )
    assert result["payload"]["order"]["tradingsymbol"] == "INFY"
    assert result["attribution"]["strategy_run_id"] == "run_dry"
    assert _orders(runtime) == 0
    pnl = worker.call("GET", "/runs/run_dry/pnl").json()
    assert pnl["legs"] == []
    assert pnl["totals"]["net_pnl"] == 0.0


def test_session_nonce_rules_on_intents(worker: Worker):
    unclaimed = worker.place("run_x", "no-session-1")
    nonce = worker.call("POST", "/runs/run_x/claim-session").json()["worker_session_nonce"]
    missing = worker.place("run_x", "claimed-1")
    literal_none = worker.place("run_x", "claimed-2", nonce="None")
    wrong = worker.place("run_x", "claimed-3", nonce="wsn_nope")
    right = worker.place("run_x", "claimed-4", nonce=nonce)

    assert unclaimed.json()["status"] == "accepted"
    assert missing.json()["detail"]["rejection_reason"] == "WORKER_SESSION_REQUIRED"
    assert literal_none.json()["detail"]["rejection_reason"] == "WORKER_SESSION_REQUIRED"
    assert wrong.status_code == 409
    assert wrong.json()["detail"]["rejection_reason"] == "WORKER_SESSION_CONFLICT"
    assert right.json()["status"] == "accepted"


def test_mode_must_be_allowed_for_the_token(client: TestClient, runtime: Runtime):
    dry_only = new_worker(client, runtime, "d@x.in", allowed_modes=["dry_run"])
    refused = dry_only.call(
        "POST", "/runs", json={"template_id": "t", "account_scope": "kite:paper"}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"]["rejection_reason"] == "EXECUTION_MODE_NOT_ALLOWED"


def test_insufficient_funds_is_a_stored_rejection(worker: Worker):
    response = worker.place("run_x", "too-big-001", order(quantity=10_000))
    result = response.json()["result"]
    assert result["status"] == "rejected"
    assert result["reason"].startswith("Insufficient funds")
    assert worker.place("run_x", "too-big-001").json()["status"] == "deduped"


def _basket(worker: Worker, key: str, orders: list[dict[str, Any]], **flags: bool) -> Any:
    body = {
        "intent_type": "place_basket",
        "payload": {"basket": {"orders": orders, "all_or_none": False, "dry_run": False, **flags}},
        "idempotency_key": key,
    }
    return worker.call("POST", "/runs/run_x/intents", json=body)


def test_basket_leg_by_leg(worker: Worker):
    response = _basket(worker, "basket-0001", [order(), order("TCS", quantity=1_000)])
    result = response.json()["result"]
    assert result["status"] == "partial"
    assert [leg["status"] for leg in result["results"]] == ["filled", "rejected"]
    assert result["errors"][0]["leg_index"] == 1
    assert result["basket_execution_id"].startswith("bex_")
    orders_ = worker.call("GET", "/orders", params={"strategy_run_id": "run_x"}).json()
    assert [o["status"] for o in orders_["orders"]] == ["COMPLETE", "REJECTED"]


def test_all_or_none_basket_rolls_back_every_leg(worker: Worker, runtime: Runtime):
    failed = _basket(
        worker, "basket-0002", [order(), order("TCS", quantity=1_000)], all_or_none=True
    )
    result = failed.json()["result"]
    ok = _basket(worker, "basket-0003", [order(), order("TCS")], all_or_none=True).json()["result"]

    assert result["status"] == "failed"
    assert [leg["status"] for leg in result["results"]] == ["rolled_back", "rolled_back"]
    assert result["errors"] == [{"leg_index": 1, "reason": result["errors"][0]["reason"]}]
    assert ok["status"] == "success"
    assert _orders(runtime) == 2  # only the second basket's legs exist
    timeline = worker.call(
        "GET", "/runs/run_x/timeline", params={"event_type": "basket.status_changed"}
    )
    baskets = timeline.json()["events"]
    assert [e["payload"]["status"] for e in baskets] == ["failed", "success"]
    assert baskets[0]["basket_execution_id"] == result["basket_execution_id"]


def test_basket_dry_run_flag_places_nothing(worker: Worker, runtime: Runtime):
    response = _basket(worker, "basket-dry-1", [order(), order("TCS")], dry_run=True)
    result = response.json()["result"]
    assert result["status"] == "dry_run"
    assert result["mutated_state"] is False
    assert len(result["legs"]) == 2
    assert result["cost_contract"]["margin_required"] == 4700.0
    assert _orders(runtime) == 0


def test_basket_leg_errors_name_the_leg(worker: Worker):
    response = _basket(worker, "basket-bad-1", [order(), order(order_type="LIMIT")])
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "payload.basket.orders[1].price"


def test_preview_order_has_the_cost_contract(worker: Worker):
    preview = worker.call(
        "POST",
        "/runs/run_x/preview/order",
        json={"order": order(quantity=10, product="MIS"), "metadata": {}},
    ).json()

    assert set(preview) == {"strategy_run_id", "mode", "preview"}
    assert set(preview["preview"]) == {"intent_type", "order", "basket", "cost_contract"}
    contract = preview["preview"]["cost_contract"]
    assert set(contract) == {
        "margin_required",
        "charges_estimate",
        "total_charges",
        "total_taxes",
        "itemized",
        "dp_charge",
        "dp_charge_status",
    }
    # ₹15,000 intraday buy: 20 % margin; brokerage 0.03 % capped at ₹20 → ₹4.50
    assert contract["margin_required"] == 3000.0
    assert contract["itemized"]["brokerage"] == 4.5
    assert contract["itemized"]["stt"] == 0.0  # intraday STT is on the sell side
    assert contract["total_charges"] == pytest.approx(
        sum(
            contract["itemized"][k]
            for k in (
                "brokerage",
                "exchange_transaction_charge",
                "stt",
                "stamp_duty",
                "sebi_charge",
                "gst",
            )
        ),
        abs=0.02,
    )
    assert preview["preview"]["order"]["attribution"]["strategy_run_id"] == "run_x"


def test_preview_basket(worker: Worker):
    preview = worker.call(
        "POST",
        "/runs/run_x/preview/basket",
        json={"orders": [order(), order("TCS", side="SELL", product="MIS")], "all_or_none": True},
    ).json()
    body = preview["preview"]
    assert body["intent_type"] == "place_basket"
    assert body["order"] is None
    assert body["basket"]["all_or_none"] is True
    assert [leg["leg_index"] for leg in body["basket"]["legs"]] == [0, 1]
    assert body["cost_contract"]["margin_required"] == 1500.0 + 640.0


def test_limit_order_rests_then_modify_and_cancel(worker: Worker):
    placed = worker.place("run_x", "limit-0001", order(order_type="LIMIT", price=1400)).json()
    order_id = placed["result"]["order_id"]
    assert placed["result"]["status"] == "accepted"

    modified = worker.call(
        "POST", f"/orders/{order_id}/modify", json={"strategy_run_id": "run_x", "price": 1410}
    )
    one = worker.call("GET", f"/orders/{order_id}", params={"strategy_run_id": "run_x"})
    cancelled = worker.call(
        "POST",
        f"/orders/{order_id}/cancel",
        json={"strategy_run_id": "run_x", "variety": "regular"},
    )
    history = worker.call("GET", f"/orders/{order_id}/history", params={"strategy_run_id": "run_x"})

    assert modified.json()["result"]["price"] == 1410.0
    assert one.json()["order"]["order_id"] == order_id
    assert cancelled.json()["result"]["status"] == "CANCELLED"
    statuses = [h["status"] for h in history.json()["history"]]
    assert statuses == ["OPEN", "OPEN", "CANCELLED"]
    assert all(h["order_id"] == order_id for h in history.json()["history"])


def test_orders_of_other_runs_are_hidden(client: TestClient, runtime: Runtime, worker: Worker):
    order_id = worker.place("run_x", "hidden-0001", order(order_type="LIMIT", price=1400)).json()[
        "result"
    ]["order_id"]
    worker.create_run("run_y")
    other = new_worker(client, runtime, "o@x.in")
    other.create_run("run_x")

    sibling = worker.call("POST", f"/orders/{order_id}/cancel", json={"strategy_run_id": "run_y"})
    foreign = other.call("POST", f"/orders/{order_id}/cancel", json={"strategy_run_id": "run_x"})
    unknown = worker.call("GET", "/orders/999", params={"strategy_run_id": "run_x"})

    assert sibling.status_code == 409
    assert sibling.json()["detail"]["rejection_reason"] == "ORDER_OWNERSHIP_CONFLICT"
    assert foreign.status_code == unknown.status_code == 404
    assert other.call("GET", "/orders", params={"strategy_run_id": "run_x"}).json()["orders"] == []


def test_exit_dry_run_then_exit_once(worker: Worker, runtime: Runtime):
    worker.place("run_x", "entry-00001", order(quantity=3))
    worker.place("run_x", "entry-00002", order(order_type="LIMIT", price=1400))

    plan = worker.call("POST", "/runs/run_x/exit", json={"dry_run": True}).json()
    done = worker.call(
        "POST", "/runs/run_x/exit", json={"reason": "target", "idempotency_key": "run_x:exit:1"}
    ).json()
    again = worker.call(
        "POST", "/runs/run_x/exit", json={"reason": "target", "idempotency_key": "run_x:exit:1"}
    ).json()

    assert plan["status"] == "dry_run"
    assert plan["exit"]["orders"][0]["transaction_type"] == "SELL"
    assert plan["exit"]["orders"][0]["quantity"] == 3
    assert len(plan["exit"]["cancels"]) == 1
    assert plan["run"]["status"] == "open"
    assert done["status"] == "success"
    assert done["run"]["status"] == "closed"
    assert done["run"]["runtime_state"]["exit_reason"] == "target"
    assert len(done["result"]["cancelled"]) == 1
    assert again["status"] == "already_submitted"
    assert again["result"] == done["result"]
    pnl = worker.call("GET", "/runs/run_x/pnl").json()
    assert pnl["position_count"] == 0
    assert pnl["legs"][0]["side"] == "FLAT"


def test_exit_without_a_price_leaves_the_run_exiting(worker: Worker, runtime: Runtime):
    set_price(runtime, "NSE:WIPRO", "250")
    worker.place("run_x", "entry-wipro", order("WIPRO", quantity=4))
    runtime.quotes._ticks.pop("NSE:WIPRO")  # no price now: the exit rests

    done = worker.call("POST", "/runs/run_x/exit", json={}).json()

    assert done["status"] == "submitted"
    assert done["run"]["status"] == "exiting"
    assert (
        worker.place("run_x", "after-exit-1").json()["detail"]["rejection_reason"] == "RUN_NOT_OPEN"
    )


def test_exit_needs_the_nonce_on_a_claimed_run(worker: Worker):
    nonce = worker.call("POST", "/runs/run_x/claim-session").json()["worker_session_nonce"]
    refused = worker.call("POST", "/runs/run_x/exit", json={})
    done = worker.call("POST", "/runs/run_x/exit", json={}, nonce=nonce)
    assert refused.json()["detail"]["rejection_reason"] == "WORKER_SESSION_REQUIRED"
    assert done.json()["status"] == "noop"
    assert done.json()["run"]["status"] == "closed"


def test_invalid_backend_protection_is_422(worker: Worker):
    protection = {"enabled": True, "positions": [], "mode": "exposure", "version": 1}
    response = worker.call(
        "POST",
        "/runs",
        json={
            "template_id": "t",
            "account_scope": "kite:paper",
            "runtime_state": {"backend_protection": protection},
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "runtime_state.backend_protection"


def test_paper_account_is_funded_once(worker: Worker, runtime: Runtime, client: TestClient):
    worker.create_run("run_second")
    funds = worker.call("GET", "/funds").json()
    # the account's cash is one opening balance, however many runs; Funds and the worker
    # API agree that it came in today (intraday pay-in), so the day opened at 0
    assert funds["segments"]["equity"]["net"] == float(runtime.workers.paper_opening_balance)
    margins = client.get("/api/portfolio/margins").json()["equity"]["available"]
    assert funds["segments"]["equity"]["opening_balance"] == margins["opening_balance"] == 0.0
    assert margins["intraday_payin"] == float(runtime.workers.paper_opening_balance)
    assert runtime.workers.paper_opening_balance == Decimal(1_000_000)


def test_an_intent_needs_the_submit_action_and_places_nothing_without_it(
    client: TestClient, runtime: Runtime
):
    set_price(runtime, "NSE:INFY", "1500")
    reader = new_worker(
        client, runtime, "r@x.in", allowed_actions=["runs:create", "runs:read", "heartbeat"]
    )
    reader.create_run("run_r")

    refused = reader.place("run_r", "run_r:entry:001")

    assert refused.status_code == 403
    assert refused.json() == {"detail": "worker token lacks the 'intents:submit' action"}
    assert _orders(runtime) == 0


def test_a_token_revoked_after_it_placed_places_no_more(
    client: TestClient, worker: Worker, runtime: Runtime
):
    # The screen remembers the secret as good; the token is still looked up for each intent.
    assert worker.place("run_x", "run_x:entry:001").status_code == 200
    revoked = client.post(f"/api/algo-workers/tokens/{worker.token_id}/revoke")
    assert revoked.status_code == 200

    refused = worker.place("run_x", "run_x:entry:002")

    assert refused.status_code == 401
    assert refused.json() == {"detail": "invalid or revoked worker token"}
    assert _orders(runtime) == 1


def test_an_intent_takes_one_thread_hop(worker: Worker, monkeypatch: pytest.MonkeyPatch):
    # The token's lookup runs in the intent's worker thread: a hop is a wait for the GIL.
    assert worker.place("run_x", "run_x:entry:001").status_code == 200  # the screen knows it
    hops: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)

    assert worker.place("run_x", "run_x:entry:002").json()["status"] == "accepted"
    assert len(hops) == 1
