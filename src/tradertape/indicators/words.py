"""Indicator names as traders write them, with their parameters, for what the server writes
to people: ``sma20`` is "SMA 20", ``bb20_upper`` "Bollinger upper (20, 2)", ``high20``
"20-day high". The identifier (`names`) stays what a strategy stores; the web app's mapping
(``web/src/format/indicator.ts``) says the same, both tested on one table
(``web/src/format/names.cases.json``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tradertape.indicators.names import BB_DEVIATIONS

# (words, whether they are a common noun a sentence says in lower case: "close > SMA 20")
_Said = tuple[str, bool]

_FIXED: dict[str, _Said] = {
    "open": ("Open", True),
    "high": ("High", True),
    "low": ("Low", True),
    "close": ("Close", True),
    "volume": ("Volume", True),
    "tr": ("True range", True),
    "obv": ("OBV", False),
    "vol_regime": ("Volatility regime", True),
    "trend_alignment": ("Trend alignment", True),
    "high52w": ("52-week high", True),
    "low52w": ("52-week low", True),
    "dist_high52w_pct": ("% from the 52-week high", True),
    "dist_low52w_pct": ("% from the 52-week low", True),
}

_BB_PART = {"upper": "upper", "middle": "middle", "lower": "lower", "pctb": "%B", "width": "width"}
_UPPER = ("sma", "ema", "wma", "rsi", "atr", "natr", "adx", "roc", "cci", "mfi")


def _macd(m: re.Match[str]) -> _Said:
    part = {"_signal": " signal", "_hist": " histogram"}.get(m[4] or "", "")
    return f"MACD{part} ({m[1]}, {m[2]}, {m[3]})", False


def _bb(m: re.Match[str]) -> _Said:
    # the middle band is the SMA: the width K does not change it
    params = m[1] if m[3] == "middle" else f"{m[1]}, {m[2] or BB_DEVIATIONS}"
    return f"Bollinger {_BB_PART[m[3]]} ({params})", False


_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], _Said]], ...] = (
    (re.compile(r"macd_(\d+)_(\d+)_(\d+)(_signal|_hist)?"), _macd),
    (re.compile(r"bb(\d+)(?:_(\d+))?_(upper|middle|lower|pctb|width)"), _bb),
    (re.compile(r"dist_(sma|ema|wma)(\d+)_pct"), lambda m: (f"% from {m[1].upper()} {m[2]}", True)),
    (re.compile(r"dist_(high|low)(\d+)_pct"), lambda m: (f"% from the {m[2]}-day {m[1]}", True)),
    (re.compile(r"vol_ratio(\d+)"), lambda m: (f"Volume ÷ its {m[1]}-day average", True)),
    (re.compile(r"vol_sma(\d+)"), lambda m: (f"Volume SMA {m[1]}", True)),
    (re.compile(r"high(\d+)"), lambda m: (f"{m[1]}-day high", True)),
    (re.compile(r"low(\d+)"), lambda m: (f"{m[1]}-day low", True)),
    (re.compile(r"plus_di(\d+)"), lambda m: (f"+DI {m[1]}", False)),
    (re.compile(r"minus_di(\d+)"), lambda m: (f"−DI {m[1]}", False)),
    (re.compile(r"stoch(\d+)_d"), lambda m: (f"Stochastic %D {m[1]}", False)),
    (re.compile(r"stoch(\d+)"), lambda m: (f"Stochastic %K {m[1]}", False)),
    (re.compile(r"willr(\d+)"), lambda m: (f"Williams %R {m[1]}", False)),
    (re.compile(r"stddev(\d+)"), lambda m: (f"Std dev {m[1]}", True)),
    (re.compile(rf"({'|'.join(_UPPER)})(\d+)"), lambda m: (f"{m[1].upper()} {m[2]}", False)),
)


def indicator_words(name: str, *, mid_sentence: bool = False) -> str:
    """``sma20`` → "SMA 20", ``close`` → "Close" ("close" `mid_sentence`); a name no form
    knows is de-snaked, as written."""
    said = _FIXED.get(name)
    if said is None:
        for pattern, show in _SHAPES:
            match = pattern.fullmatch(name)
            if match is not None:
                said = show(match)
                break
    if said is None:
        return name.replace("_", " ")
    text, common = said
    return text[0].lower() + text[1:] if mid_sentence and common else text
