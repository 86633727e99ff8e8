"""The built-in models V0–V4, written in the DSL like any user strategy.

They are read-only templates: baselines to compare against and starting points to fork.
Each runs through the same interpreter, backtester and scanner as a user's strategy.

* **V0 Dart Monkey** — the null hypothesis: each stock has a 5 % chance of a buy signal each
  day (seeded, so runs repeat). Exits as V1 but without a minimum hold: RSI(14) > 70, or
  close < SMA(20) once held 3 bars. A strategy that cannot beat V0 over five years has no edge.
* **V1 Momentum** — close > SMA(20) and RSI(14) ≤ 70; exits RSI(14) > 70, or close < SMA(20)
  after 2 bars; 10-day minimum hold; ranked by RSI band, volatility regime, distance above
  SMA(20) and trend alignment.
* **V2 Breakout** — a close above the prior 20-day high on 1.5× average volume, above SMA(50);
  exits on a close below the prior 10-day low (a Donchian exit) or a 2×ATR stop.
* **V3 Dip Buyer** — RSI(14) < 30 in an uptrend (close > SMA(200)); takes +8 %, gives up after
  20 bars, a 2.5×ATR stop; adds once more on a further −4 % with RSI(14) < 25. Ranked by the
  lowest RSI.
* **V4 Trend Rider** — our definition of "alpha extraction": enters fully aligned trends
  (close > SMA20 > SMA50 > SMA200) when MACD(12,26,9) crosses above its signal with ADX(14) >
  20; rides with a 10 % trailing stop from the highest close, exits on a close below SMA(50)
  or a 3×ATR stop; 5-day minimum hold. Ranked by 20-day momentum and trend alignment.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tradertape.strategies.dsl import BaseModelId, StrategyDocument


def _ind(name: str, lag: int = 0) -> dict[str, Any]:
    return {"type": "indicator", "name": name, "lag": lag}


def _num(value: float) -> dict[str, Any]:
    return {"type": "literal", "value": value}


def _label(value: str) -> dict[str, Any]:
    return {"type": "literal", "value": value}


def _pos(field: str) -> dict[str, Any]:
    return {"type": "position", "field": field}


def _cmp(left: dict[str, Any], op: str, right: dict[str, Any]) -> dict[str, Any]:
    return {"type": "compare", "left": left, "op": op, "right": right}


def _all(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"type": "and", "conditions": list(conditions)}


def _exit(name: str, priority: int, condition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "priority": priority, "condition": condition, **extra}


_RSI_OVERBOUGHT = _cmp(_ind("rsi14"), ">", _num(70))


def _below_sma20_after(bars: int) -> dict[str, Any]:
    return _all(
        _cmp(_ind("close"), "<", _ind("sma20")), _cmp(_pos("total_bars_held"), ">", _num(bars))
    )


_DOCUMENTS: dict[BaseModelId, dict[str, Any]] = {
    BaseModelId.V0: {
        "name": "V0 Dart Monkey",
        "description": "Random entries (5 % per stock per day): the null hypothesis.",
        "entry_rules": _cmp({"type": "random"}, "<", _num(0.05)),
        "exit_rules": [
            _exit("rsi_overbought", 0, _RSI_OVERBOUGHT),
            _exit("sma20_cross", 1, _below_sma20_after(2)),
        ],
        "conviction_scoring": ["random"],
        "config": {"min_hold": 0},
    },
    BaseModelId.V1: {
        "name": "V1 Momentum",
        "description": "Close above SMA(20) with RSI(14) not overbought; the original model.",
        "entry_rules": _all(
            _cmp(_ind("close"), ">", _ind("sma20")), _cmp(_ind("rsi14"), "<=", _num(70))
        ),
        "exit_rules": [
            _exit("rsi_overbought", 0, _RSI_OVERBOUGHT),
            _exit("sma20_cross", 1, _below_sma20_after(2)),
        ],
        "conviction_scoring": ["rsi_band", "vol_regime", "sma20_distance", "trend_alignment"],
        "config": {"min_hold": 10, "max_hold": None, "atr_stop_mult": 0, "exit_buffer_pct": 0},
    },
    BaseModelId.V2: {
        "name": "V2 Breakout",
        "description": "20-day closing breakout on volume above SMA(50); Donchian exit.",
        "entry_rules": _all(
            _cmp(_ind("close"), ">", _ind("high20", lag=1)),
            _cmp(_ind("vol_ratio20"), ">=", _num(1.5)),
            _cmp(_ind("close"), ">", _ind("sma50")),
        ),
        "exit_rules": [_exit("donchian_exit", 0, _cmp(_ind("close"), "<", _ind("low10", lag=1)))],
        "conviction_scoring": ["volume_surge", "trend_alignment"],
        "config": {"min_hold": 0, "atr_stop_mult": 2},
    },
    BaseModelId.V3: {
        "name": "V3 Dip Buyer",
        "description": "Oversold pullbacks in an uptrend, with one averaging-down add-on.",
        "entry_rules": _all(
            _cmp(_ind("rsi14"), "<", _num(30)), _cmp(_ind("close"), ">", _ind("sma200"))
        ),
        "exit_rules": [
            _exit(
                "take_profit", 0, _cmp(_pos("unrealized_pct"), ">=", _num(8)), ignore_min_hold=True
            ),
            _exit("rsi_recovered", 1, _cmp(_ind("rsi14"), ">", _num(60))),
        ],
        "addon_rules": {
            "enabled": True,
            "condition": _all(
                _cmp(_pos("unrealized_pct"), "<=", _num(-4)), _cmp(_ind("rsi14"), "<", _num(25))
            ),
            "max_addons": 1,
            "size_pct": 100,
            "min_bars_between": 3,
        },
        "conviction_scoring": ["lowest_rsi"],
        "config": {"min_hold": 2, "max_hold": 20, "atr_stop_mult": 2.5},
    },
    BaseModelId.V4: {
        "name": "V4 Trend Rider",
        "description": "MACD re-entries into fully aligned trends, ridden with a trailing stop.",
        "entry_rules": _all(
            _cmp(_ind("trend_alignment"), "==", _label("fully_aligned")),
            {
                "type": "crosses_above",
                "left": _ind("macd_12_26_9"),
                "right": _ind("macd_12_26_9_signal"),
            },
            _cmp(_ind("adx14"), ">", _num(20)),
        ),
        "exit_rules": [
            _exit(
                "trailing_stop",
                0,
                _cmp(
                    _ind("close"),
                    "<",
                    {"type": "mul", "left": _pos("highest_close"), "right": _num(0.9)},
                ),
            ),
            _exit("trend_break", 1, _cmp(_ind("close"), "<", _ind("sma50"))),
        ],
        "conviction_scoring": ["momentum", "trend_alignment"],
        "config": {"min_hold": 5, "atr_stop_mult": 3},
    },
}


@cache
def builtin(model: BaseModelId) -> StrategyDocument:
    """One built-in model's document (validated once, then shared: documents are frozen)."""
    return StrategyDocument.model_validate({**_DOCUMENTS[model], "base_model": model.value})


def builtin_models() -> tuple[BaseModelId, ...]:
    """Every built-in, V0 first."""
    return tuple(_DOCUMENTS)
