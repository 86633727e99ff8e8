"""Alerts over HTTP and on a ticking market: a DSL condition fires on the tick that makes
it, once or every cool-down; its order goes through the pipeline at once or after the user
confirms (until it expires); owners only; bad input is a 422 naming the field and changes
nothing; one user's broken alert never stops another's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.helpers import sign_in
from tests.workers_kit import set_price
from tradertape.candles.bars import Bars, CandleSource
from tradertape.db.models import Alert, JobFailure
from tradertape.domain.market import Interval
from tradertape.jobs.loop import TradingLoop
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.alerts import alerts as alert_service
from tradertape.testkit import make_tick

CLOSE = {"type": "indicator", "name": "close"}


def crosses_above(level: float) -> dict[str, Any]:
    return {"type": "crosses_above", "left": CLOSE, "right": {"type": "literal", "value": level}}


def above(level: float) -> dict[str, Any]:
    return {
        "type": "compare",
        "left": CLOSE,
        "op": ">",
        "right": {"type": "literal", "value": level},
    }


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    client.post("/api/portfolio/funds", json={"amount": 1_000_000})
    return client


@pytest.fixture
def loop(runtime: Runtime) -> TradingLoop:
    return trading_loop(runtime)


def tick(loop: TradingLoop, runtime: Runtime, price: str, key: str = "NSE:INFY") -> None:
    """A tick now, its alerts judged (their pass beside the loop); the clock then moves a
    minute on (a cross is judged between minutes)."""
    loop.on_ticks([make_tick(key, price, ts=runtime.clock.now())])
    loop.run_background()
    advance(runtime, minutes=1)


def advance(runtime: Runtime, **delta: float) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(**delta))


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "INFY over 1500", "symbol": "NSE:INFY", "condition": crosses_above(1500)}
    response = client.post("/api/alerts", json={**body, **fields})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def fires(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/alerts/fires").json()
    return found


def test_a_price_cross_fires_once_on_the_tick_that_makes_it(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    alert = create(alice)
    for price in ("1490", "1495", "1499.95"):
        tick(loop, runtime, price)
        advance(runtime, seconds=61)
    assert fires(alice) == []
    tick(loop, runtime, "1501.20")
    (fire,) = fires(alice)
    assert (fire["alert_id"], fire["symbol"], fire["price"]) == (alert["id"], "NSE:INFY", "1501.20")
    assert fire["order_status"] == "none"
    assert alice.get(f"/api/alerts/{alert['id']}").json()["status"] == "fired"
    for price in ("1490", "1510"):  # fired once: another cross says nothing
        advance(runtime, minutes=2)
        tick(loop, runtime, price)
    assert len(fires(alice)) == 1
    bell = alice.get("/api/notifications").json()
    assert [n["kind"] for n in bell] == ["alert"]
    assert bell[0]["text"] == "🔔 INFY over 1500: INFY at ₹1,501.20"


def test_every_time_fires_again_only_after_the_cool_down(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    create(alice, condition=above(1500), repeat="every", cooldown_secs=120)
    tick(loop, runtime, "1501")  # (each tick moves the clock a minute on)
    tick(loop, runtime, "1502")
    assert [f["price"] for f in fires(alice)] == ["1501"]
    tick(loop, runtime, "1503")
    assert [f["price"] for f in fires(alice)] == ["1503", "1501"]


def test_an_attached_order_is_placed_through_the_pipeline(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    order = {"transaction_type": "BUY", "quantity": 5, "product": "CNC", "order_type": "MARKET"}
    create(alice, order=order, order_action="place")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert fire["order_status"] == "placed", fire
    placed = alice.get(f"/api/orders/{fire['order_id']}").json()
    assert (placed["tradingsymbol"], placed["quantity"], placed["status"]) == (
        "INFY",
        5,
        "COMPLETE",
    )


def test_an_alerts_order_may_be_a_limit_order_at_its_price(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    """The form offers Limit as well as Market; a LIMIT order waits at its price."""
    order = {"transaction_type": "BUY", "quantity": 5, "product": "CNC", "order_type": "LIMIT"}
    unpriced = alice.post(
        "/api/alerts",
        json={"name": "x", "symbol": "NSE:INFY", "condition": above(1500), "order": order}
        | {"order_action": "place"},
    )
    assert unpriced.status_code == 422, unpriced.text
    assert [p["field"] for p in unpriced.json()["detail"]] == ["order.price"]

    create(alice, order=order | {"price": "1480"}, order_action="place")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert fire["order_status"] == "placed", fire
    placed = alice.get(f"/api/orders/{fire['order_id']}").json()
    assert (placed["order_type"], placed["price"], placed["status"]) == ("LIMIT", 1480, "OPEN")


def test_the_kill_switch_rejects_an_alerts_order(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    order = {"transaction_type": "BUY", "quantity": 5}
    create(alice, order=order, order_action="place")
    assert alice.post("/api/risk/kill-switch", json={"on": True}).status_code == 200
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert fire["order_status"] == "rejected"
    assert "kill switch" in fire["order_message"]


def test_confirm_to_trade_places_once_and_expires(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    order = {"transaction_type": "BUY", "quantity": 2}
    create(alice, order=order, order_action="confirm", confirm_within_mins=5, repeat="every")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert (fire["order_status"], fire["order_id"]) == ("awaiting", None)
    assert fire["expires_at"] == "2026-11-20T04:36:00Z"  # fired at 10:01 IST
    confirmed = alice.post(f"/api/alerts/fires/{fire['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["order_status"] == "placed"
    again = alice.post(f"/api/alerts/fires/{fire['id']}/confirm")
    assert again.status_code == 409
    assert "placed" in again.json()["detail"]
    # a second fire, left until it expires: confirming it then places nothing
    advance(runtime, minutes=10)
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1502")
    second = fires(alice)[0]
    advance(runtime, minutes=6)
    late = alice.post(f"/api/alerts/fires/{second['id']}/confirm")
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]
    assert fires(alice)[0]["order_status"] == "expired"
    orders = alice.get("/api/portfolio/orders").json()
    assert len(orders) == 1


def test_dismiss_drops_the_held_order(alice: TestClient, runtime: Runtime, loop: TradingLoop):
    create(
        alice,
        order={"transaction_type": "SELL", "quantity": 1},
        order_action="confirm",
        confirm_within_mins=5,
    )
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert alice.post(f"/api/alerts/fires/{fire['id']}/dismiss").json()["order_status"] == (
        "dismissed"
    )
    assert alice.post(f"/api/alerts/fires/{fire['id']}/confirm").status_code == 409
    assert alice.get("/api/portfolio/orders").json() == []


def test_a_watchlist_alert_fires_on_the_item_that_crossed(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    made = alice.post("/api/watchlists", json={"name": "IT", "items": ["NSE:INFY", "NSE:TCS"]})
    watchlist_id = made.json()["id"]
    create(alice, symbol=None, watchlist_id=watchlist_id, condition=crosses_above(3000))
    tick(loop, runtime, "2990", key="NSE:TCS")
    tick(loop, runtime, "1500", key="NSE:INFY")
    tick(loop, runtime, "3001", key="NSE:TCS")
    assert [(f["symbol"], f["price"]) for f in fires(alice)] == [("NSE:TCS", "3001")]


def test_an_indicator_cross_on_minute_candles(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    sma3 = {"type": "indicator", "name": "sma3"}
    create(alice, condition={"type": "crosses_above", "left": CLOSE, "right": sma3})
    for price in ("1500", "1490", "1480", "1470"):  # a falling minute series: below its SMA
        tick(loop, runtime, price)
        advance(runtime, minutes=1)
    assert fires(alice) == []
    tick(loop, runtime, "1495")  # above the 3-minute average (1481.67)
    assert [f["price"] for f in fires(alice)] == ["1495"]


def store_falling_minutes(runtime: Runtime, key: str, *, count: int) -> None:
    """Yesterday's session as the recorder left it: `count` minutes falling a rupee each."""
    start = np.datetime64("2026-11-19T03:45:00", "s")  # 09:15 IST
    closes = 1500.0 - np.arange(count, dtype=np.float64)
    bars = Bars.from_arrays(
        Interval.MINUTE,
        time=start + np.arange(count) * np.timedelta64(60, "s"),
        open=closes + 1,
        high=closes + 1,
        low=closes,
        close=closes,
        volume=np.full(count, 100),
    )
    runtime.candles.write(key, Interval.MINUTE, bars, source=CandleSource.BROKER)


