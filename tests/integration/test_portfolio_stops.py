"""Standing ATR-stop GTTs of ``paper_fill: gtt`` portfolios, on the simulated week.

Each test plays the week's feed through the app's trading loop (`tests.portfolio_week`),
with one day of ITC changed to make the stop matter. The stop is placed when the position
opens, moved by an add-on, placed again when deleted by hand, cancelled by any other exit,
and when it fires (or is found crossed) the position closes through the normal path —
never sold twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import sign_in
from tests.portfolio_week import (
    FRI,
    ITC,
    MON,
    STEP,
    STRATEGY,
    THU,
    TUE,
    WED,
    WIPRO,
    Bar,
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
from tradertape.db.models import ModelSignal
from tradertape.domain.charge_rates import Segment
from tradertape.domain.charges import Fill, Side, compute_charges
from tradertape.domain.money import paise
from tradertape.domain.ticks import RoundDirection, round_to_tick
from tradertape.oms import delivery_charges
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime

QTY = 238
CAPITAL = Decimal(1_000_000)


Play = Callable[[dict[str, dict[date, Bar]]], Market]


@pytest.fixture
def play(client: TestClient, runtime: Runtime, clock: ManualClock) -> Iterator[Play]:
    """Start the week with some days changed, the user signed in on Monday."""
    markets: list[Market] = []

    def start(changes: dict[str, dict[date, Bar]]) -> Market:
        write_candles(runtime.candles, changes)
        clock.set(at(MON, time(9)))
        sign_in(client, runtime, "stops@x.in")
        markets.append(Market(runtime, clock))
        return markets[-1]

    yield start
    for market in markets:
        market.close()


def _open_on_tuesday(client: TestClient, market: Market, pid: int) -> dict[str, Any]:
    """Monday's entry signal placed by hand; Tuesday's session fills it."""
    market.session(MON)
    market.after_close(MON)
    (entry,) = signals(client, portfolio_id=pid)
    approve_and_place(client, entry["id"])
    market.session(TUE)
    (position,) = positions(client, portfolio_id=pid, status="open")
    return position


def _trades(runtime: Runtime) -> list[tuple[str, int, Decimal, Decimal]]:
    return broker_book(runtime).trades


UNDER_ENTRY = {
    "name": "under_entry",
    "priority": 1,
    "condition": {
        "type": "compare",
        "left": {"type": "indicator", "name": "close"},
        "op": "<",
        "right": {"type": "position", "field": "entry_price"},
    },
}


def test_the_stop_fires_and_closes_the_position_and_the_exit_rule_sell_is_refused(
    client: TestClient, runtime: Runtime, play: Play
):
    market = play({ITC: {TUE: (421, 426, 420, 423), WED: (423, 424, 410, 412)}})
    strategy = STRATEGY | {"exit_rules": [*STRATEGY["exit_rules"], UNDER_ENTRY]}
    pid = deploy(client, strategy)
    position = _open_on_tuesday(client, market, pid)
    stop_id = position["stop_gtt_id"]
    market.after_close(TUE)  # 423 closes under the entry: an exit signal, left unapproved
    (sell,) = [s for s in signals(client, portfolio_id=pid) if s["signal_type"] == "exit"]
    assert (sell["reason"], sell["status"]) == ("under_entry", "pending_approval")

    fired = market.until_fired(WED)  # ITC falls through the stop: its GTT places the sell
    assert gtt(client, stop_id)["status"] == "triggered"
    refused = approve_and_place(client, sell["id"])  # before reconciliation has seen it
    assert refused["placed"] == []
    assert f"stop-loss GTT {stop_id} already fired" in refused["failed"][str(sell["id"])]

    market.session(WED, start=(fired + STEP).astimezone(IST).time())
    market.after_close(WED)
    (closed,) = positions(client, portfolio_id=pid, status="closed")
    (buy, sold) = _trades(runtime)
    assert sold[:2] == ("SELL", QTY)  # the stop's sell, and no other
    entry, exit_price = buy[2], sold[2]
    assert (closed["exit_reason"], closed["exit_date"]) == ("atr_stop", WED.isoformat())
    assert money(closed["exit_price"]) == exit_price
    assert buy[3] == delivery_charges(Side.BUY, QTY, entry, TUE)
    assert sold[3] == delivery_charges(Side.SELL, QTY, exit_price, WED)
    pnl = (exit_price - entry) * QTY - buy[3] - sold[3]
    assert money(closed["realised_pnl"]) == pnl
    assert money(portfolio(client, pid)["current_capital"]) == CAPITAL + pnl
    made = sorted(
        (s["signal_date"], s["symbol"], s["signal_type"], s["status"]) for s in signals(client)
    )
    assert made == [  # Wednesday's scan saw a closed position: no second exit
        (MON.isoformat(), ITC, "entry", "executed"),
        (TUE.isoformat(), ITC, "exit", "failed"),
        (TUE.isoformat(), WIPRO, "entry", "expired"),  # ITC's exit freed the slot
    ]
    assert broker_book(runtime).orders == [
        ("BUY", "regular", QTY, "COMPLETE"),
        ("SELL", "regular", QTY, "COMPLETE"),
    ]


def _stop_of(client: TestClient, position: dict[str, Any]) -> tuple[str, float, int, float]:
    """(status, trigger, quantity, limit) of the position's stop GTT."""
    found = gtt(client, position["stop_gtt_id"])
    leg = found["orders"][0]
    assert leg["transaction_type"] == "SELL"
    return found["status"], found["condition"]["trigger_values"][0], leg["quantity"], leg["price"]


