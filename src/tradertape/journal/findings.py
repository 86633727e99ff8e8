"""A Patterns finding as a strategy rule (spec §10.5: "high-conviction findings turn into
rules that can be backtested").

A finding is a dimension and one of its buckets ("RSI zone", ">70"). Where the dimension is
a market condition the strategy language can state, the bucket becomes the strategy's
entry condition; a holding period becomes its minimum and maximum hold; a sector becomes
the universe it trades. Every other part of the strategy is V1 Momentum's (its exits and
ranking), so the backtest asks one question: does this condition alone carry your edge?

Each rule says how it differs from the journal's own measure (the journal reads the closes
before your entry day; a strategy decides at a day's close and buys the next morning).
Dimensions about the trader rather than the market (size, the order of the day's trades,
the day of the week, revenge trading, scaling in) cannot be a market rule; `why_not` says
why, and the page shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]


class Unmappable(ValueError):  # noqa: N818 - reads as the answer: "unmappable"
    """The finding cannot be written as a rule; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What a finding changes in V1 Momentum's document."""

    says: str  # the rule in words: "Buy when RSI(14) is above 70"
    caveat: str  # how it differs from the journal's measure
    entry: Node | None = None  # the entry condition; None keeps V1's
    config: dict[str, Any] = field(default_factory=dict)  # over V1's config
    sector: str | None = None  # trade only this sector's stocks


def _ind(name: str) -> Node:
    return {"type": "indicator", "name": name}


def _num(value: float | str) -> Node:
    return {"type": "literal", "value": value}


def _cmp(left: Node, op: str, right: Node) -> Node:
    return {"type": "compare", "left": left, "op": op, "right": right}


def _all(*conditions: Node) -> Node:
    return {"type": "and", "conditions": list(conditions)}


def _not(condition: Node) -> Node:
    return {"type": "not", "condition": condition}


_UP = _all(_cmp(_ind("close"), ">", _ind("sma20")), _cmp(_ind("sma20"), ">", _ind("sma50")))
_DOWN = _all(_cmp(_ind("close"), "<", _ind("sma20")), _cmp(_ind("sma20"), "<", _ind("sma50")))

_RSI: dict[str, tuple[Node, str]] = {
    "<30": (_cmp(_ind("rsi14"), "<", _num(30)), "RSI(14) is below 30"),
    "30-70": (
        _all(_cmp(_ind("rsi14"), ">=", _num(30)), _cmp(_ind("rsi14"), "<=", _num(70))),
        "RSI(14) is between 30 and 70",
    ),
    ">70": (_cmp(_ind("rsi14"), ">", _num(70)), "RSI(14) is above 70"),
}
_TREND: dict[str, tuple[Node, str]] = {
    "with": (_UP, "the trend is up (close above its 20-day average, which is above the 50-day)"),
    "against": (
        _DOWN,
        "the trend is down (close below its 20-day average, which is below the 50-day)",
    ),
    "neutral": (_all(_not(_UP), _not(_DOWN)), "the trend is neither up nor down"),
}
_VOLATILITY: dict[str, tuple[Node, str]] = {
    regime: (
        _cmp(_ind("vol_regime"), "==", _num(f"vol_{regime}")),
        f"volatility is {words}",
    )
    for regime, words in (
        ("calm", "calm (under 0.75 times its usual)"),
        ("normal", "normal"),
        ("spike", "spiking (over 1.5 times its usual)"),
    )
}
# calendar days held → trading days (5 of every 7), as (min_hold, max_hold)
_HOLDS: dict[str, tuple[int, int | None, str]] = {
    "0-3d": (0, 2, "up to 3 days"),
    "4-7d": (3, 5, "4 to 7 days"),
    "8-14d": (6, 10, "8 to 14 days"),
    "15-21d": (11, 15, "15 to 21 days"),
    "22-30d": (16, 21, "22 to 30 days"),
    ">30d": (22, None, "over 30 days"),
}

