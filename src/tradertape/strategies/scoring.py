"""Named conviction scorers a strategy may list by name instead of spelling out.

They cover the research dimensions the product documents: the RSI band, the volatility
regime, the distance above SMA20 and the trend alignment, plus two rankings the built-ins
use. Each preset is an ordinary scoring node, so the engines only ever see nodes.
"""

from __future__ import annotations

from typing import Any

# Plain JSON so this module stays importable from the DSL's own validators.
_RSI14 = {"type": "indicator", "name": "rsi14"}

SCORER_PRESETS: dict[str, dict[str, Any]] = {
    # Momentum's sweet spot: strong but not yet overbought.
    "rsi_band": {
        "type": "bucket",
        "operand": _RSI14,
        "buckets": [
            {"max": 40, "points": 0},
            {"min": 40, "max": 50, "points": 1},
            {"min": 50, "max": 60, "points": 2},
            {"min": 60, "max": 70, "points": 3},
            {"min": 70, "points": 1},
        ],
    },
    "vol_regime": {
        "type": "category",
        "indicator": "vol_regime",
        "points": {"vol_calm": 2, "vol_normal": 1, "vol_spike": 0},
    },
    # Fresh strength scores higher than an extended move.
    "sma20_distance": {
        "type": "bucket",
        "operand": {"type": "indicator", "name": "dist_sma20_pct"},
        "buckets": [
            {"min": 0, "max": 2, "points": 3},
            {"min": 2, "max": 5, "points": 2},
            {"min": 5, "max": 10, "points": 1},
        ],
    },
    "trend_alignment": {
        "type": "category",
        "indicator": "trend_alignment",
        "points": {"fully_aligned": 3, "aligned": 2, "against": 1, "fully_against": 0},
    },
    "volume_surge": {
        "type": "bucket",
        "operand": {"type": "indicator", "name": "vol_ratio20"},
        "buckets": [{"min": 1.2, "max": 1.5, "points": 1}, {"min": 1.5, "points": 2}],
    },
    "momentum": {"type": "weighted", "operand": {"type": "indicator", "name": "roc20"}},
    "lowest_rsi": {"type": "weighted", "operand": _RSI14, "weight": -1},
    "random": {"type": "weighted", "operand": {"type": "random"}},
}
