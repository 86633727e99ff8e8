"""The trading week of a model portfolio, end to end (issue 5's "tests that matter").

A user drives the app over HTTP while the real simulated feed prints the week's candles
tick by tick and the app's own trading loop (matching, GTTs, session jobs, the portfolios'
reconciliation and daily scan) runs on the manual clock: scan → signal → approval → entry
GTT → fill → position with its stop GTT → exit rule → sell → closed with realised P&L.
Every rupee is asserted; the same week is played with auto-placement, with a risk rule
refusing an entry, and with the server restarted twice in the middle.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, closing
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, sign_in
from tests.portfolio_week import (
    FRI,
    ITC,
    MON,
    STEP,
    THU,
    TUE,
    WED,
    WIPRO,
    Market,
    approve_and_place,
    at,
    broker_book,
    deploy,
    gtt,
    money,
    portfolio,
    positions,
    signals,
    write_candles,
)
from tradertape.api.app import create_app
from tradertape.domain.charges import Side
from tradertape.oms import delivery_charges
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime

D, ZERO = Decimal, Decimal(0)
EMAIL = "week@x.in"
CAPITAL = Decimal(1_000_000)
QTY = 238  # floor(10 % of ₹10 lakh / the 420 close)
# Where the feed's path fills the orders: the entry LIMIT (426.35) on Tuesday's first tick
# at or above the 424.20 trigger; the exit AMO at Thursday's opening bid.
ENTRY, EXIT = Decimal("424.70"), Decimal("447.95")
BUY_CHARGES, SELL_CHARGES = Decimal("119.94"), Decimal("126.33")
PNL = Decimal("5287.23")
# ATR14 at Monday's close: flat 4s, then Monday's true range of 22 → (13 × 4 + 22) / 14
STOP = ENTRY - 2 * Decimal("5.29")  # 414.12; its GTT triggers at 414.10, limit 409.95


@pytest.fixture
def week(client: TestClient, runtime: Runtime, clock: ManualClock) -> Iterator[Market]:
    """Monday 09:00 before the week, candles in, the user signed in; the market to play."""
    write_candles(runtime.candles)
    clock.set(at(MON, time(9)))
    sign_in(client, runtime, EMAIL)
    market = Market(runtime, clock)
    yield market
    market.close()


def _capital(client: TestClient, pid: int) -> tuple[Decimal, Decimal, Decimal]:
    book = portfolio(client, pid)
    return (
        money(book["current_capital"]),
        money(book["committed_capital"]),
        money(book["deployed_capital"]),
    )


def _of(client: TestClient, pid: int, **match: Any) -> list[dict[str, Any]]:
    rows = signals(client, portfolio_id=pid)
    return [s for s in rows if all(s[k] == v for k, v in match.items())]


def _monday(client: TestClient, market: Market, pid: int, *, auto: bool) -> dict[str, Any]:
    market.session(MON)
    market.after_close(MON)
    (entry,) = _of(client, pid, signal_date=MON.isoformat())
    assert (entry["symbol"], entry["signal_type"], entry["quantity"]) == (ITC, "entry", QTY)
    prices = (entry["close_price"], entry["trigger_price"], entry["limit_price"], entry["amount"])
    assert tuple(map(money, prices)) == (D(420), D("424.20"), D("426.35"), D(99_960))
    if not auto:
        assert entry["status"] == "pending_approval"
        assert approve_and_place(client, entry["id"]) == {
            "placed": [entry["id"]],
            "failed": {},
            "for_agent": [],
        }
    (entry,) = _of(client, pid, id=entry["id"])
    assert (entry["status"], entry["gtt_status"]) == ("approved", "active")  # sent, unfilled
    trigger = gtt(client, entry["gtt_id"])
    assert (trigger["status"], trigger["condition"]["trigger_values"]) == ("active", [424.2])
    leg = trigger["orders"][0]
    assert (leg["transaction_type"], leg["quantity"], leg["price"]) == ("BUY", QTY, 426.35)
    assert _capital(client, pid) == (CAPITAL - 99_960, D(99_960), ZERO)
    return entry


def _tuesday(
    client: TestClient, market: Market, pid: int, start: time = time(9, 15)
) -> dict[str, Any]:
    market.session(TUE, start)
    (position,) = positions(client, portfolio_id=pid, status="open")
    assert (position["symbol"], position["quantity"], position["entry_date"]) == (
        ITC,
        QTY,
        TUE.isoformat(),
    )
    assert money(position["entry_price"]) == ENTRY
    assert money(position["charges"]) == BUY_CHARGES == delivery_charges(Side.BUY, QTY, ENTRY, TUE)
    assert money(position["stop_price"]) == STOP
    stop = gtt(client, position["stop_gtt_id"])
    assert (stop["status"], stop["condition"]["trigger_values"]) == ("active", [414.1])
    leg = stop["orders"][0]
    assert (leg["transaction_type"], leg["quantity"], leg["price"]) == ("SELL", QTY, 409.95)
    assert _capital(client, pid) == (CAPITAL - ENTRY * QTY - BUY_CHARGES, ZERO, ENTRY * QTY)
    market.after_close(TUE)
    tuesday = _of(client, pid, signal_date=TUE.isoformat())
    assert [(s["symbol"], s["status"], s["reason"]) for s in tuesday] == [
        (WIPRO, "dropped", "max_positions")  # the one slot is ITC's
    ]
    return position


def _wednesday(
    client: TestClient, market: Market, pid: int, position: dict[str, Any], *, auto: bool
) -> None:
    market.session(WED)
    market.after_close(WED)
    (sell,) = _of(client, pid, signal_type="exit")
    assert (sell["symbol"], sell["reason"], sell["quantity"], sell["position_id"]) == (
        ITC,
        "take_profit",  # +5.96 % at the 450 close
        QTY,
        position["id"],
    )
    if not auto:
        assert sell["status"] == "pending_approval"
        assert approve_and_place(client, sell["id"]) == {
            "placed": [sell["id"]],
            "failed": {},
            "for_agent": [],
        }
    (sell,) = _of(client, pid, id=sell["id"])
    assert (sell["status"], sell["gtt_status"]) == ("approved", "order_placed")
    assert gtt(client, position["stop_gtt_id"])["status"] == "cancelled"
    (pending,) = positions(client, portfolio_id=pid, status="exit_pending")
    assert pending["id"] == position["id"]


def _thursday_and_friday(client: TestClient, runtime: Runtime, market: Market, pid: int) -> None:
    market.session(THU)
    (closed,) = positions(client, portfolio_id=pid, status="closed")
    assert (closed["exit_date"], closed["exit_reason"]) == (THU.isoformat(), "take_profit")
    assert money(closed["exit_price"]) == EXIT
    assert delivery_charges(Side.SELL, QTY, EXIT, THU) == SELL_CHARGES
    assert money(closed["charges"]) == BUY_CHARGES + SELL_CHARGES
    assert PNL == (EXIT - ENTRY) * QTY - BUY_CHARGES - SELL_CHARGES
    assert money(closed["realised_pnl"]) == PNL
    market.after_close(THU)

    market.session(FRI)  # ITC falls through the old stop: a stop left standing would sell
    last = runtime.quotes(ITC)
    assert last is not None
    assert last.low < Decimal("414.10")
    market.after_close(FRI)


def _the_week_ended_right(client: TestClient, runtime: Runtime, pid: int) -> None:
    book = portfolio(client, pid)
    assert _capital(client, pid) == (CAPITAL + PNL, ZERO, ZERO)
    assert (money(book["realised_pnl"]), money(book["charges_paid"])) == (
        PNL,
        BUY_CHARGES + SELL_CHARGES,
    )
    assert book["last_scan_date"] == FRI.isoformat()
    board = client.get("/api/model/dashboard", params={"portfolio_id": pid}).json()
    curve = [(row["date"], row["equity"]) for row in board["equity_curve"]]
    # the fresh deploy scanned the last session before Monday at once (the Friday before)
    before = runtime.candles.calendar.previous_trading_day(MON)
    assert [d for d, _ in curve] == [d.isoformat() for d in (before, MON, TUE, WED, THU, FRI)]
    assert Decimal(curve[-1][1]) == CAPITAL + PNL
    margins = client.get("/api/portfolio/margins").json()
    assert Decimal(str(margins["equity"]["available"]["cash"])) == CAPITAL + PNL
    broker = broker_book(runtime)
    assert broker.gtts == [("BUY", "triggered"), ("SELL", "cancelled")]  # each placed once
    assert broker.orders == [("BUY", "regular", QTY, "COMPLETE"), ("SELL", "amo", QTY, "COMPLETE")]
    assert broker.trades == [
        ("BUY", QTY, ENTRY, BUY_CHARGES),
        ("SELL", QTY, EXIT, SELL_CHARGES),
    ]
    kinds = sorted((s["symbol"], s["signal_type"], s["status"]) for s in signals(client))
    assert kinds == [
        (ITC, "entry", "executed"),
        (ITC, "exit", "executed"),
        (WIPRO, "entry", "dropped"),
    ]


@pytest.mark.parametrize(
    "auto", [pytest.param(False, id="approved-by-hand"), pytest.param(True, id="auto-placed")]
)
def test_a_trading_week(client: TestClient, runtime: Runtime, week: Market, auto: bool):
    pid = deploy(client, auto_place_signals=auto)
    _monday(client, week, pid, auto=auto)
    position = _tuesday(client, week, pid)
    _wednesday(client, week, pid, position, auto=auto)
    _thursday_and_friday(client, runtime, week, pid)
    assert week.gtts_fired == 1  # the entry, once; the cancelled stop never
    _the_week_ended_right(client, runtime, pid)


def test_a_risk_rule_refuses_the_second_entry_and_logs_why(
    client: TestClient, runtime: Runtime, week: Market
):
    pid = deploy(client, auto_place_signals=True, max_positions=2)
    rule = {"type": "max_open_positions", "threshold_count": 1}
    assert client.post("/api/risk/rules", json=rule).status_code == 201
    _monday(client, week, pid, auto=True)
    week.session(TUE)
    week.after_close(TUE)  # WIPRO breaks out: a second entry, auto-placed at the scan
    (refused,) = _of(client, pid, symbol=WIPRO)
    reason = "Order rejected by risk rule: a new position would make 2 open, over the limit of 1"
    assert (refused["status"], refused["error"], refused["gtt_id"]) == ("rejected", reason, None)
    events = client.get("/api/risk/events").json()
    assert [(e["rule_type"], e["action"], e["symbol"]) for e in events] == [
        ("max_open_positions", "block", WIPRO)
    ]
    assert _capital(client, pid) == (CAPITAL - ENTRY * QTY - BUY_CHARGES, ZERO, ENTRY * QTY)
    assert [side for side, _ in broker_book(runtime).gtts] == ["BUY", "SELL"]  # ITC's only


def _restart(runtime: Runtime, clock: ManualClock, stack: ExitStack) -> tuple[Runtime, TestClient]:
    """A new server process on the same database: a new runtime, app, feed and trading
    loop, with nothing of the old one's memory (quotes, volumes, GTT or exchange state)."""
    again = Runtime.build(runtime.settings, clock=clock, db=runtime.db, transport=LogTransport())
    client = stack.enter_context(TestClient(create_app(again), base_url="http://testserver"))
    signed = client.post("/api/auth/password-login", json={"email": EMAIL, "password": PASSWORD})
    assert signed.status_code == 200
    return again, client


