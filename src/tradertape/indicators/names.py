"""Indicator names: the small language a strategy uses to ask for a series.

A name is a form with integer parameters (``sma20``, ``macd_12_26_9_signal``, ``bb20_3_upper``);
`parse_indicator` turns it into an `IndicatorSpec`, or raises `UnknownIndicator` with a
message that says what would have been accepted. Every spec has one canonical name
(``high52w`` is ``high252``), which is what `IndicatorBook.names` lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_PERIOD = 1000  # longer than four years of daily bars: beyond it a name is a typo
MAX_DEVIATIONS = 10  # Bollinger width in standard deviations
BB_DEVIATIONS = 2  # TA-Lib's BBANDS default, implied when a bb name gives no K
YEAR = 252  # trading days in the "52-week" forms
STOCH_SMOOTHING = 3  # slow %K and %D are 3-bar SMAs (TA-Lib's STOCH defaults)


class UnknownIndicator(ValueError):
    """A name no form accepts, or parameters out of range; the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """A parsed indicator: its kind (``"sma"``, ``"bb_upper"``…) and integer parameters."""

    kind: str
    params: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        """The canonical name, which parses back to this spec."""
        return FORMS_BY_KIND[self.kind].render(self.params)


@dataclass(frozen=True, slots=True)
class _Param:
    letter: str
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Form:
    """One accepted shape of name, e.g. ``sma<N>``."""

    pattern: str  # as documented: "sma<N>"
    kind: str
    description: str
    regex: re.Pattern[str]
    params: tuple[_Param, ...] = ()
    template: str = ""  # canonical spelling; "{0}" etc. are the parameters
    defaults: tuple[int | None, ...] = ()  # per parameter: value implied when the name omits it
    short_template: str = ""  # canonical spelling when every parameter equals its default

    def render(self, params: tuple[int, ...]) -> str:
        """Canonical name of ``params`` (implied defaults are left out)."""
        implied = self.defaults and all(
            d is None or d == p for d, p in zip(self.defaults, params, strict=True)
        )
        return (self.short_template if implied else self.template).format(*params)


def _period(letter: str = "N", low: int = 1) -> _Param:
    return _Param(letter, low, MAX_PERIOD)


def _simple(kind: str, description: str, *, low: int = 1) -> Form:
    """``kind<N>`` with one period."""
    return Form(
        f"{kind}<N>",
        kind,
        description,
        re.compile(rf"{kind}(\d+)"),
        (_period(low=low),),
        f"{kind}{{0}}",
    )


def _rolling(field: str, kind: str, description: str) -> Form:
    """``high<N>``/``low<N>``: named for the field, kind distinct from the raw field's."""
    return Form(
        f"{field}<N>",
        kind,
        description,
        re.compile(rf"{field}(\d+)"),
        (_period(),),
        f"{field}{{0}}",
    )


def _fixed(name: str, description: str) -> Form:
    return Form(name, name, description, re.compile(re.escape(name)), (), name)


def _bb(part: str, description: str) -> Form:
    return Form(
        f"bb<N>[_<K>]_{part}",
        f"bb_{part}",
        description,
        re.compile(rf"bb(\d+)(?:_(\d+))?_{part}"),
        (_period(low=2), _Param("K", 1, MAX_DEVIATIONS)),
        f"bb{{0}}_{{1}}_{part}",
        defaults=(None, BB_DEVIATIONS),
        short_template=f"bb{{0}}_{part}",
    )


def _dist(base: str, description: str) -> Form:
    return Form(
        f"dist_{base}<N>_pct",
        f"dist_{base}_pct",
        description,
        re.compile(rf"dist_{base}(\d+)_pct"),
        (_period(),),
        f"dist_{base}{{0}}_pct",
    )


def _macd(suffix: str, description: str) -> Form:
    return Form(
        f"macd_<F>_<S>_<G>{suffix}",
        "macd" + suffix,
        description,
        re.compile(rf"macd_(\d+)_(\d+)_(\d+){suffix}"),
        (_period("F"), _period("S", low=2), _period("G")),
        "macd_{0}_{1}_{2}" + suffix,
    )