def test_a_manual_close_cancels_the_stop_and_a_stop_deleted_by_hand_is_placed_again(
    client: TestClient, runtime: Runtime, play: Play
):
    market = play({})
    pid = deploy(client)
    market.session(MON)
    market.after_close(MON)
    (entry,) = signals(client, portfolio_id=pid)
    approve_and_place(client, entry["id"])
    market.session(TUE, end=time(12))  # the entry fills at 11:35
    (position,) = positions(client, portfolio_id=pid, status="open")
    first = position["stop_gtt_id"]
    assert _stop_of(client, position) == ("active", 414.1, QTY, 409.95)

    deleted = client.delete(f"/api/gtt/triggers/{first}")  # by hand, on the GTT page
    assert deleted.status_code == 200
    market.session(TUE, start=time(12, 5), end=time(12, 5))  # the next reconciliation
    (position,) = positions(client, portfolio_id=pid, status="open")
    assert position["stop_gtt_id"] not in (None, first)
    assert _stop_of(client, position) == ("active", 414.1, QTY, 409.95)

    closed = client.post(f"/api/model/positions/{position['id']}/close")
    assert closed.status_code == 200
    assert closed.json()["failed"] == {}
    assert gtt(client, position["stop_gtt_id"])["status"] == "cancelled"
    market.session(TUE, start=time(12, 10))
    (done,) = positions(client, portfolio_id=pid, status="closed")
    assert (done["exit_reason"], done["exit_date"]) == ("manual", TUE.isoformat())
    (buy, sold) = _trades(runtime)
    pnl = (sold[2] - buy[2]) * QTY - buy[3] - sold[3]
    # bought and sold the same day in the portfolio's book: an intraday round trip, one
    # note (issue 50), whatever the product; the sale's charge is what it adds to the note
    round_trip = [
        Fill("buy", Segment.EQUITY_INTRADAY, Side.BUY, QTY, buy[2]),
        Fill("sell", Segment.EQUITY_INTRADAY, Side.SELL, QTY, sold[2]),
    ]
    assert buy[3] + sold[3] == compute_charges(round_trip, TUE).total
    assert money(done["realised_pnl"]) == pnl
    for day in (WED, THU, FRI):  # Friday trades through 414.10: nothing may fire
        market.session(day)
        market.after_close(day)
    assert market.gtts_fired == 1
    assert broker_book(runtime).gtts == [
        ("BUY", "triggered"),
        ("SELL", "deleted"),
        ("SELL", "cancelled"),
    ]
    assert money(portfolio(client, pid)["current_capital"]) == CAPITAL + pnl


ADD_ON = STRATEGY | {
    "exit_rules": [],
    "addon_rules": {
        "enabled": True,
        "condition": {
            "type": "compare",
            "left": {"type": "indicator", "name": "close"},
            "op": ">",
            "right": {
                "type": "mul",
                "left": {"type": "position", "field": "entry_price"},
                "right": {"type": "literal", "value": 1.03},
            },
        },
        "max_addons": 1,
        "size_pct": 50,
    },
}


