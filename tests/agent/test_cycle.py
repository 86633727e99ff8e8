"""The agent's poll cycle against the fake Kite and a fake cloud: each signal placed once,
followed to its fill, its stop placed, every change told to the cloud, across restarts."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any, NoReturn

import pytest

from tests.agent.cloud_kit import FakeCloud, entry_signal
from tests.agent.conftest import Agents, kite_at
from tests.brokers.kite.conftest import Fake
from tradertape_agent.engine import gtt_spec, placement_key
from tradertape_agent.journal import Placement
from tradertape_agent.pricing import entry_gtt


def order_signal(signal_id: int, limit: str = "1522.60") -> dict[str, Any]:
    """An entry the cloud wants placed as an immediate LIMIT order (seed 000's static IP)."""
    leg = {"transaction_type": "BUY", "quantity": 5, "price": limit, "order_type": "LIMIT",
           "product": "CNC"}  # fmt: skip
    placement = {"kind": "order", "gtt_type": "single", "trigger_values": [limit], "legs": [leg]}
    return entry_signal(signal_id, limit_price=limit, placement=placement)


def active_gtts(fake: Fake) -> list[dict[str, Any]]:
    return [g for g in fake.kite.book.gtts.values() if g["status"] == "active"]


def outcomes(cloud: FakeCloud) -> list[tuple[int, str, str]]:
    return [(r["signal_id"], r["leg"], r["outcome"]) for r in cloud.results]


def test_an_entry_is_placed_as_a_gtt_followed_to_its_fill_and_its_stop_placed(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    cloud.signals = [entry_signal(1)]
    agent = agents.new()

    report = agent.cycle()

    assert report.new_signals == 1
    assert "[agent] poll: 1 new signals" in agents.lines
    [gtt] = active_gtts(fake)
    assert gtt["condition"]["tradingsymbol"] == "INFY"
    assert [Decimal(str(v)) for v in gtt["condition"]["trigger_values"]] == [Decimal("1515")]
    assert gtt["orders"][0]["transaction_type"] == "BUY"
    assert Decimal(str(gtt["orders"][0]["price"])) == Decimal("1522.6")
    assert outcomes(cloud) == [(1, "entry", "placed")]
    assert cloud.results[0]["gtt_id"] == int(gtt["id"])

    agent.cycle()  # nothing new: the GTT stands
    assert "[agent] poll: 0 new signals" in agents.lines
    assert len(cloud.results) == 1

    fake.price("NSE:INFY", 1516)  # the trigger is crossed: the fake fills the LIMIT BUY
    agent.cycle()

    assert outcomes(cloud)[1:] == [(1, "entry", "filled"), (1, "stop", "placed")]
    filled = next(r for r in cloud.results if r["outcome"] == "filled")
    assert Decimal(str(filled["fill_price"])) == Decimal("1516")
    assert filled["filled_quantity"] == 5
    assert filled["order_id"]
    stop = next(r for r in cloud.results if r["leg"] == "stop")
    assert stop["outcome"] == "placed"
    [standing] = active_gtts(fake)
    assert stop["gtt_id"] == int(standing["id"])
    # 5% under the fill (the default stop_loss_pct), on the 10-paisa grid above ₹1,000, rounded down
    assert [Decimal(str(v)) for v in standing["condition"]["trigger_values"]] == [
        Decimal("1440.20")
    ]
    assert standing["orders"][0]["transaction_type"] == "SELL"
    assert standing["orders"][0]["quantity"] == 5


def test_the_strategys_atr_stop_wins_over_the_percentage(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    stop = {"price": "1456.60", "atr": "33", "atr_multiplier": "2"}
    cloud.signals = [entry_signal(2, stop=stop)]
    agent = agents.new()
    agent.cycle()
    fake.price("NSE:INFY", 1516)
    agent.cycle()
    [standing] = active_gtts(fake)
    # from the real fill: 1516 − 2 × 33
    assert [Decimal(str(v)) for v in standing["condition"]["trigger_values"]] == [Decimal("1450")]


def test_manual_mode_waits_for_approval(agents: Agents, cloud: FakeCloud, fake: Fake):
    agents.config.auto_execute = False
    cloud.signals = [entry_signal(3)]
    agent = agents.new()

    report = agent.cycle()
    agent.cycle()

    assert report.waiting == [3]
    assert active_gtts(fake) == []
    assert cloud.results == []
    assert sum("waits for approval" in line for line in agents.lines) == 1  # said once

    agent.decide(3, "approved")
    agent.cycle()
    assert len(active_gtts(fake)) == 1
    assert outcomes(cloud) == [(3, "entry", "placed")]


def test_a_rejected_signal_is_never_placed(agents: Agents, cloud: FakeCloud, fake: Fake):
    agents.config.auto_execute = False
    cloud.signals = [entry_signal(5)]
    agent = agents.new()
    agent.decide(5, "rejected")
    agent.cycle()
    assert active_gtts(fake) == []
    assert cloud.results == []


def test_a_crash_after_sending_finds_the_gtt_at_the_broker_instead_of_placing_it_again(
    agents: Agents, cloud: FakeCloud, fake: Fake, clock
):
    """The journal said 'sending', the GTT reached Kite, the agent died before writing its id:
    after the restart the agent finds it by what it says."""
    signal = entry_signal(6)
    cloud.signals = [signal]
    before = agents.new()
    spec = entry_gtt(signal)
    key = placement_key(6, "entry")
    before.journal.begin(Placement(key, 6, "entry", "kite", "gtt", spec, signal, "sending"), "t")
    placed = before.brokers["kite"].place_gtt(gtt_spec(spec))
    before.journal.close()  # kill -9

    after = agents.new()  # a new process: a fresh adapter, the same journal
    after.cycle()
    after.cycle()

    assert [int(g["id"]) for g in active_gtts(fake)] == [placed]
    assert outcomes(cloud) == [(6, "entry", "placed")]
    assert cloud.results[0]["gtt_id"] == placed
    assert any("not placed again" in line for line in agents.lines)


def test_a_crash_before_reporting_reports_after_the_restart(
    agents: Agents, cloud: FakeCloud, fake: Fake, monkeypatch: pytest.MonkeyPatch
):
    cloud.signals = [entry_signal(7)]
    first = agents.new()

    def dies(body: dict[str, Any]) -> NoReturn:
        raise SystemExit  # kill -9 while reporting

    monkeypatch.setattr(first.cloud, "signal_result", dies)
    with contextlib.suppress(SystemExit):
        first.cycle()
    assert cloud.results == []

    agents.new().cycle()

    assert len(active_gtts(fake)) == 1
    assert outcomes(cloud) == [(7, "entry", "placed")]


def test_a_crash_after_sending_an_order_finds_it_by_its_tag(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    from tradertape_agent.pricing import Order, order_dict

    signal = order_signal(8)
    cloud.signals = [signal]
    before = agents.new()
    spec = order_dict(signal)
    key = placement_key(8, "entry")
    before.journal.begin(Placement(key, 8, "entry", "kite", "order", spec, signal, "sending"), "t")
    order_id = before.brokers["kite"].place_order(Order.of(spec), idempotency_key=key)
    before.journal.close()

    agents.new().cycle()

    assert len(fake.kite.book.orders) == 1
    assert cloud.results[0]["order_id"] == order_id
    assert cloud.results[0]["outcome"] == "placed"


def test_an_order_signal_is_sent_once_and_reported_when_it_fills(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    cloud.signals = [order_signal(9, limit="1600.00")]
    agent = agents.new()
    agent.cycle()
    agent.cycle()
    assert len(fake.kite.book.orders) == 1
    assert [o for _s, _l, o in outcomes(cloud)][:2] == ["placed", "filled"]


def test_a_market_order_signal_goes_as_market_and_its_fill_and_stop_follow(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    """A portfolio set to ``agent_placement: "market"``: the leg's order_type is MARKET;
    the agent sends no price, reports ``kind: "order"`` and places the stop after the fill."""
    signal = order_signal(11)
    signal["placement"]["legs"][0]["order_type"] = "MARKET"
    cloud.signals = [signal]
    agent = agents.new()
    agent.cycle()
    agent.cycle()

    [order] = fake.kite.book.orders.values()
    assert order["order_type"] == "MARKET"
    assert [(r["outcome"], r["kind"]) for r in cloud.results][:2] == [
        ("placed", "order"),
        ("filled", "order"),
    ]
    assert cloud.results[1]["order_id"] == order["order_id"]
    assert ("stop", "placed") in [(r["leg"], r["outcome"]) for r in cloud.results]


def test_an_exit_order_sells_the_positions_quantity_at_the_signals_price(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    from tradertape_agent.pricing import order_dict

    leg = {"transaction_type": "SELL", "quantity": 12, "price": "1490.00",
           "order_type": "LIMIT", "product": "CNC"}  # fmt: skip
    placement = {"kind": "order", "gtt_type": "single", "trigger_values": ["1490.00"],
                 "legs": [leg]}  # fmt: skip
    exit_signal = entry_signal(12, signal_type="exit", side="SELL", quantity=12,
                               placement=placement)  # fmt: skip
    spec = order_dict(exit_signal)
    assert (spec["transaction_type"], spec["quantity"], spec["price"]) == ("SELL", 12, "1490.00")
    assert spec["order_type"] == "LIMIT"


def test_the_kill_switch_places_nothing_and_says_why(agents: Agents, cloud: FakeCloud, fake: Fake):
    cloud.signals = [entry_signal(10)]
    cloud.kill_switch = True
    report = agents.new().cycle()
    assert report.blocked is not None
    assert active_gtts(fake) == []
    assert cloud.results == []
    assert any("kill switch on in the cloud" in line for line in agents.lines)


def test_a_signal_the_risk_gate_refused_is_logged_not_placed(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    words = "Order rejected by risk rule: a new position would make 3 open, over the limit of 2"
    risk = {"allowed": False, "refusal": words, "warnings": [], "checked": "all"}
    cloud.signals = [entry_signal(11, status="rejected", risk=risk)]
    agent = agents.new()
    report = agent.cycle()
    assert active_gtts(fake) == []
    assert cloud.results == []
    assert any(words in line for line in agents.lines)
    assert words in report.refused[0]
    assert words in (agent.journal.fact("last_result") or "")


def test_an_exit_lifts_the_stop_and_sells(agents: Agents, cloud: FakeCloud, fake: Fake):
    cloud.signals = [entry_signal(12)]
    agent = agents.new()
    agent.cycle()
    fake.price("NSE:INFY", 1516)
    agent.cycle()  # filled: stop placed
    cloud.signals = [
        entry_signal(
            13,
            side="SELL",
            signal_type="exit",
            trigger_price=None,
            limit_price=None,
            close_price="1520.00",
            placement={
                "kind": "gtt",
                "gtt_type": "two-leg",
                "trigger_values": ["1440.00", "1596.00"],
                "legs": [
                    {
                        "transaction_type": "SELL",
                        "quantity": 5,
                        "price": p,
                        "order_type": "LIMIT",
                        "product": "CNC",
                    }
                    for p in ("1425.60", "1580.05")
                ],
            },
        )
    ]
    agent.cycle()
    standing = active_gtts(fake)
    assert len(standing) == 1
    assert [o["transaction_type"] for o in standing[0]["orders"]] == ["SELL", "SELL"]  # an OCO
    assert (12, "stop", "cancelled") in outcomes(cloud)
    assert (13, "exit", "placed") in outcomes(cloud)


def test_a_session_the_broker_refuses_is_broker_not_connected(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    cloud.signals = [entry_signal(14)]
    agent = agents.new()
    agent.brokers["kite"] = kite_at(fake, "not-a-token")
    report = agent.cycle()
    assert any(e.startswith("Broker not connected") for e in report.errors)
    agent.cycle()
    assert cloud.headers.get("x-agent-health") == "broker-down"