def _di(kind: str, description: str) -> Form:
    return _simple(kind, description, low=2)


FORMS: tuple[Form, ...] = (
    _fixed("open", "opening price"),
    _fixed("high", "high price"),
    _fixed("low", "low price"),
    _fixed("close", "closing price"),
    _fixed("volume", "traded volume"),
    _simple("sma", "simple moving average of close over N bars"),
    _simple("ema", "exponential moving average of close (k = 2/(N+1), seeded with the SMA)"),
    _simple("wma", "linearly weighted moving average of close over N bars"),
    _simple("rsi", "Wilder's relative strength index of close, 0..100"),
    _fixed("tr", "true range: high-low stretched to the previous close"),
    _simple("atr", "Wilder's average true range over N bars, in rupees"),
    _simple("natr", "ATR over N bars as a percentage of close"),
    _bb("upper", "upper Bollinger band: SMA(N) + K (default 2) population std devs of close"),
    _bb("middle", "middle Bollinger band: SMA of close over N bars"),
    _bb("lower", "lower Bollinger band: SMA(N) - K (default 2) population std devs of close"),
    _bb("pctb", "%B: (close - lower) / (upper - lower); NaN when the bands touch"),
    _bb("width", "band width: (upper - lower) / middle"),
    _macd("", "MACD line: EMA(F) - EMA(S) of close (TA-Lib MACD, F < S)"),
    _macd("_signal", "MACD signal: EMA(G) of the MACD line"),
    _macd("_hist", "MACD histogram: line - signal"),
    _di("adx", "Wilder's average directional index over N bars, 0..100 (N >= 2)"),
    _di("plus_di", "+DI: smoothed upward directional movement / true range, 0..100 (N >= 2)"),
    _di("minus_di", "-DI: smoothed downward directional movement / true range, 0..100 (N >= 2)"),
    _simple("stoch", "slow stochastic %K: 3-bar SMA of fast %K over N bars, 0..100"),
    Form(
        "stoch<N>_d",
        "stoch_d",
        "slow stochastic %D: 3-bar SMA of slow %K",
        re.compile(r"stoch(\d+)_d"),
        (_period(),),
        "stoch{0}_d",
    ),
    _fixed("obv", "on-balance volume"),
    _simple("roc", "rate of change: percentage change of close over N bars"),
    _simple("stddev", "population standard deviation of close over N bars", low=2),
    _simple("cci", "commodity channel index of the typical price over N bars", low=2),
    _simple("willr", "Williams %R over N bars, -100..0"),
    _simple("mfi", "money flow index over N bars, 0..100"),
    _simple("vol_sma", "simple moving average of volume over N bars"),
    _simple("vol_ratio", "volume / its N-bar SMA"),
    _rolling("high", "highest", "highest high over the last N bars, today included"),
    _rolling("low", "lowest", "lowest low over the last N bars, today included"),
    Form("high52w", "highest", "highest high over 252 bars (= high252)", re.compile("high52w")),
    Form("low52w", "lowest", "lowest low over 252 bars (= low252)", re.compile("low52w")),
    _dist("sma", "(close / sma<N> - 1) * 100"),
    _dist("ema", "(close / ema<N> - 1) * 100"),
    _dist("wma", "(close / wma<N> - 1) * 100"),
    _dist("high", "(close / high<N> - 1) * 100: how far below the N-bar high, <= 0"),
    _dist("low", "(close / low<N> - 1) * 100: how far above the N-bar low, >= 0"),
    Form(
        "dist_high52w_pct",
        "dist_high_pct",
        "(close / high52w - 1) * 100 (= dist_high252_pct)",
        re.compile("dist_high52w_pct"),
    ),
    Form(
        "dist_low52w_pct",
        "dist_low_pct",
        "(close / low52w - 1) * 100 (= dist_low252_pct)",
        re.compile("dist_low52w_pct"),
    ),
    _fixed("vol_regime", "categorical: vol_calm, vol_normal or vol_spike (natr14 vs its mean)"),
    _fixed(
        "trend_alignment",
        "categorical: fully_against..fully_aligned, how many of close>sma20, sma20>sma50,"
        " sma50>sma200 hold",
    ),
)