def test_an_add_on_moves_the_stop_which_then_sells_the_whole_position(
    client: TestClient, runtime: Runtime, play: Play
):
    market = play(
        {ITC: {WED: (426, 441, 425, 440), THU: (441, 446, 440, 445), FRI: (444, 445, 405, 408)}}
    )
    pid = deploy(client, ADD_ON, auto_place_signals=True)
    for day in (MON, TUE, WED):
        market.session(day)
        market.after_close(day)
    (position,) = positions(client, portfolio_id=pid, status="open")
    stop_id = position["stop_gtt_id"]
    (addon,) = [s for s in signals(client, portfolio_id=pid) if s["signal_type"] == "addon"]
    assert (addon["quantity"], addon["status"], addon["gtt_status"]) == (119, "approved", "active")

    market.session(THU)  # the add-on's GTT fires and fills
    (position,) = positions(client, portfolio_id=pid, status="open")
    (first, added) = _trades(runtime)
    total = QTY + 119
    average = (first[2] * QTY + added[2] * 119) / total
    with runtime.db.session() as db:
        atr = db.scalar(select(ModelSignal.atr).where(ModelSignal.id == addon["id"]))
    assert atr is not None
    stop = paise(average - 2 * atr)  # from the new average, with the add-on's ATR
    trigger = round_to_tick(stop, RoundDirection.DOWN)
    limit = round_to_tick(trigger * Decimal("0.99"), RoundDirection.DOWN)
    assert (position["quantity"], money(position["entry_price"])) == (total, average)
    assert money(position["stop_price"]) == stop
    assert position["stop_gtt_id"] == stop_id  # the same GTT, moved
    assert _stop_of(client, position) == ("active", float(trigger), total, float(limit))
    market.after_close(THU)

    market.session(FRI)
    (closed,) = positions(client, portfolio_id=pid, status="closed")
    (_, _, sold) = _trades(runtime)
    assert sold[:2] == ("SELL", total)  # the whole position, in one sell
    assert limit <= sold[2] <= trigger
    cost = first[2] * QTY + added[2] * 119
    pnl = sold[2] * total - cost - first[3] - added[3] - sold[3]
    assert (closed["exit_reason"], money(closed["realised_pnl"])) == ("atr_stop", paise(pnl))
    assert money(portfolio(client, pid)["current_capital"]) == CAPITAL + pnl


def test_a_stop_whose_sell_went_unfilled_is_crossed_and_sells_at_once(
    client: TestClient, runtime: Runtime, play: Play
):
    # Wednesday gaps under the stop's limit (409.95) and never trades back up to it.
    market = play({ITC: {WED: (400, 405, 395, 398), THU: (397, 399, 390, 392)}})
    pid = deploy(client)
    position = _open_on_tuesday(client, market, pid)
    market.after_close(TUE)
    market.session(WED)
    assert gtt(client, position["stop_gtt_id"])["status"] == "triggered"
    (working,) = positions(client, portfolio_id=pid, status="exit_pending")
    market.after_close(WED)  # the DAY sell expires unfilled; reconciliation sells at once
    (sell,) = [s for s in signals(client, portfolio_id=pid) if s["signal_type"] == "exit"]
    assert (sell["reason"], sell["status"], sell["gtt_status"]) == (
        "atr_stop",
        "approved",  # its order works until Thursday's open fills it
        "order_placed",
    )
    market.session(THU)
    (closed,) = positions(client, portfolio_id=pid, status="closed")
    (buy, sold) = _trades(runtime)
    assert (closed["exit_reason"], closed["exit_date"]) == ("atr_stop", THU.isoformat())
    pnl = (sold[2] - buy[2]) * QTY - buy[3] - sold[3]
    assert money(closed["realised_pnl"]) == pnl
    assert [o[:2] for o in broker_book(runtime).orders] == [
        ("BUY", "regular"),  # the entry GTT's
        ("SELL", "regular"),  # the stop GTT's, expired unfilled
        ("SELL", "amo"),  # the crossed stop's, at Thursday's open
    ]
    assert working["id"] == closed["id"]


def test_a_reset_cancels_the_portfolios_waiting_gtts(
    client: TestClient, runtime: Runtime, play: Play
):
    market = play({WIPRO: {WED: (631, 645, 628, 640)}})  # over its 636.30 trigger
    pid = deploy(client, max_positions=2)
    position = _open_on_tuesday(client, market, pid)
    market.after_close(TUE)  # WIPRO's entry, placed by hand: a BUY GTT waiting
    (wipro,) = [s for s in signals(client, portfolio_id=pid) if s["symbol"] == WIPRO]
    approve_and_place(client, wipro["id"])
    (wipro,) = [s for s in signals(client, portfolio_id=pid) if s["id"] == wipro["id"]]
    reset = client.post(f"/api/model/portfolios/{pid}/reset")
    assert reset.status_code == 200
    assert gtt(client, position["stop_gtt_id"])["status"] == "cancelled"
    assert gtt(client, wipro["gtt_id"])["status"] == "cancelled"
    for day in (WED, THU, FRI):  # WIPRO trades above its trigger, ITC under the stop
        market.session(day)
    assert market.gtts_fired == 1  # ITC's entry on Tuesday, nothing after the reset
    assert positions(client) == []