def test_an_rsi_cross_fires_on_the_first_tick_after_a_restart(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    """The stored minutes warm RSI(14) up: a process started this morning, with no live
    minute yet, judges the first tick against yesterday's falling session."""
    store_falling_minutes(runtime, "NSE:INFY", count=30)
    rsi = {"type": "indicator", "name": "rsi14"}
    level = {"type": "literal", "value": 30}
    create(alice, condition={"type": "crosses_above", "left": rsi, "right": level})
    tick(loop, runtime, "1520")  # the first tick this process has seen
    assert [f["price"] for f in fires(alice)] == ["1520"]


def test_without_stored_minutes_rsi_waits_for_its_window(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    rsi = {"type": "indicator", "name": "rsi14"}
    level = {"type": "literal", "value": 30}
    create(alice, condition={"type": "crosses_above", "left": rsi, "right": level})
    tick(loop, runtime, "1520")
    assert fires(alice) == []


def test_a_day_alert_is_judged_once_after_the_close(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    create(alice, timeframe="day", condition=above(1500), repeat="every", cooldown_secs=60)
    tick(loop, runtime, "1510")
    loop.run_jobs(force=True)
    loop.run_background()
    assert fires(alice) == []  # 10:00 IST: not yet closed
    advance(runtime, hours=5, minutes=40)  # 15:40 IST
    for _ in range(2):
        loop.run_jobs(force=True)
        loop.run_background()
    assert [f["price"] for f in fires(alice)] == ["1510"]


def test_one_users_broken_alert_never_stops_anothers(
    client: TestClient, runtime: Runtime, loop: TradingLoop
):
    bob = sign_in(client, runtime, "bob@x.in")
    bad = create(client, name="broken")
    with runtime.db.session() as db:  # a row no request could store: its rule will not parse
        db.execute(update(Alert).where(Alert.id == bad["id"]).values(condition={"type": "?"}))
        db.commit()
    client.post("/api/auth/logout")
    sign_in(client, runtime, "carol@x.in")
    good = create(client, name="fine")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    assert [f["alert_id"] for f in fires(client)] == [good["id"]]
    with runtime.db.session() as db:  # the broken one is recorded against its owner
        rows = list(db.scalars(select(JobFailure)))
    assert [(r.job, r.item) for r in rows] == [("alerts.ticks", f"alert:{bad['id']}:NSE:INFY")]
    for price in ("1490", "1501"):  # a third failure in a row: quarantined, its owner told
        tick(loop, runtime, price)
    with runtime.db.session() as db:
        (row,) = db.scalars(select(JobFailure))
        assert (row.user_id, row.failures, row.quarantined_at is not None) == (bob, 3, True)


BAD_BODIES = [
    pytest.param(
        {
            "condition": {
                "type": "crosses_above",
                "left": {"type": "indicator", "name": "nope"},
                "right": {"type": "literal", "value": 1},
            }
        },
        "condition.left.name",
        id="unknown-indicator",
    ),
    pytest.param(
        {
            "condition": {
                "type": "compare",
                "left": {"type": "position", "field": "entry_price"},
                "op": ">",
                "right": {"type": "literal", "value": 1},
            }
        },
        "condition",
        id="position-field",
    ),
    pytest.param({"symbol": "NSE:NOPE"}, "symbol", id="unknown-symbol"),
    pytest.param({"symbol": "INFY"}, "symbol", id="no-exchange"),
    pytest.param({"watchlist_id": 99}, "symbol", id="both-targets"),
    pytest.param({"symbol": None, "watchlist_id": 99}, "watchlist_id", id="not-my-watchlist"),
    pytest.param({"order_action": "place"}, "order_action", id="action-without-order"),
    pytest.param(
        {"order": {"transaction_type": "BUY", "quantity": 1}},
        "order_action",
        id="order-without-action",
    ),
    pytest.param(
        {"order": {"transaction_type": "BUY", "quantity": 1}, "order_action": "confirm"},
        "confirm_within_mins",
        id="confirm-without-expiry",
    ),
    pytest.param({"cooldown_secs": 5}, "cooldown_secs", id="cooldown-too-short"),
    pytest.param(
        {"order": {"transaction_type": "BUY", "quantity": 0}, "order_action": "place"},
        "order.quantity",
        id="zero-quantity",
    ),
    pytest.param({"repeat": "twice"}, "repeat", id="repeat"),
    # a price crossing 0 or below never happens: a blank form field once sent 0
    pytest.param({"condition": crosses_above(0)}, "condition.right.value", id="price-cross-zero"),
    pytest.param(
        {"condition": crosses_above(-5)}, "condition.right.value", id="price-cross-negative"
    ),
    pytest.param(
        {"condition": crosses_above(1e20)}, "condition.right.value", id="price-cross-absurd"
    ),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES)
def test_bad_input_is_a_4xx_naming_the_field_and_stores_nothing(
    alice: TestClient, change: dict[str, Any], field: str
):
    body = {"name": "x", "symbol": "NSE:INFY", "condition": crosses_above(1500), **change}
    response = alice.post("/api/alerts", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    fields = [d["field"] for d in detail] if isinstance(detail, list) else [detail]
    assert any(f == field or str(f).startswith(f"{field}:") or f.endswith(field) for f in fields), (
        detail
    )
    assert alice.get("/api/alerts").json() == []


def test_a_bad_patch_changes_nothing(alice: TestClient):
    made = create(alice)
    path = f"/api/alerts/{made['id']}"
    bad = alice.patch(path, json={"name": "y", "condition": {"type": "and", "conditions": []}})
    assert bad.status_code == 422
    assert alice.get(path).json() == made
    assert alice.patch(path, json={"status": "fired"}).status_code == 422
    paused = alice.patch(path, json={"status": "paused"}).json()
    assert paused["status"] == "paused"


def test_another_users_alert_and_fires_are_404(
    client: TestClient, runtime: Runtime, loop: TradingLoop
):
    sign_in(client, runtime, "a@x.in")
    made = create(
        client,
        order={"transaction_type": "BUY", "quantity": 1},
        order_action="confirm",
        confirm_within_mins=5,
    )
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(client)
    client.post("/api/auth/logout")
    sign_in(client, runtime, "b@x.in")
    path = f"/api/alerts/{made['id']}"
    assert client.get(path).status_code == 404
    assert client.patch(path, json={"name": "mine"}).status_code == 404
    assert client.delete(path).status_code == 404
    assert client.get(f"/api/alerts/fires?alert_id={made['id']}").status_code == 404
    assert client.post(f"/api/alerts/fires/{fire['id']}/confirm").status_code == 404
    assert client.post(f"/api/alerts/fires/{fire['id']}/dismiss").status_code == 404
    assert client.get("/api/alerts").json() == []
    assert fires(client) == []


def test_a_user_holds_a_bounded_number_of_alerts(
    alice: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(alert_service, "MAX_ALERTS", 2)
    create(alice)
    create(alice)
    third = alice.post(
        "/api/alerts", json={"name": "x", "symbol": "NSE:INFY", "condition": above(1)}
    )
    assert third.status_code == 409
    assert "2 alerts" in third.json()["detail"]
    assert len(alice.get("/api/alerts").json()) == 2


def test_delete_removes_the_alert_and_its_history(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    made = create(alice)
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    assert len(fires(alice)) == 1
    assert alice.delete(f"/api/alerts/{made['id']}").status_code == 204
    assert fires(alice) == []
    assert alice.get(f"/api/alerts/{made['id']}").status_code == 404


def test_the_agent_reads_the_fires_after_the_last_it_saw(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    create(alice, condition=above(1500), repeat="every", cooldown_secs=60)
    tick(loop, runtime, "1501")
    tick(loop, runtime, "1502")
    issued = alice.post("/api/agent/keys", json={"name": "laptop"})
    agent = TestClient(alice.app, headers={"Authorization": f"Bearer {issued.json()['api_key']}"})
    first, second = agent.get("/api/agent/alert-fires").json()
    assert [first["price"], second["price"]] == ["1501", "1502"]
    after = agent.get("/api/agent/alert-fires", params={"after_id": first["id"]}).json()
    assert [f["id"] for f in after] == [second["id"]]
    assert agent.get("/api/agent/alert-fires", params={"after_id": -1}).status_code == 422
    assert TestClient(alice.app).get("/api/agent/alert-fires").status_code == 401


def leg(side: str, quantity: int, symbol: str | None = None) -> dict[str, Any]:
    return {"transaction_type": side, "quantity": quantity, "symbol": symbol}


def test_a_basket_is_placed_leg_by_leg_through_the_pipeline(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    basket = {"legs": [leg("BUY", 5), leg("BUY", 2, "NSE:TCS")]}
    made = create(alice, order=basket, order_action="place")
    assert made["order"]["legs"][1]["symbol"] == "NSE:TCS"
    tick(loop, runtime, "3000", key="NSE:TCS")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert fire["order_status"] == "placed", fire
    assert [(g["symbol"], g["outcome"]) for g in fire["legs"]] == [
        ("NSE:INFY", "placed"),
        ("NSE:TCS", "placed"),
    ]
    orders = {o["order_id"]: o for o in alice.get("/api/portfolio/orders").json()}
    assert [orders[g["order_id"]]["quantity"] for g in fire["legs"]] == [5, 2]
    assert fire["order_id"] == fire["legs"][0]["order_id"]


def test_a_refused_leg_stops_the_basket_and_unwinds_what_filled(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    """Bought legs first; the second cannot be paid for (₹1M of funds), so the third is
    skipped and the first, filled, is sold back at market."""
    basket = {"legs": [leg("BUY", 5), leg("BUY", 5000, "NSE:TCS"), leg("BUY", 1, "NSE:TCS")]}
    create(alice, order=basket, order_action="place")
    tick(loop, runtime, "3000", key="NSE:TCS")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert fire["order_status"] == "unwound", fire
    outcomes = [(g["leg"], g["outcome"]) for g in fire["legs"]]
    assert outcomes == [(0, "placed"), (1, "rejected"), (2, "skipped"), (0, "unwind placed")]
    assert "leg 2 was not placed" in fire["order_message"]
    unwind = alice.get(f"/api/orders/{fire['legs'][-1]['order_id']}").json()
    assert (unwind["transaction_type"], unwind["quantity"], unwind["status"]) == (
        "SELL",
        5,
        "COMPLETE",
    )


def test_approving_a_held_basket_places_every_leg(
    alice: TestClient, runtime: Runtime, loop: TradingLoop
):
    basket = {"legs": [leg("BUY", 1), leg("BUY", 1, "NSE:TCS")]}
    create(alice, order=basket, order_action="confirm", confirm_within_mins=5)
    tick(loop, runtime, "3000", key="NSE:TCS")
    tick(loop, runtime, "1490")
    tick(loop, runtime, "1501")
    (fire,) = fires(alice)
    assert (fire["order_status"], fire["legs"]) == ("awaiting", None)
    done = alice.post(f"/api/alerts/fires/{fire['id']}/confirm").json()
    assert done["order_status"] == "placed"
    assert [g["outcome"] for g in done["legs"]] == ["placed", "placed"]
    assert len(alice.get("/api/portfolio/orders").json()) == 2


BAD_BASKETS = [
    pytest.param([leg("BUY", 1), leg("BUY", 0)], "order.legs[1].quantity", id="zero-quantity"),
    pytest.param([leg("BUY", 1), leg("BUY", 1, "NSE:NOPE")], "order.legs[1].symbol", id="symbol"),
    pytest.param([leg("BUY", 1), leg("HOLD", 1)], "order.legs[1].transaction_type", id="side"),
    pytest.param(
        [leg("BUY", 1), {**leg("BUY", 1), "order_type": "LIMIT"}],
        "order.legs[1].price",
        id="limit-without-price",
    ),
    pytest.param([leg("BUY", 1)], "order.legs", id="one-leg"),
]


@pytest.mark.parametrize(("legs", "field"), BAD_BASKETS)
def test_a_bad_basket_is_a_422_naming_the_leg(
    alice: TestClient, legs: list[dict[str, Any]], field: str
):
    body = {"name": "x", "symbol": "NSE:INFY", "condition": crosses_above(1500)}
    response = alice.post(
        "/api/alerts", json={**body, "order": {"legs": legs}, "order_action": "place"}
    )
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]][0] == field
    assert alice.get("/api/alerts").json() == []


def test_a_basket_with_a_top_level_side_or_an_order_without_one_is_refused(alice: TestClient):
    body = {"name": "x", "symbol": "NSE:INFY", "condition": crosses_above(1500)}
    both = {"transaction_type": "BUY", "legs": [leg("BUY", 1), leg("SELL", 1)]}
    neither = {"product": "CNC"}
    for order, field in ((both, "order.transaction_type"), (neither, "order.transaction_type")):
        response = alice.post("/api/alerts", json={**body, "order": order, "order_action": "place"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == field


def test_an_alerts_basket_shows_its_margin_before_it_is_saved(alice: TestClient, runtime: Runtime):
    """INFY 5 at ₹1,400 delivery (7,000) on the alert's own symbol and TCS 2 at ₹3,000
    (6,000): 13,000.00 together. A bull call spread (bought 27750 CE at 190, sold 27850 CE
    at 140, NIFTY at 27,800) has its hedge credited, as the chain's basket does: premium
    12,350 + exposure 36,140 = 48,490.00. Nothing is stored."""
    for key, price in (("NSE:INFY", "1400"), ("NSE:TCS", "3000"), ("NSE:NIFTY 50", "27800")):
        set_price(runtime, key, price)
    shown = alice.post(
        "/api/alerts/basket/preview",
        json={"symbol": "NSE:INFY", "legs": [leg("SELL", 5), leg("BUY", 2, "NSE:TCS")]},
    )
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["order"] == [1, 0]  # the bought leg first
    assert float(body["available"]) == 1_000_000
    assert body["margin_required"] is not None
    bought = alice.post(
        "/api/alerts/basket/preview",
        json={"symbol": "NSE:INFY", "legs": [leg("BUY", 5), leg("BUY", 2, "NSE:TCS")]},
    ).json()
    assert float(bought["margin_required"]) == 13_000.00
    assert float(bought["charges"]) > 0

    bull, bear = "NFO:NIFTY26DEC27750CE", "NFO:NIFTY26DEC27850CE"
    set_price(runtime, bull, "190.00")
    set_price(runtime, bear, "140.00")
    spread = [
        {**leg("BUY", 65, bull), "product": "NRML"},
        {**leg("SELL", 65, bear), "product": "NRML"},
    ]
    hedged = alice.post("/api/alerts/basket/preview", json={"legs": spread})
    assert hedged.status_code == 200, hedged.text
    assert float(hedged.json()["margin_required"]) == 48_490.00
    assert alice.get("/api/alerts").json() == []


BAD_PREVIEWS = [
    pytest.param([leg("BUY", 1), leg("BUY", 0)], "legs[1].quantity", id="zero-quantity"),
    pytest.param([leg("BUY", 1), leg("BUY", 1, "NSE:NOPE")], "legs[1].symbol", id="symbol"),
    pytest.param(
        [leg("BUY", 1), {**leg("BUY", 1), "order_type": "LIMIT"}],
        "legs[1].price",
        id="limit-without-price",
    ),
    pytest.param(
        [leg("BUY", 1), {**leg("BUY", 1), "order_type": "LIMIT", "price": "1400.03"}],
        "legs[1].price",
        id="off-tick",
    ),
    pytest.param([leg("BUY", 1)], "legs", id="one-leg"),
]


@pytest.mark.parametrize(("legs", "field"), BAD_PREVIEWS)
def test_a_bad_basket_preview_is_a_422_naming_the_leg(
    alice: TestClient, runtime: Runtime, legs: list[dict[str, Any]], field: str
):
    set_price(runtime, "NSE:INFY", "1400")
    response = alice.post("/api/alerts/basket/preview", json={"symbol": "NSE:INFY", "legs": legs})
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]][0] == field


def test_a_leg_without_a_symbol_needs_the_alerts(alice: TestClient):
    response = alice.post("/api/alerts/basket/preview", json={"legs": [leg("BUY", 1)] * 2})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "legs[0].symbol"
    assert TestClient(alice.app).post("/api/alerts/basket/preview", json={}).status_code == 401
