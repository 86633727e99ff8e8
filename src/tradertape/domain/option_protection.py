"""Option-run protection rules: ``{metric, operator lte|gte, threshold, action: exit}``.

The metrics are the reference's (``index_ltp``, ``combined_premium``,
``combined_premium_change_pct``, ``strategy_mtm``, ``open_quantity``, and the greeks it adds
once they can be computed: ``net_delta``, ``net_vega``) plus ``strategy_mtm_pct``
(mark-to-market as a percentage of the premium paid or received at entry), which is what the
published README's ``{"stoploss_pct": 2.0}`` shorthand means: exit once the strategy has lost
2 % of its entry premium, whichever way it was put on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any

from tradertape.domain.decimal_input import parse_decimal

METRICS = (
    "index_ltp",
    "combined_premium",
    "combined_premium_change_pct",
    "strategy_mtm",
    "strategy_mtm_pct",
    "open_quantity",
    "net_delta",
    "net_vega",
)
OPERATORS = ("lte", "gte")


class RuleError(ValueError):
    """A rule that cannot be read; `field` is its dotted path in the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Rule:
    """One protection rule."""

    key: str
    metric: str
    operator: str
    threshold: float
    action: str = "exit"
    role: str | None = None

    def fires(self, metrics: Mapping[str, float | None]) -> bool:
        """Whether the metric is known and past the threshold."""
        value = metrics.get(self.metric)
        if value is None:
            return False
        return value <= self.threshold if self.operator == "lte" else value >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        """The rule as the API shows it."""
        return {
            "key": self.key,
            "metric": self.metric,
            "role": self.role,
            "operator": self.operator,
            "threshold": self.threshold,
            "action": self.action,
        }


def _rule(raw: Any, where: str, index: int) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleError(where, "must be an object")
    metric = raw.get("metric")
    if metric not in METRICS:
        raise RuleError(f"{where}.metric", f"must be one of {', '.join(METRICS)}")
    operator = raw.get("operator")
    if operator not in OPERATORS:
        raise RuleError(f"{where}.operator", "must be lte or gte")
    threshold = raw.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise RuleError(f"{where}.threshold", "must be a number")
    try:
        parse_decimal(threshold)  # finite and of sane size: float(10**400) would overflow
    except InvalidOperation as exc:
        raise RuleError(f"{where}.threshold", str(exc)) from None
    action = raw.get("action", "exit")
    if action != "exit":
        raise RuleError(f"{where}.action", "only 'exit' is supported")
    key = raw.get("key") or f"rule_{index + 1}"
    role = raw.get("role")
    if not isinstance(key, str) or (role is not None and not isinstance(role, str)):
        raise RuleError(where, "key and role must be strings")
    return Rule(key, metric, operator, float(threshold), action, role)


def parse_protection(raw: Any, where: str = "protection") -> tuple[list[Rule], list[str]]:
    """Rules and precedence from ``{rules, precedence}`` or ``{stoploss_pct}``; None is none."""
    if raw is None:
        return [], []
    if not isinstance(raw, Mapping):
        raise RuleError(where, "must be an object")
    rules: list[Rule] = []
    stop = raw.get("stoploss_pct")
    if stop is not None:
        if isinstance(stop, bool) or not isinstance(stop, int | float) or not 0 < stop < 1000:
            raise RuleError(f"{where}.stoploss_pct", "must be a positive percentage")
        rules.append(Rule("stoploss_pct", "strategy_mtm_pct", "lte", -float(stop)))
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleError(f"{where}.rules", "must be a list")
    rules += [_rule(r, f"{where}.rules[{i}]", i) for i, r in enumerate(raw_rules)]
    keys = [r.key for r in rules]
    if len(set(keys)) != len(keys):
        raise RuleError(f"{where}.rules", "rule keys must be unique")
    precedence = raw.get("precedence", [])
    if not isinstance(precedence, list) or any(p not in keys for p in precedence):
        raise RuleError(f"{where}.precedence", "must list rule keys")
    return rules, [str(p) for p in precedence]


def first_firing(
    rules: list[Rule], precedence: list[str], metrics: Mapping[str, float | None]
) -> Rule | None:
    """The rule that fires first: by precedence, then in the order given."""
    order = {key: n for n, key in enumerate(precedence)}
    ranked = sorted(enumerate(rules), key=lambda p: (order.get(p[1].key, len(order)), p[0]))
    return next((rule for _, rule in ranked if rule.fires(metrics)), None)
