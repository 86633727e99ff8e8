"""How each kind of indicator is computed from the book's fields and other indicators.

A formula asks its source for what it depends on by spec (``dist_sma20_pct`` asks for
``sma20``), so the book computes each series once. Formulas that naturally produce several
series at once (MACD's three, the DMI family, the stochastic pair, the Bollinger bands)
return all of them, and the book keeps them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from tradertape.indicators import categories, kernels
from tradertape.indicators.layout import FloatArray, Rows
from tradertape.indicators.names import STOCH_SMOOTHING, IndicatorSpec

Results = dict[IndicatorSpec, FloatArray]


class Source(Protocol):
    """What a formula may read: the layout, raw fields and other (cached) indicators."""

    @property
    def rows(self) -> Rows: ...

    def field(self, name: str) -> FloatArray: ...

    def value(self, spec: IndicatorSpec) -> FloatArray: ...


Formula = Callable[[Source, IndicatorSpec], Results]


def blank(like: FloatArray) -> FloatArray:
    """A NaN-filled, Fortran-ordered output shaped like ``like`` (kernels fill it)."""
    out = np.empty(like.shape, order="F")  # `np.full`'s result without its Python wrapper
    out.fill(np.nan)
    return out


def unfilled(like: FloatArray) -> FloatArray:
    """An uninitialised Fortran-ordered output shaped like ``like``, for a kernel that sets
    each column to NaN itself before writing it (`kernels.unset`)."""
    return np.empty(like.shape, order="F")


def ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator``, NaN where the denominator is 0 (and no warning)."""
    out = blank(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _percent_from(close: FloatArray, level: FloatArray) -> FloatArray:
    """How far ``close`` is from ``level``, in percent of ``level``."""
    out = ratio(close, level)
    out -= 1.0
    out *= 100.0
    return out


def _close(source: Source) -> FloatArray:
    return source.field("close")


def _hlc(source: Source) -> tuple[FloatArray, FloatArray, FloatArray]:
    return source.field("high"), source.field("low"), source.field("close")


def _window(kernel: str, field: str) -> Formula:
    """``kernels.<kernel>`` (looked up when called) of one field and one period."""

    def formula(source: Source, spec: IndicatorSpec) -> Results:
        x = source.field(field)
        out = unfilled(x)  # each of these kernels sets its columns to NaN itself
        compute: Callable[[FloatArray, int, Rows, FloatArray], None] = getattr(kernels, kernel)
        compute(x, spec.params[0], source.rows, out)
        return {spec: out}

    return formula


def _extreme(largest: bool, field: str) -> Formula:
    def formula(source: Source, spec: IndicatorSpec) -> Results:
        x = source.field(field)
        out = blank(x)
        kernels.extreme(x, spec.params[0], largest, source.rows, out)
        return {spec: out}

    return formula


def _tr(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    out = blank(close)
    kernels.trange(high, low, close, source.rows, out)
    return {spec: out}


def _atr(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    out = blank(close)
    kernels.atr(high, low, close, spec.params[0], source.rows, out)
    return {spec: out}


def _natr(source: Source, spec: IndicatorSpec) -> Results:
    atr = source.value(IndicatorSpec("atr", spec.params))
    out = ratio(atr, _close(source))
    out *= 100.0
    return {spec: out}


def _bollinger(source: Source, spec: IndicatorSpec) -> Results:
    n, k = spec.params
    middle = source.value(IndicatorSpec("sma", (n,)))
    spread = source.value(IndicatorSpec("stddev", (n,))) * k
    return {
        IndicatorSpec("bb_middle", spec.params): middle,
        IndicatorSpec("bb_upper", spec.params): middle + spread,
        IndicatorSpec("bb_lower", spec.params): middle - spread,
    }


def _bb_pctb(source: Source, spec: IndicatorSpec) -> Results:
    upper = source.value(IndicatorSpec("bb_upper", spec.params))
    lower = source.value(IndicatorSpec("bb_lower", spec.params))
    return {spec: ratio(_close(source) - lower, upper - lower)}


def _bb_width(source: Source, spec: IndicatorSpec) -> Results:
    upper = source.value(IndicatorSpec("bb_upper", spec.params))
    lower = source.value(IndicatorSpec("bb_lower", spec.params))
    middle = source.value(IndicatorSpec("bb_middle", spec.params))
    return {spec: ratio(upper - lower, middle)}


def _macd(source: Source, spec: IndicatorSpec) -> Results:
    fast, slow, signal = spec.params
    close = _close(source)
    line, trigger, hist = blank(close), blank(close), blank(close)
    kernels.macd(close, fast, slow, signal, source.rows, line, trigger, hist)
    return {
        IndicatorSpec("macd", spec.params): line,
        IndicatorSpec("macd_signal", spec.params): trigger,
        IndicatorSpec("macd_hist", spec.params): hist,
    }


def _dmi(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    plus, minus, adx = blank(close), blank(close), blank(close)
    kernels.dmi(high, low, close, spec.params[0], source.rows, plus, minus, adx)
    return {
        IndicatorSpec("plus_di", spec.params): plus,
        IndicatorSpec("minus_di", spec.params): minus,
        IndicatorSpec("adx", spec.params): adx,
    }


def _stoch(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    k, d = blank(close), blank(close)
    n = spec.params[0]
    kernels.stochastic(high, low, close, n, STOCH_SMOOTHING, STOCH_SMOOTHING, source.rows, k, d)
    return {IndicatorSpec("stoch", spec.params): k, IndicatorSpec("stoch_d", spec.params): d}


def _obv(source: Source, spec: IndicatorSpec) -> Results:
    close = _close(source)
    out = blank(close)
    kernels.obv(close, source.field("volume"), source.rows, out)
    return {spec: out}


def _cci(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    out = blank(close)
    kernels.cci(high, low, close, spec.params[0], source.rows, out)
    return {spec: out}


def _willr(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    out = blank(close)
    kernels.willr(high, low, close, spec.params[0], source.rows, out)
    return {spec: out}


def _mfi(source: Source, spec: IndicatorSpec) -> Results:
    high, low, close = _hlc(source)
    out = blank(close)
    kernels.mfi(high, low, close, source.field("volume"), spec.params[0], source.rows, out)
    return {spec: out}


def _vol_ratio(source: Source, spec: IndicatorSpec) -> Results:
    average = source.value(IndicatorSpec("vol_sma", spec.params))
    return {spec: ratio(source.field("volume"), average)}


def _distance(base: str) -> Formula:
    """``dist_<base><N>_pct``: close relative to the ``<base><N>`` series, in percent."""

    def formula(source: Source, spec: IndicatorSpec) -> Results:
        level = source.value(IndicatorSpec(base, spec.params))
        return {spec: _percent_from(_close(source), level)}

    return formula


def _vol_regime(source: Source, spec: IndicatorSpec) -> Results:
    natr = source.value(IndicatorSpec("natr", (categories.VOL_NATR_PERIOD,)))
    baseline = blank(natr)
    kernels.sma(natr, categories.VOL_BASELINE_PERIOD, source.rows, baseline)
    return {spec: categories.vol_regime(natr, baseline)}


def _trend_alignment(source: Source, spec: IndicatorSpec) -> Results:
    short, medium, long = (
        source.value(IndicatorSpec("sma", (n,))) for n in categories.TREND_PERIODS
    )
    return {spec: categories.trend_alignment(_close(source), short, medium, long)}


FORMULAS: dict[str, Formula] = {
    "sma": _window("sma", "close"),
    "ema": _window("ema", "close"),
    "wma": _window("wma", "close"),
    "rsi": _window("rsi", "close"),
    "roc": _window("roc", "close"),
    "stddev": _window("stddev", "close"),
    "vol_sma": _window("sma", "volume"),
    "highest": _extreme(True, "high"),
    "lowest": _extreme(False, "low"),
    "tr": _tr,
    "atr": _atr,
    "natr": _natr,
    "bb_upper": _bollinger,
    "bb_middle": _bollinger,
    "bb_lower": _bollinger,
    "bb_pctb": _bb_pctb,
    "bb_width": _bb_width,
    "macd": _macd,
    "macd_signal": _macd,
    "macd_hist": _macd,
    "adx": _dmi,
    "plus_di": _dmi,
    "minus_di": _dmi,
    "stoch": _stoch,
    "stoch_d": _stoch,
    "obv": _obv,
    "cci": _cci,
    "willr": _willr,
    "mfi": _mfi,
    "vol_ratio": _vol_ratio,
    "dist_sma_pct": _distance("sma"),
    "dist_ema_pct": _distance("ema"),
    "dist_wma_pct": _distance("wma"),
    "dist_high_pct": _distance("highest"),
    "dist_low_pct": _distance("lowest"),
    "vol_regime": _vol_regime,
    "trend_alignment": _trend_alignment,
}
