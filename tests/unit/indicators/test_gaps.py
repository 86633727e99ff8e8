"""Days without a bar: each column is computed on its present rows, as if the gaps were not
there, and the results land back on those rows."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.indicators.conftest import SAMPLE_NAMES, Ohlcv, compacted, tick_walk
from tradertape.indicators import kernels
from tradertape.indicators.layout import present_rows

DAYS = 260


@pytest.fixture(scope="module")
def gapped() -> Ohlcv:
    """Instrument 0 trades every day, 1 lists on day 40 and is delisted 10 days before the
    end, 2 is suspended now and then (one day, three days, five days)."""
    missing = np.zeros((DAYS, 3), dtype=bool)
    missing[:40, 1] = True
    missing[-10:, 1] = True
    for start, length in ((50, 3), (100, 1), (150, 5), (200, 2)):
        missing[start : start + length, 2] = True
    return tick_walk(21, DAYS).with_missing(missing)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_column_is_its_compacted_computation(gapped: Ohlcv, name: str):
    values = gapped.book().get(name)
    for j in range(3):
        alone, rows = compacted(gapped, j)
        expected = np.full(DAYS, np.nan)
        expected[rows] = alone.book().get(name)[:, 0]
        np.testing.assert_array_equal(values[:, j], expected, err_msg=f"instrument {j}")


def test_a_suspension_does_not_poison_the_average(gapped: Ohlcv):
    sma = gapped.book().get("sma20")[:, 2]
    assert np.isnan(sma[150:155]).all()
    assert not np.isnan(sma[155:200]).any()  # the first day back already has its 20 bars


def test_contiguous_columns_are_read_in_place(gapped: Ohlcv):
    rows = present_rows(gapped.close)
    assert rows.start.tolist() == [0, 40, 0]
    assert rows.present.tolist() == [DAYS, DAYS - 50, DAYS - 11]
    assert rows.gap_offset.tolist() == [-1, -1, 0]  # only the suspended one is gathered
    assert rows.gap_rows.tolist() == np.flatnonzero(~np.isnan(gapped.close[:, 2])).tolist()


def test_an_instrument_without_bars_is_all_nan():
    empty = tick_walk(1, 30, 2).with_missing(np.repeat([[False, True]], 30, axis=0))
    book = empty.book()
    for name in ("sma5", "rsi5", "macd_3_6_2", "adx4", "stoch5", "obv", "cci5", "mfi5"):
        assert np.isnan(book.get(name)[:, 1]).all()
        assert not np.isnan(book.get(name)[:, 0]).all()
    assert np.isnan(book.get("vol_regime")).all()  # not enough days for anyone


def test_present_rows_wants_a_panel():
    with pytest.raises(ValueError, match="days, instruments"):
        present_rows(np.zeros(5))


def test_the_compiled_layout_is_present_rows():
    """The book's layout (`kernels.present_layout`) is `present_rows`, array for array."""
    rng = np.random.default_rng(7)
    for trial in range(300):
        close = rng.normal(100, 1, (int(rng.integers(0, 40)), int(rng.integers(1, 6))))
        close[rng.random(close.shape) < rng.random()] = np.nan
        if trial % 2:
            close = np.asfortranarray(close)
        for compiled, plain in zip(kernels.present_layout(close), present_rows(close), strict=True):
            assert compiled.dtype == plain.dtype
            np.testing.assert_array_equal(compiled, plain)


# The drivers `formulas` hands an unfilled output (`formulas.unfilled`): each sets its
# columns to NaN itself (`kernels.unset`). Whatever the output held before, the results are
# those of the NaN-filled output the drivers were given before.
_UNSET_DRIVERS = ("sma", "ema", "wma", "rsi", "roc", "stddev")


@pytest.mark.parametrize("driver", _UNSET_DRIVERS)
@pytest.mark.parametrize("columns", [1, 3, 6])  # (rsi: alone, then four at once and the rest)
def test_a_driver_ignores_what_its_output_held(driver: str, columns: int):
    rng = np.random.default_rng(columns)
    walk = tick_walk(columns, DAYS, columns)
    missing = rng.random((DAYS, columns)) < 0.03
    missing[: 30 * (columns - 1), columns - 1] = True  # one column lists late
    close = walk.with_missing(missing).close
    rows = present_rows(close)
    compute = getattr(kernels, driver)
    filled = np.full(close.shape, np.nan, order="F")
    compute(close, 5, rows, filled)
    garbage = np.asfortranarray(rng.normal(size=close.shape))
    compute(close, 5, rows, garbage)
    np.testing.assert_array_equal(garbage, filled)


@pytest.mark.parametrize("name", ["sma20", "sma200", "rsi14", "close"])
@pytest.mark.parametrize("scale", [pytest.param(1.0, id="ticks"), pytest.param(1.0007, id="off")])
def test_values_at_cells_are_the_grids(gapped: Ohlcv, name: str, scale: float):
    """`IndicatorBook.at` (a simple moving average of the closes not computed whole, on
    the tick grid or off it) reads the bits `get`'s grid holds, on every cell or a few."""
    scaled = Ohlcv(*(np.asfortranarray(a * scale) for a in gapped.fields))
    grid = scaled.book().get(name).T.reshape(-1)
    rng = np.random.default_rng(5)
    every = np.arange(grid.size, dtype=np.int64)
    for cells in (every, np.sort(rng.choice(every, 40, replace=False)), every[:0]):
        values = scaled.book().at(name, cells)
        np.testing.assert_array_equal(values, grid[cells])
