"""The kernels run as plain Python give the same bits as compiled.

numba compiles the Python source it is given; running that source through the interpreter
checks that compilation did not change the arithmetic, and lets coverage see the kernels'
lines (compiled code is invisible to it).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

from tests.unit.indicators.conftest import SAMPLE_NAMES, Ohlcv, tick_walk
from tradertape.indicators import kernels

DAYS = 130


def _interpret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace every compiled kernel, wherever it is looked up, by its Python function."""
    for name, value in vars(kernels).copy().items():
        if isinstance(value, Dispatcher):
            monkeypatch.setattr(kernels, name, value.py_func)


@pytest.fixture(scope="module")
def mixed() -> Ohlcv:
    """Every path: a full column, one with holes, one off the grid, one listed late with a
    price too large for the exact paths' integer headroom, and one with a missing volume."""
    ohlcv = tick_walk(5, DAYS, 5)
    missing = np.zeros(ohlcv.close.shape, dtype=bool)
    missing[[20, 21, 60], 1] = True
    missing[:15, 3] = True
    ohlcv = ohlcv.with_missing(missing)
    fields = [a.copy(order="F") for a in ohlcv.fields]
    for a in fields[:4]:
        a[:, 2] *= 1.0000001
        a[70:72, 3] = 5e7
    fields[4][40, 4] = np.nan
    return Ohlcv(*fields)


def test_python_and_compiled_kernels_agree(monkeypatch: pytest.MonkeyPatch, mixed: Ohlcv):
    names = (*SAMPLE_NAMES, "cci30", "stddev30", "wma30")
    panels = (mixed, tick_walk(7, 3, 2))  # the second is shorter than every window
    compiled = [{name: panel.book().get(name) for name in names} for panel in panels]
    _interpret(monkeypatch)
    assert not isinstance(kernels.sma, Dispatcher)
    for panel, expected in zip(panels, compiled, strict=True):
        book = panel.book()
        for name in names:
            np.testing.assert_array_equal(book.get(name), expected[name], err_msg=name)
