"""Entry filters: weekdays, days to expiry, and the DSL rule on the underlying."""

from __future__ import annotations

from datetime import date
from typing import Any

from tradertape.backtest.options.engine import OptionsBacktester
from tradertape.backtest.options.strategy import OptionStrategy
from tradertape.backtest.options.synthetic import SyntheticChains

START, END = date(2025, 4, 1), date(2025, 5, 30)
SOURCE = SyntheticChains(date(2025, 3, 1), date(2025, 6, 15), seed=3, strikes_each_side=8)


def _entries(**entry: Any) -> list[date]:
    strategy = OptionStrategy.model_validate(
        {
            "name": "filters",
            "underlying": "NIFTY",
            "entry": entry,
            "legs": [{"option_type": "CE", "side": "sell"}],
        }
    )
    run = OptionsBacktester(strategy, SOURCE).run(START, END)
    return sorted({t.entry_day for t in run.trades})


def _compare(op: str) -> dict[str, Any]:
    return {
        "type": "compare",
        "left": {"type": "indicator", "name": "close"},
        "op": op,
        "right": {"type": "literal", "value": 0},
    }


def test_weekdays_and_days_to_expiry_choose_the_entry_days():
    every = _entries()
    assert every == SOURCE.trading_days("NIFTY", START, END)
    mondays = _entries(weekdays=["mon"])
    assert mondays
    assert all(d.weekday() == 0 for d in mondays)
    on_expiry = _entries(days_to_expiry=[0])
    assert on_expiry
    assert all(d == SOURCE.expiries("NIFTY", d)[0] for d in on_expiry)


def test_the_rule_on_the_underlying_gates_the_entries():
    assert _entries(rule=_compare(">")) == _entries()
    assert _entries(rule=_compare("<")) == []