# The forms whose parameters are fixed by the name map to the parametric kind they alias.
_ALIASES: dict[str, IndicatorSpec] = {
    "high52w": IndicatorSpec("highest", (YEAR,)),
    "low52w": IndicatorSpec("lowest", (YEAR,)),
    "dist_high52w_pct": IndicatorSpec("dist_high_pct", (YEAR,)),
    "dist_low52w_pct": IndicatorSpec("dist_low_pct", (YEAR,)),
}

FORMS_BY_KIND: dict[str, Form] = {form.kind: form for form in FORMS if form.pattern not in _ALIASES}


def indicator_forms() -> list[tuple[str, str]]:
    """Every accepted form as ``(pattern, description)``, for docs and JSON Schema."""
    return [(form.pattern, form.description) for form in FORMS]


@lru_cache(maxsize=4096)  # specs are immutable; a refused name is not cached (it raises)
def parse_indicator(name: str) -> IndicatorSpec:
    """The spec a name stands for; `UnknownIndicator` says why a name is refused."""
    if name in _ALIASES:
        return _ALIASES[name]
    for form in FORMS:
        match = form.regex.fullmatch(name)
        if match is not None:
            return IndicatorSpec(form.kind, _params(name, form, match.groups()))
    raise UnknownIndicator(_unknown_message(name))


def check_spec(spec: IndicatorSpec) -> IndicatorSpec:
    """``spec`` itself if a name parses to it; `UnknownIndicator` otherwise (a spec built by
    hand can skip the parser, and a period of 0 must not reach a kernel)."""
    form = FORMS_BY_KIND.get(spec.kind)
    if form is None or len(spec.params) != len(form.params):
        raise UnknownIndicator(f"not an indicator: {spec!r}")
    if parse_indicator(spec.name) != spec:
        raise UnknownIndicator(f"not an indicator: {spec!r} (it would be {spec.name!r})")
    return spec


def _params(name: str, form: Form, groups: tuple[str | None, ...]) -> tuple[int, ...]:
    values: list[int] = []
    for i, (param, text) in enumerate(zip(form.params, groups, strict=True)):
        if text is None:  # an optional group: the form gives its default
            values.append(_default(form, i))
            continue
        if text != str(int(text)):
            raise UnknownIndicator(f"{name!r}: write {param.letter} without leading zeros")
        value = int(text)
        if not param.low <= value <= param.high:
            raise UnknownIndicator(
                f"{name!r}: {param.letter} must be an integer from {param.low} to {param.high}"
                f" in {form.pattern}"
            )
        values.append(value)
    if form.kind.startswith("macd") and values[0] >= values[1]:
        raise UnknownIndicator(f"{name!r}: the fast period F must be shorter than the slow S")
    return tuple(values)


def _default(form: Form, i: int) -> int:
    default = form.defaults[i] if i < len(form.defaults) else None
    if default is None:
        raise UnknownIndicator(f"{form.pattern}: parameter {form.params[i].letter} is required")
    return default


def _unknown_message(name: str) -> str:
    if name != name.lower():
        return f"unknown indicator {name!r}; names are lower case, e.g. {name.lower()!r}"
    stem = re.match(r"[a-z_]*", name)
    prefix = stem.group(0).rstrip("_") if stem else ""
    similar = [f.pattern for f in FORMS if prefix and f.pattern.startswith(prefix)]
    if similar:
        return f"unknown indicator {name!r}; forms like it: {', '.join(similar)}"
    every = ", ".join(f.pattern for f in FORMS)
    return f"unknown indicator {name!r}; accepted forms: {every}"
