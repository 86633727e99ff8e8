"""`warm_up`: compile every kernel before the first real request needs it.

numba compiles a kernel on its first call for each combination of argument types and keeps
the machine code in its on-disk cache; a fresh process then only loads it. Calling every
formula on tiny books (several instruments, and one, whose arrays numba types differently)
goes through exactly the signatures real panels use.
"""

from __future__ import annotations

import numpy as np

from tradertape.indicators.book import IndicatorBook
from tradertape.indicators.names import FORMS_BY_KIND, IndicatorSpec

_DAYS = 40


def _sample(instruments: int) -> IndicatorBook:
    steps = np.resize(np.array([0.05, -0.10, 0.15, 0.05, -0.05]), (_DAYS, instruments))
    close = np.round((100.0 + np.cumsum(steps, axis=0)) * 20.0) / 20.0
    if instruments > 1:
        close[:3, 1] = np.nan  # listed late: a contiguous slice
        close[10:12, -1] = np.nan  # suspended: a gathered column
    return IndicatorBook(close, close + 0.5, close - 0.5, close, np.full_like(close, 1000.0))


def _smallest(kind: str) -> IndicatorSpec:
    form = FORMS_BY_KIND[kind]
    params = [max(p.low, 2) for p in form.params]
    if kind.startswith("macd"):
        params[1] = params[0] + 1
    return IndicatorSpec(kind, tuple(params))


def warm_up(sizes: tuple[int, ...] = (3, 1)) -> None:
    """Compile (or load from numba's cache) every kernel on tiny inputs: several instruments'
    builds and one's (``sizes``: how many instruments, for which builds)."""
    for instruments in sizes:
        book = _sample(instruments)
        for kind in FORMS_BY_KIND:
            book.value(_smallest(kind))