_SEEN_BEFORE = (
    "The journal reads it from the closes before your entry day; the strategy decides at a "
    "day's close and buys at the next open."
)
_CAVEATS = {
    "rsi_zone": _SEEN_BEFORE,
    "trend_alignment": _SEEN_BEFORE
    + " A strategy buys, so a trend 'with' you is an up trend (for your shorts it was down).",
    "volatility_regime": "The journal compares the last 20 days' daily moves with the last "
    "120 days'; the strategy compares ATR(14) with its 100-day average, with the same "
    "thresholds: a close cousin, not the same measure.",
    "holding_period": "Calendar days become trading days (5 of every 7); the strategy keeps "
    "V1 Momentum's entry and exits, inside this holding window.",
    "sector": "The strategy trades the sector's stocks in NIFTY 500 with V1 Momentum's rules.",
}
_MARKET = {"rsi_zone": _RSI, "trend_alignment": _TREND, "volatility_regime": _VOLATILITY}

WHY_NOT: dict[str, str] = {
    "position_size": "Position size is your choice, not a market condition: a backtest sizes "
    "every position the same (the position size you set on the backtest form).",
    "trade_of_day": "The order of your trades within a day is not a market condition, and a "
    "backtest trades once a day, on daily bars.",
    "day_of_week": "The strategy language has no condition on the day of the week.",
    "after_loss": "Trading after a loss is about you, not the market: a strategy does not "
    "change after its own losses.",
    "scale_in": "What made you add to a position is not in the journal; write add-on rules "
    "in the strategy editor instead.",
}


def why_not(dimension: str) -> str | None:
    """Why a dimension cannot become a rule; None when it can."""
    if dimension in _MARKET or dimension in _CAVEATS:
        return None
    if dimension in WHY_NOT:
        return WHY_NOT[dimension]
    parts = {
        "holding_x_after_loss": ("holding_period", "after_loss"),
        "size_x_day_of_week": ("position_size", "day_of_week"),
        "trend_x_volatility": ("trend_alignment", "volatility_regime"),
    }.get(dimension)
    if parts is None:
        return "This dimension has no rule in the strategy language."
    for part in parts:
        reason = why_not(part)
        if reason is not None:
            return reason
    return None


def _market(dimension: str, bucket: str) -> tuple[Node, str]:
    found = _MARKET[dimension].get(bucket)
    if found is None:
        raise Unmappable(f"{bucket!r} is not a bucket of this dimension")
    return found


def rule_for(dimension: str, bucket: str) -> Rule:
    """The rule a finding makes; `Unmappable` (with the reason) when it makes none."""
    reason = why_not(dimension)
    if reason is not None:
        raise Unmappable(reason)
    if dimension in _MARKET:
        condition, words = _market(dimension, bucket)
        return Rule(f"Buy when {words}", _CAVEATS[dimension], entry=condition)
    if dimension == "trend_x_volatility":
        trend, _, regime = bucket.partition(" × ")
        first, first_words = _market("trend_alignment", trend)
        second, second_words = _market("volatility_regime", regime)
        return Rule(
            f"Buy when {first_words} and {second_words}",
            _CAVEATS["trend_alignment"] + " " + _CAVEATS["volatility_regime"],
            entry=_all(first, second),
        )
    if dimension == "holding_period":
        hold = _HOLDS.get(bucket)
        if hold is None:
            raise Unmappable(f"{bucket!r} is not a holding period")
        low, high, words = hold
        return Rule(
            f"Hold each position {words}",
            _CAVEATS["holding_period"],
            config={"min_hold": low, "max_hold": high},
        )
    # the sector
    if bucket in ("", "Unknown"):
        raise Unmappable("These trades' sector is not known, so there is no sector to trade.")
    return Rule(f"Trade only {bucket} stocks", _CAVEATS["sector"], sector=bucket)


MAPPED_DIMENSIONS = (*_MARKET, "trend_x_volatility", "holding_period", "sector")
"""Every dimension that can become a rule (`analytics.patterns` names)."""