def test_a_restart_mid_week_loses_nothing_and_repeats_nothing(
    client: TestClient, runtime: Runtime, clock: ManualClock, week: Market
):
    pid = deploy(client)
    _monday(client, week, pid, auto=False)
    fired = week.until_fired(TUE)
    # The entry GTT fired and its LIMIT buy filled; the process dies before reconciling.
    # The fill booked the position in its own transaction (`portfolios.fills`): nothing is
    # left for the reconciliation to book, before the restart or after it.
    assert broker_book(runtime).trades == [("BUY", QTY, ENTRY, BUY_CHARGES)]
    assert [(p["symbol"], p["quantity"]) for p in positions(client)] == [(ITC, QTY)]
    assert week.gtts_fired == 1
    with ExitStack() as stack:
        second, client = _restart(runtime, clock, stack)
        market = stack.enter_context(closing(Market(second, clock)))
        position = _tuesday(client, market, pid, start=(fired + STEP).astimezone(IST).time())
        _wednesday(client, market, pid, position, auto=False)
        # Down again with the exit AMO queued for Thursday's open.
        third, client = _restart(second, clock, stack)
        market = stack.enter_context(closing(Market(third, clock)))
        _thursday_and_friday(client, third, market, pid)
        assert market.gtts_fired == 0
        _the_week_ended_right(client, third, pid)


def test_retiring_cancels_the_waiting_entry_and_frees_its_capital(
    client: TestClient, runtime: Runtime, week: Market
):
    pid = deploy(client)
    entry = _monday(client, week, pid, auto=False)

    retired = client.post(f"/api/model/portfolios/{pid}/retire")

    assert retired.status_code == 200, retired.text
    assert gtt(client, entry["gtt_id"])["status"] == "cancelled"
    (entry,) = _of(client, pid, id=entry["id"])
    assert entry["gtt_status"] == "cancelled"
    book = retired.json()
    assert (book["status"], money(book["current_capital"])) == ("retired", CAPITAL)
    assert (money(book["committed_capital"]), money(book["deployed_capital"])) == (ZERO, ZERO)
    week.session(TUE)  # ITC crosses the old trigger: nothing may fire for a retired book
    assert week.gtts_fired == 0
    assert positions(client, portfolio_id=pid) == []
    assert broker_book(runtime).orders == []
