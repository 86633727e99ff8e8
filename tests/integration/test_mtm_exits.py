"""MTM exits (issue 55) on a ticking market: the trading loop's ticks move a scope's day MTM
(the figure Positions, Funds and the books table show), a threshold exits every open
position of the scope through the pipeline and pauses its entries until `resume`; the
trailing variant follows the peak; the state survives a restart of the server."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import new_worker, order
from tradertape.api.app import create_app
from tradertape.domain.market import Tick
from tradertape.jobs.loop import TradingLoop
from tradertape.jobs.trading import trading_loop
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime

OPENING = {"NSE:INFY": Decimal("1500"), "NSE:TCS": Decimal("3400")}
_volume = iter(range(1, 10**9))


def _tick(loop: TradingLoop, clock: ManualClock, key: str, price: str | Decimal) -> None:
    """One print through the trading loop (it fills, then its watchers read the marks)."""
    last = Decimal(price)
    open_ = OPENING.get(key, last)
    loop.on_ticks(
        [
            Tick(
                key=key,
                instrument_token=1,
                ts=clock.now(),
                last_price=last,
                last_quantity=1_000,
                volume=next(_volume) * 1_000_000,
                open=open_,
                high=max(last, open_),
                low=min(last, open_),
                prev_close=open_,
                bid=last,
                ask=last,
            )
        ]
    )
    loop.run_jobs(force=True)


def _open_market(client: TestClient, runtime: Runtime, clock: ManualClock) -> TradingLoop:
    loop = trading_loop(runtime)
    for key, price in OPENING.items():
        _tick(loop, clock, key, price)
    funded = client.post("/api/portfolio/funds", json={"amount": "1000000"})
    assert funded.status_code == 201, funded.text
    return loop


def _buy(client: TestClient, symbol: str, quantity: int, side: str = "BUY") -> dict[str, Any]:
    body = {**order(symbol, side, quantity, product="MIS"), "variety": "regular"}
    placed = client.post("/api/orders", json=body)
    assert placed.status_code in (200, 201), placed.text
    result: dict[str, Any] = placed.json()
    return result


def _rule(client: TestClient, **body: Any) -> dict[str, Any]:
    made = client.post("/api/risk/rules", json={"type": "mtm_exit", **body})
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def _mtm(client: TestClient, rule_id: int) -> dict[str, Any]:
    state = client.get("/api/risk/state").json()
    found: dict[str, Any] = next(r for r in state["rules"] if r["rule_id"] == rule_id)["mtm"]
    return found


def _book_pnl(client: TestClient, book: str = "all") -> Decimal:
    rows = client.get("/api/portfolio/books").json()
    return Decimal(str(next(r for r in rows if r["book"] == book)["pnl_today"]))


def _net(client: TestClient) -> dict[str, int]:
    positions = client.get("/api/portfolio/positions").json()["net"]
    return {p["tradingsymbol"]: int(p["quantity"]) for p in positions if p["quantity"]}


def test_a_loss_exits_everything_and_pauses_entries_until_resumed(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "mtm@x.in")
    loop = _open_market(client, runtime, clock)
    _buy(client, "INFY", 100)
    _buy(client, "TCS", 10)
    rule = _rule(client, threshold_amount="2000", target_amount="5000")

    _tick(loop, clock, "NSE:INFY", "1490")  # −₹1,000: inside
    mtm = _mtm(client, rule["id"])
    assert Decimal(str(mtm["mtm"])) == _book_pnl(client) == Decimal("-1000")
    margins = client.get("/api/portfolio/margins").json()["equity"]["utilised"]
    funds_m2m = Decimal(str(margins["m2m_realised"])) + Decimal(str(margins["m2m_unrealised"]))
    assert funds_m2m == Decimal("-1000")  # Funds' M2M: the same figure
    assert Decimal(str(mtm["to_stop"])) == Decimal("1000")
    assert Decimal(str(mtm["to_target"])) == Decimal("6000")
    assert _net(client) == {"INFY": 100, "TCS": 10}

    _tick(loop, clock, "NSE:INFY", "1479")  # −₹2,100: past the loss
    assert _net(client) == {}
    orders = client.get("/api/portfolio/orders").json()
    exits = [o for o in orders if o["transaction_type"] == "SELL"]
    assert {(o["tradingsymbol"], o["transaction_type"], o["status"]) for o in exits} == {
        ("INFY", "SELL", "COMPLETE"),
        ("TCS", "SELL", "COMPLETE"),
    }
    mtm = _mtm(client, rule["id"])
    assert mtm["paused"] is True
    assert "loss" in mtm["trip_reason"]
    events = client.get("/api/risk/events").json()
    assert events[0]["rule_type"] == "mtm_exit"
    bell = client.get("/api/notifications").json()
    texts = [n["text"] for n in (bell["data"] if isinstance(bell, dict) else bell)]
    assert any(t.startswith("🛑 MTM exit on your account: day MTM") for t in texts), texts

    refused = _buy(client, "INFY", 1)
    assert refused["status"] == "REJECTED"
    assert "paused" in refused["status_message"]
    _tick(loop, clock, "NSE:INFY", "1470")  # paused: nothing more to do
    done = [o for o in client.get("/api/portfolio/orders").json() if o["status"] == "COMPLETE"]
    assert len(done) == 4

    resumed = client.post(f"/api/risk/rules/{rule['id']}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["paused"] is False
    assert _buy(client, "INFY", 1)["status"] == "COMPLETE"
    _tick(loop, clock, "NSE:INFY", "1460")  # still past the loss: quiet for the day
    assert _net(client) == {"INFY": 1}
    assert _mtm(client, rule["id"])["quiet_today"] is True


def test_a_run_scoped_rule_exits_its_run_only(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    worker = new_worker(client, runtime, "mtm-run@x.in")
    worker.create_run("run_mtm")
    loop = _open_market(client, runtime, clock)
    _buy(client, "TCS", 10)  # the manual book's
    placed = worker.place("run_mtm", "run_mtm:1", order("INFY", "BUY", 100, product="MIS"))
    assert placed.json()["result"]["status"] == "filled", placed.text
    rule = _rule(client, threshold_amount="500", strategy_run_id="run_mtm")
    _tick(loop, clock, "NSE:TCS", "3300")  # the manual book loses ₹1,000: not the run's
    assert _net(client) == {"TCS": 10, "INFY": 100}
    _tick(loop, clock, "NSE:INFY", "1494")  # the run's −₹600
    assert _net(client) == {"TCS": 10}
    assert _mtm(client, rule["id"])["book"].startswith("run:")
    again = worker.place("run_mtm", "run_mtm:2", order("INFY", "BUY", 1, product="MIS"))
    assert again.status_code == 409, again.text  # the run's entries are paused
    assert _buy(client, "TCS", 1)["status"] == "COMPLETE"  # the manual book's are not
    # A rule made into another type keeps nothing of the exit's state: no pause.
    body = {
        "type": "daily_loss_limit",
        "action": "block",
        "enabled": True,
        "threshold_amount": "100000",
        "threshold_pct": None,
        "threshold_count": None,
        "portfolio_id": None,
        "strategy_run_id": "run_mtm",
    }
    replaced = client.put(f"/api/risk/rules/{rule['id']}", json=body)
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["paused"], replaced.json()["tripped_at"]) == (False, None)
    later = worker.place("run_mtm", "run_mtm:3", order("INFY", "BUY", 1, product="MIS"))
    assert later.json()["result"]["status"] == "filled", later.text


def test_a_manual_book_rule_exits_the_hand_trades_only(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    worker = new_worker(client, runtime, "mtm-manual@x.in")
    worker.create_run("run_keep")
    loop = _open_market(client, runtime, clock)
    _buy(client, "TCS", 10)  # by hand: the manual book's
    placed = worker.place("run_keep", "run_keep:1", order("INFY", "BUY", 100, product="MIS"))
    assert placed.json()["result"]["status"] == "filled", placed.text
    rule = _rule(client, threshold_amount="500", book="manual")
    assert (rule["book"], rule["scope"]) == ("manual", "all")
    _tick(loop, clock, "NSE:INFY", "1490")  # the run loses ₹1,000: not the manual book's
    assert _net(client) == {"TCS": 10, "INFY": 100}
    mtm = _mtm(client, rule["id"])
    assert (mtm["book"], Decimal(str(mtm["mtm"]))) == ("manual", _book_pnl(client, "manual"))
    assert Decimal(str(mtm["to_stop"])) == 500
    _tick(loop, clock, "NSE:TCS", "3340")  # the manual book's −₹600
    assert _net(client) == {"INFY": 100}
    assert _mtm(client, rule["id"])["paused"] is True
    refused = _buy(client, "TCS", 1)  # the desk's entries wait for resume
    assert (refused["status"], "paused" in refused["status_message"]) == ("REJECTED", True)
    again = worker.place("run_keep", "run_keep:2", order("INFY", "BUY", 1, product="MIS"))
    assert again.json()["result"]["status"] == "filled", again.text  # the run's go on
    client.post(f"/api/risk/rules/{rule['id']}/resume")
    assert _buy(client, "TCS", 1)["status"] == "COMPLETE"


def test_delivery_shares_held_overnight_are_exited_and_a_sale_of_them_is_not_bought_back(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """Yesterday's delivery shares are in holdings, not in today's positions: the exit
    sells what is held (15 INFY after 5 sold today, 10 TCS), once, and buys nothing back."""
    sign_in(client, runtime, "mtm-cnc@x.in")
    loop = _open_market(client, runtime, clock)
    for symbol, quantity in (("TCS", 10), ("INFY", 20)):
        body = {**order(symbol, "BUY", quantity, product="CNC"), "variety": "regular"}
        assert client.post("/api/orders", json=body).json()["status"] == "COMPLETE"
    day = runtime.exchange.calendar.next_trading_day(clock.now().astimezone(IST).date())
    clock.set(datetime.combine(day, time(10, 0), IST))
    for key, price in OPENING.items():
        _tick(loop, clock, key, price)
    sold = {**order("INFY", "SELL", 5, product="CNC"), "variety": "regular"}
    assert client.post("/api/orders", json=sold).json()["status"] == "COMPLETE"
    rule = _rule(client, threshold_amount="500", book="manual")

    _tick(loop, clock, "NSE:TCS", "3340")  # −₹600 on yesterday's TCS
    _tick(loop, clock, "NSE:TCS", "3330")  # a second pass
    assert _mtm(client, rule["id"])["paused"] is True
    today = client.get("/api/portfolio/orders").json()  # the day's: the sale, the exits
    assert sorted(
        (o["tradingsymbol"], o["transaction_type"], o["quantity"], o["product"], o["status"])
        for o in today
    ) == [
        ("INFY", "SELL", 5, "CNC", "COMPLETE"),
        ("INFY", "SELL", 15, "CNC", "COMPLETE"),  # nothing bought back
        ("TCS", "SELL", 10, "CNC", "COMPLETE"),
    ]
    holdings = client.get("/api/portfolio/holdings").json()
    assert [h for h in holdings if h["quantity"] or h["t1_quantity"]] == []


def test_the_trail_follows_the_peak_across_a_restart(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "trail@x.in")
    loop = _open_market(client, runtime, clock)
    _buy(client, "INFY", 100)
    rule = _rule(client, threshold_amount="3000", target_amount="1000", trail_amount="500")
    _tick(loop, clock, "NSE:INFY", "1510")  # +₹1,000: the target arms the trail
    _tick(loop, clock, "NSE:INFY", "1520")  # +₹2,000: the peak
    mtm = _mtm(client, rule["id"])
    assert (Decimal(str(mtm["peak"])), Decimal(str(mtm["trail_floor"]))) == (
        Decimal(2000),
        Decimal(1500),
    )
    assert mtm["to_target"] is None
    assert _net(client) == {"INFY": 100}

    # The server restarts: a new runtime and loop on the same database; the peak is kept.
    restarted = Runtime.build(
        runtime.settings, clock=clock, db=runtime.db, transport=LogTransport()
    )
    with TestClient(create_app(restarted), base_url="http://testserver") as again:
        again.cookies.update(client.cookies)
        loop = trading_loop(restarted)
        _tick(loop, clock, "NSE:TCS", "3400")  # INFY not priced yet: its MTM is not judged
        assert _mtm(again, rule["id"])["paused"] is False
        _tick(loop, clock, "NSE:INFY", "1518")  # +₹1,800: 300 above the floor
        mtm = _mtm(again, rule["id"])
        assert Decimal(str(mtm["peak"])) == 2000
        assert Decimal(str(mtm["to_trail"])) == 300
        _tick(loop, clock, "NSE:INFY", "1514")  # +₹1,400: under the floor
        assert _net(again) == {}
        assert _mtm(again, rule["id"])["paused"] is True
        assert "trailing" in _mtm(again, rule["id"])["trip_reason"]

    # And again: the pause is stored, so the gate still refuses the scope's entries.
    third = Runtime.build(runtime.settings, clock=clock, db=runtime.db, transport=LogTransport())
    with TestClient(create_app(third), base_url="http://testserver") as last:
        last.cookies.update(client.cookies)
        _tick(trading_loop(third), clock, "NSE:INFY", "1514")
        assert _buy(last, "INFY", 1)["status"] == "REJECTED"


def test_bad_mtm_rules_name_their_field(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "bad-mtm@x.in")
    cases = [
        ({"type": "mtm_exit"}, "threshold_amount"),
        ({"type": "mtm_exit", "threshold_amount": "100", "trail_amount": "50"}, "trail_amount"),
        ({"type": "mtm_exit", "target_amount": "100", "action": "warn"}, "action"),
        ({"type": "daily_loss_limit", "threshold_amount": "10", "target_amount": "5"}, "target"),
        ({"type": "mtm_exit", "target_amount": "-5"}, "target_amount"),
        ({"type": "mtm_exit", "threshold_amount": "100", "book": "run:1"}, "book"),
        ({"type": "mtm_exit", "threshold_amount": "100", "book": "live:nobroker"}, "book"),
        ({"type": "mtm_exit", "threshold_amount": "100", "book": ""}, "book"),
        ({"type": "mtm_exit", "target_amount": "1", "book": "manual", "portfolio_id": 1}, "book"),
        ({"type": "daily_loss_limit", "threshold_amount": "10", "book": "manual"}, "book"),
    ]
    for body, field in cases:
        made = client.post("/api/risk/rules", json=body)
        assert made.status_code == 422, (body, made.text)
        assert field in made.text, (body, made.text)
    # the risk form shows these under its boxes: sentences, not the API's field names
    said = {
        "threshold_amount": client.post("/api/risk/rules", json={"type": "mtm_exit"}),
        "trail_amount": client.post(
            "/api/risk/rules",
            json={"type": "mtm_exit", "threshold_amount": "9", "trail_amount": "5"},
        ),
    }
    for field, made in said.items():
        [detail] = made.json()["detail"]
        assert detail["field"] == field
        assert not any(name in detail["msg"] for name in ("mtm_exit", "_amount")), detail["msg"]
    switch = client.post("/api/risk/kill-switch", json={"on": True}).json()
    not_mtm = client.post(f"/api/risk/rules/{switch['rule_ids'][0]}/resume")
    assert not_mtm.status_code == 422
    assert "rule_id" in not_mtm.text
    mine = _rule(client, threshold_amount="100")
    sign_in(client, runtime, "other-mtm@x.in")
    assert client.post(f"/api/risk/rules/{mine['id']}/resume").status_code == 404
