"""Patterns findings as strategy rules: every bucket of a market dimension is a valid
entry condition, a holding period a holding window, and the dimensions about the trader
say why they make no rule."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tradertape.journal import analytics
from tradertape.journal.findings import MAPPED_DIMENSIONS, WHY_NOT, Unmappable, rule_for, why_not
from tradertape.strategies.builtins import builtin
from tradertape.strategies.dsl import BaseModelId, StrategyDocument

BUCKETS = {
    "rsi_zone": ["<30", "30-70", ">70"],
    "trend_alignment": ["with", "against", "neutral"],
    "volatility_regime": ["calm", "normal", "spike"],
    "trend_x_volatility": ["with × spike", "against × calm", "neutral × normal"],
    "holding_period": ["0-3d", "4-7d", "8-14d", "15-21d", "22-30d", ">30d"],
    "sector": ["Information Technology", "Banks"],
}


def _strategy(dimension: str, bucket: str) -> StrategyDocument:
    rule = rule_for(dimension, bucket)
    document = builtin(BaseModelId.V1).model_dump(mode="json")
    if rule.entry is not None:
        document["entry_rules"] = rule.entry
    document["config"] = {**document["config"], **rule.config}
    return StrategyDocument.model_validate(document)


@pytest.mark.parametrize(
    ("dimension", "bucket"),
    [pytest.param(d, b, id=f"{d}:{b}") for d, buckets in BUCKETS.items() for b in buckets],
)
def test_every_mapped_bucket_makes_a_valid_strategy(dimension: str, bucket: str):
    document = _strategy(dimension, bucket)
    rule = rule_for(dimension, bucket)
    assert rule.says
    assert rule.caveat
    assert why_not(dimension) is None
    if dimension == "sector":
        assert rule.sector == bucket
    elif dimension == "holding_period":
        assert document.entry_rules == builtin(BaseModelId.V1).entry_rules
    else:
        assert document.entry_rules != builtin(BaseModelId.V1).entry_rules


def test_rsi_over_70_is_an_entry_on_rsi14_above_70():
    rule = rule_for("rsi_zone", ">70")
    assert rule.says == "Buy when RSI(14) is above 70"
    assert rule.entry == {
        "type": "compare",
        "left": {"type": "indicator", "name": "rsi14"},
        "op": ">",
        "right": {"type": "literal", "value": 70},
    }


def test_a_holding_period_is_a_window_in_trading_days():
    assert rule_for("holding_period", "8-14d").config == {"min_hold": 6, "max_hold": 10}
    assert rule_for("holding_period", ">30d").config == {"min_hold": 22, "max_hold": None}


def test_a_volatility_cross_pair_needs_both_parts():
    both = rule_for("trend_x_volatility", "with × spike").entry
    assert both is not None
    assert both["type"] == "and"
    assert [c["right"]["value"] for c in both["conditions"][1:]] == ["vol_spike"]
    with pytest.raises(Unmappable):
        rule_for("trend_x_volatility", "with × wobbly")


@pytest.mark.parametrize(
    "dimension",
    [
        "position_size",
        "trade_of_day",
        "day_of_week",
        "after_loss",
        "scale_in",
        "holding_x_after_loss",
        "size_x_day_of_week",
    ],
)
def test_dimensions_about_the_trader_say_why_they_make_no_rule(dimension: str):
    reason = why_not(dimension)
    assert reason is not None
    assert reason.endswith(".")
    with pytest.raises(Unmappable, match=re.escape(reason)):
        rule_for(dimension, "anything")


def test_every_dimension_the_analytics_make_is_mapped_or_explained():
    day = date(2024, 6, 3)
    closes = [float(100 + i % 7) for i in range(80)]
    market = analytics.Market([day - timedelta(days=80 - i) for i in range(80)], closes, "Banks")
    trades = [
        analytics.Trade("A", "SBIN", day, None, Decimal(net), Decimal(1000), 1, 1, day)
        for net in (300, -100)
    ]
    made = set(analytics.patterns(trades, {"SBIN": market}))
    assert set(analytics.MARKET_DIMENSIONS) <= made
    for dimension in made:
        assert dimension in MAPPED_DIMENSIONS or why_not(dimension) is not None
    assert set(WHY_NOT) <= made


def test_an_unknown_sector_or_bucket_is_refused_with_a_reason():
    with pytest.raises(Unmappable, match="sector is not known"):
        rule_for("sector", "Unknown")
    with pytest.raises(Unmappable, match="not a bucket"):
        rule_for("rsi_zone", "70-80")
    with pytest.raises(Unmappable, match="not a holding period"):
        rule_for("holding_period", "1y")
