"""Free-form payloads' numbers (worker option protection rules, replay snapshots, strategy
previews, the options desk's what-if) go through the one number rule: a JSON integer of 400
digits, a tiny or huge exponent, is a 4xx naming the field, never a 500 from ``float()``
(the fuzzer's huge-and-tiny corpus found each of these, issue 66)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tradertape.api.schemas.options_desk import Premium, Spot
from tradertape.domain.option_protection import RuleError, parse_protection
from tradertape.errors import InvalidField
from tradertape.services.options.replay import _snapshot

HUGE_AND_TINY = [10**400, 1e-30, float("inf"), float("nan")]


@pytest.mark.parametrize("threshold", HUGE_AND_TINY, ids=lambda v: repr(v)[:12])
def test_a_protection_rules_threshold_of_no_sane_size_is_refused(threshold: object):
    rule = {"metric": "combined_premium", "operator": "gte", "threshold": threshold}
    with pytest.raises(RuleError) as refused:
        parse_protection({"rules": [rule]})
    assert refused.value.field == "protection.rules[0].threshold"


def test_a_sane_threshold_is_kept():
    rule = {"metric": "strategy_mtm_pct", "operator": "lte", "threshold": -5}
    (kept,), _ = parse_protection({"rules": [rule]})
    assert kept.threshold == -5.0


@pytest.mark.parametrize("value", HUGE_AND_TINY, ids=lambda v: repr(v)[:12])
def test_a_replay_snapshots_metric_of_no_sane_size_is_refused(value: object):
    with pytest.raises(InvalidField) as refused:
        _snapshot({"combined_premium": value}, "metric_snapshots[0]")
    assert refused.value.field == "metric_snapshots[0].combined_premium"
    assert _snapshot({"combined_premium": 120.5}, "s") == {"combined_premium": 120.5}


@pytest.mark.parametrize("kind", [Spot, Premium])
@pytest.mark.parametrize("value", ["1e-600000", "1E+600000", "NaN", 10**400, "0", "-1"])
def test_the_options_desks_spot_and_premiums_are_plain_positive_numbers(kind: Any, value: object):
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)
