"""Backend protection rules: each rule, the rule order, trailing memory, and the config."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tradertape.domain.protection_rules import Inputs, LegMark, Memory, evaluate, position_key
from tradertape.domain.worker_protection import BackendProtection, ProtectedPosition
from tradertape.ports.clock import IST

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=IST)
SQUAREOFF = {"NSE": time(15, 20), "BSE": time(15, 20), "NFO": time(15, 25), "BFO": time(15, 25)}


def leg(
    last: str | None,
    *,
    quantity: int = 10,
    average: str = "100",
    symbol: str = "INFY",
    product: str = "CNC",
) -> LegMark:
    return LegMark(
        instrument_token=408065,
        exchange="NSE",
        tradingsymbol=symbol,
        product=product,
        quantity=quantity,
        average=Decimal(average),
        last_price=Decimal(last) if last is not None else None,
    )


def inputs(*legs: LegMark, age: float | None = None, now: datetime = NOON) -> Inputs:
    return Inputs(
        legs=legs, heartbeat_age_secs=age, market_now=now, trading_day=True, squareoff_at=SQUAREOFF
    )


def config(**document: Any) -> BackendProtection:
    return BackendProtection.model_validate({"enabled": True, **document})


def position(**rules: Any) -> dict[str, Any]:
    return {
        "symbol": "NSE:INFY",
        "product": "CNC",
        "side": "BUY",
        "quantity": 10,
        "entry_price": 100,
        **rules,
    }


@pytest.mark.parametrize(
    ("rules", "last", "fired"),
    [
        pytest.param({"stoploss_pct": 2}, "98", "position_stoploss", id="stop-at-threshold"),
        pytest.param({"stoploss_pct": 2}, "98.05", None, id="stop-not-yet"),
        pytest.param({"target_pct": 5}, "105", "position_target", id="target"),
        pytest.param({"target_pct": 5}, "104.95", None, id="target-not-yet"),
    ],
)
def test_position_stop_and_target(rules: dict[str, Any], last: str, fired: str | None):
    verdict = evaluate(config(positions=[position(**rules)]), Memory(), inputs(leg(last)))
    assert verdict.rule == fired


def test_a_short_position_gains_when_the_price_falls():
    short = position(side="SELL", stoploss_pct=2, target_pct=3)
    document = config(positions=[short])
    assert evaluate(document, Memory(), inputs(leg("97", quantity=-10))).rule == "position_target"
    assert evaluate(document, Memory(), inputs(leg("102", quantity=-10))).rule == (
        "position_stoploss"
    )


def test_trailing_stop_remembers_the_best_and_fires_on_the_giveback():
    document = config(positions=[position(trailing_stoploss_pct=3)])
    memory = Memory()
    for last in ("101", "106", "104"):
        verdict = evaluate(document, memory, inputs(leg(last)))
        assert verdict.rule is None
        memory = verdict.memory
    assert memory.best_position_pct == {"symbol:NSE:INFY:CNC": 6.0}
    fired = evaluate(document, memory, inputs(leg("103")))
    assert fired.rule == "position_trailing_stoploss"
    assert fired.details["best_pnl_pct"] == 6.0


def test_trailing_stop_needs_a_profit_first():
    document = config(positions=[position(trailing_stoploss_pct=1)])
    first = evaluate(document, Memory(), inputs(leg("99")))
    second = evaluate(document, first.memory, inputs(leg("97")))
    assert (first.rule, second.rule) == (None, None)


@pytest.mark.parametrize(
    ("the_leg", "error"),
    [
        pytest.param(None, "no open position", id="missing"),
        pytest.param(leg("100", quantity=-10), "other side", id="side-mismatch"),
        pytest.param(leg(None), "no price", id="no-price"),
    ],
)
def test_unmatched_positions_are_errors_not_triggers(the_leg: LegMark | None, error: str):
    legs = [the_leg] if the_leg else []
    verdict = evaluate(config(positions=[position(stoploss_pct=1)]), Memory(), inputs(*legs))
    assert verdict.rule is None
    assert error in verdict.errors[0]


@pytest.mark.parametrize(
    "named",
    [
        {"symbol": "NSE:INFY"},
        {"symbol": "infy"},
        {"instrument_token": 408065, "symbol": None},
        {"exchange": "NSE", "tradingsymbol": "INFY", "symbol": None},
    ],
)
def test_positions_match_by_any_alias(named: dict[str, Any]):
    document = config(positions=[position(stoploss_pct=1, **named)])
    assert evaluate(document, Memory(), inputs(leg("90"))).rule == "position_stoploss"


def test_worker_stale_fires_at_the_window_and_never_without_a_heartbeat():
    document = config(operations={"exit_on_worker_stale": True, "worker_stale_sec": 60})
    assert evaluate(document, Memory(), inputs(age=59.9)).rule is None
    assert evaluate(document, Memory(), inputs(age=60)).rule == "worker_stale"
    assert evaluate(document, Memory(), inputs(age=None)).rule is None


def test_mis_buffer_fires_before_the_square_off_for_mis_legs_only():
    document = config(operations={"mis_squareoff_buffer_sec": 300})
    early = datetime(2026, 11, 20, 15, 14, 59, tzinfo=IST)
    due = datetime(2026, 11, 20, 15, 15, tzinfo=IST)
    mis = leg("100", product="MIS")
    assert evaluate(document, Memory(), inputs(mis, now=early)).rule is None
    assert evaluate(document, Memory(), inputs(mis, now=due)).rule == "mis_squareoff_buffer"
    assert evaluate(document, Memory(), inputs(leg("100"), now=due)).rule is None
    holiday = Inputs([mis], None, due, trading_day=False, squareoff_at=SQUAREOFF)
    assert evaluate(document, Memory(), holiday).rule is None


def test_basket_is_basis_weighted():
    # +10 % on 1,000 of basis and -5 % on 3,000: (100 - 150) / 4,000 = -1.25 %
    legs = (leg("110", quantity=10), leg("95", quantity=30, symbol="TCS"))
    verdict = evaluate(config(basket={"stoploss_pct": 1.25}), Memory(), inputs(*legs))
    assert verdict.basket_pct == -1.25
    assert verdict.rule == "basket_stoploss"


def test_basket_trailing_drawdown_needs_activation():
    document = config(basket={"trailing_activate_pct": 2, "trailing_drawdown_pct": 1})
    memory = Memory()
    for last in ("101.5", "100.5"):  # best 1.5 %: never activated
        verdict = evaluate(document, memory, inputs(leg(last)))
        assert verdict.rule is None
        memory = verdict.memory
    for last in ("103", "102.5"):
        verdict = evaluate(document, memory, inputs(leg(last)))
        assert verdict.rule is None
        memory = verdict.memory
    assert evaluate(document, memory, inputs(leg("102"))).rule == "basket_trailing_drawdown"


def test_target_of_the_basket():
    verdict = evaluate(config(basket={"target_pct": 4}), Memory(), inputs(leg("104")))
    assert verdict.rule == "basket_target"


def test_rule_order_positions_first_then_stale_then_mis_then_basket():
    document = config(
        positions=[position(stoploss_pct=1)],
        basket={"stoploss_pct": 1},
        operations={
            "exit_on_worker_stale": True,
            "worker_stale_sec": 30,
            "mis_squareoff_buffer_sec": 3600,
        },
    )
    late = datetime(2026, 11, 20, 15, 0, tzinfo=IST)
    both = (leg("90"), leg("90", product="MIS", symbol="TCS"))
    assert evaluate(document, Memory(), inputs(*both, age=99, now=late)).rule == (
        "position_stoploss"
    )
    rest = (leg("90", product="MIS", symbol="TCS"),)
    assert evaluate(document, Memory(), inputs(*rest, age=99, now=late)).rule == "worker_stale"
    assert evaluate(document, Memory(), inputs(*rest, age=1, now=late)).rule == (
        "mis_squareoff_buffer"
    )
    assert evaluate(document, Memory(), inputs(*rest, age=1)).rule == "basket_stoploss"


def test_memory_round_trips_through_the_state_document():
    memory = Memory({"symbol:NSE:INFY:CNC": 2.5}, 1.25)
    state = {"position_states": memory.position_states(), "best_basket_pnl_pct": 1.25}
    assert Memory.of_state(state) == memory
    assert Memory.of_state({"position_states": {"x": "junk"}}) == Memory()


@given(
    prices=st.lists(st.integers(min_value=50, max_value=150), min_size=1, max_size=30),
    trail=st.integers(min_value=1, max_value=20),
)
def test_trailing_best_never_decreases(prices: list[int], trail: int):
    document = config(positions=[position(trailing_stoploss_pct=trail)])
    memory = Memory()
    best = None
    for price in prices:
        verdict = evaluate(document, memory, inputs(leg(str(price))))
        current = verdict.memory.best_position_pct["symbol:NSE:INFY:CNC"]
        assert best is None or current >= best
        best, memory = current, verdict.memory
        if verdict.rule is not None:
            assert best - (price - 100) >= trail


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param({"enabled": True}, "at least one rule", id="enabled-without-rules"),
        pytest.param({"positions": [position()]}, "at least one percentage", id="no-percent"),
        pytest.param(
            {"positions": [position(stoploss_pct=1, symbol=None)]}, "name the", id="unnamed"
        ),
        pytest.param(
            {"basket": {"trailing_drawdown_pct": 1}}, "needs trailing_activate", id="drawdown"
        ),
        pytest.param(
            {"operations": {"exit_on_worker_stale": True}}, "worker_stale_sec", id="stale-window"
        ),
        pytest.param(
            {"operations": {"worker_stale_sec": 10}}, "greater than or equal", id="stale-range"
        ),
        pytest.param(
            {"operations": {"mis_squareoff_buffer_sec": 3601}}, "less than", id="buffer-range"
        ),
        pytest.param({"basket": {"target_pct": 1001}}, "less than", id="percent-range"),
        pytest.param({"typo": 1}, "Extra inputs", id="unknown-key"),
    ],
)
def test_config_is_validated(document: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        BackendProtection.model_validate(document)


def test_position_key_names_the_position():
    named = ProtectedPosition.model_validate(position(stoploss_pct=1, symbol="nse: infy"))
    assert position_key(named) == "symbol:NSE:INFY:CNC"
