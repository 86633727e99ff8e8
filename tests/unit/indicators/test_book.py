"""`IndicatorBook`: caching, shared dependencies, derived and categorical series."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from numba.core.dispatcher import Dispatcher

from tests.unit.indicators.conftest import Ohlcv, tick_walk
from tradertape.candles import Panel
from tradertape.indicators import (
    CATEGORY_LABELS,
    IndicatorBook,
    IndicatorSpec,
    UnknownIndicator,
    indicator_forms,
    kernels,
    warm_up,
)
from tradertape.indicators.categories import VOL_CALM_BELOW, VOL_SPIKE_ABOVE
from tradertape.indicators.layout import present_rows


@pytest.fixture(scope="module")
def ohlcv() -> Ohlcv:
    return tick_walk(11, 320, 4)


def _each(ohlcv: Ohlcv, function, *fields: str) -> np.ndarray:
    """A TA-Lib function applied to each instrument."""
    columns = []
    for j in range(ohlcv.close.shape[1]):
        series = ohlcv.instrument(j)
        columns.append(function(*(getattr(series, f) for f in fields)))
    return np.column_stack(columns)


def test_results_are_cached_and_read_only(ohlcv: Ohlcv):
    book = ohlcv.book()
    first = book.get("sma20")
    assert book.get("sma20") is first
    assert not first.flags.writeable
    assert first.shape == book.shape == ohlcv.close.shape
    with pytest.raises(ValueError, match="read-only"):
        first[0, 0] = 1.0


def test_dependencies_are_computed_once_and_listed(ohlcv: Ohlcv):
    book = ohlcv.book()
    distance = book.get("dist_sma20_pct")
    assert book.names() == ["sma20", "dist_sma20_pct"]
    sma = book.get("sma20")
    expected = (ohlcv.close / sma - 1.0) * 100.0
    np.testing.assert_array_equal(distance, expected)


def test_one_computation_yields_its_siblings(ohlcv: Ohlcv):
    book = ohlcv.book()
    book.get("macd_12_26_9_hist")
    assert set(book.names()) == {"macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist"}
    book.get("adx14")
    assert {"plus_di14", "minus_di14"} <= set(book.names())


def test_aliases_share_one_entry(ohlcv: Ohlcv):
    book = ohlcv.book()
    assert book.get("high52w") is book.get("high252")
    assert book.names() == ["high252"]


def test_raw_fields_are_the_inputs_read_only(ohlcv: Ohlcv):
    book = ohlcv.book()
    close = book.get("close")
    np.testing.assert_array_equal(close, ohlcv.close)
    assert np.shares_memory(close, ohlcv.close)  # Fortran-ordered input: no copy
    assert not close.flags.writeable
    assert ohlcv.close.flags.writeable  # the caller's array is untouched
    assert book.names() == []


def test_c_ordered_input_gives_the_same_values(ohlcv: Ohlcv):
    c_ordered = IndicatorBook(*(np.ascontiguousarray(a) for a in ohlcv.fields))
    np.testing.assert_array_equal(c_ordered.get("rsi14"), ohlcv.book().get("rsi14"))


def test_from_panel(ohlcv: Ohlcv):
    days = np.arange(ohlcv.close.shape[0]).astype("datetime64[D]")
    keys = tuple(f"NSE:S{j}" for j in range(ohlcv.close.shape[1]))
    panel = Panel(days, keys, (None,) * len(keys), (None,) * len(keys), *ohlcv.fields)
    book = IndicatorBook.from_panel(panel)
    np.testing.assert_array_equal(book.get("atr14"), ohlcv.book().get("atr14"))


def test_a_panels_layout_is_found_once(ohlcv: Ohlcv):
    days = np.arange(ohlcv.close.shape[0]).astype("datetime64[D]")
    keys = tuple(f"NSE:S{j}" for j in range(ohlcv.close.shape[1]))
    close = ohlcv.close.copy(order="F")
    close[:9, 1] = close[20:23, 2] = np.nan  # a late listing, a suspension
    fields = (*ohlcv.fields[:3], close, ohlcv.fields[4])
    panel = Panel(days, keys, (None,) * len(keys), (None,) * len(keys), *fields)
    first, again = IndicatorBook.from_panel(panel), IndicatorBook.from_panel(panel)
    assert again.rows is first.rows  # the panel's, not scanned again
    for mine, found in zip(first.rows, present_rows(close), strict=True):
        np.testing.assert_array_equal(mine, found)
    other = Panel(days, keys, (None,) * len(keys), (None,) * len(keys), *ohlcv.fields)
    assert IndicatorBook.from_panel(other).rows.gap_offset.tolist() == [-1] * len(keys)


def test_shapes_are_checked(ohlcv: Ohlcv):
    fields = list(ohlcv.fields)
    fields[4] = fields[4][:-1]
    with pytest.raises(ValueError, match="volume has shape"):
        IndicatorBook(*fields)
    with pytest.raises(ValueError, match=r"\(days, instruments\)"):
        IndicatorBook(*(a[:, 0] for a in ohlcv.fields))


def test_unknown_names_raise(ohlcv: Ohlcv):
    with pytest.raises(UnknownIndicator):
        ohlcv.book().get("sma0")


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(IndicatorSpec("sma", (0,)), id="zero-period"),
        pytest.param(IndicatorSpec("sma", (5, 5)), id="extra-parameter"),
        pytest.param(IndicatorSpec("bb_upper", (20,)), id="missing-parameter"),
        pytest.param(IndicatorSpec("median", (5,)), id="no-such-kind"),
    ],
)
def test_hand_built_specs_are_checked(ohlcv: Ohlcv, spec: IndicatorSpec):
    with pytest.raises(UnknownIndicator, match="not an indicator|N must be"):
        ohlcv.book().get(spec)


def test_parsed_specs_work_like_names(ohlcv: Ohlcv):
    book = ohlcv.book()
    assert book.get(IndicatorSpec("bb_upper", (20, 2))) is book.get("bb20_upper")


@pytest.mark.parametrize("shape", [(0, 3), (5, 0)], ids=["no-days", "no-instruments"])
def test_empty_panels(shape: tuple[int, int]):
    empty = np.zeros(shape)
    book = IndicatorBook(empty, empty, empty, empty, empty)
    for name in ("sma20", "macd_12_26_9", "adx14", "stoch14", "vol_regime", "trend_alignment"):
        assert book.get(name).shape == shape


def test_price_distances(ohlcv: Ohlcv):
    book = ohlcv.book()
    close = ohlcv.close
    cases = {
        "dist_ema20_pct": _each(ohlcv, lambda c: talib.EMA(c, 20), "close"),
        "dist_wma10_pct": _each(ohlcv, lambda c: talib.WMA(c, 10), "close"),
        "dist_high52w_pct": _each(ohlcv, lambda h: talib.MAX(h, 252), "high"),
        "dist_low52w_pct": _each(ohlcv, lambda lo: talib.MIN(lo, 252), "low"),
    }
    for name, level in cases.items():
        # near a tie the distance is a difference of nearly equal numbers: TA-Lib's last-bit
        # dust in the level shows up as ~1e-13 percent where ours is exactly 0
        expected = (close / level - 1) * 100
        np.testing.assert_allclose(book.get(name), expected, rtol=1e-9, atol=1e-9)
    assert np.nanmax(book.get("dist_high52w_pct")) <= 0.0
    assert np.nanmin(book.get("dist_low52w_pct")) >= 0.0


def test_bollinger_derivatives(ohlcv: Ohlcv):
    book = ohlcv.book()
    upper, middle, lower = (book.get(f"bb20_{part}") for part in ("upper", "middle", "lower"))
    np.testing.assert_allclose(
        book.get("bb20_pctb"), (ohlcv.close - lower) / (upper - lower), rtol=1e-12
    )
    np.testing.assert_allclose(book.get("bb20_width"), (upper - lower) / middle, rtol=1e-12)
    assert book.get("bb20_middle") is book.get("sma20")


def test_flat_bands_have_no_percent_b():
    flat = np.full((30, 1), 100.0)
    book = IndicatorBook(flat, flat, flat, flat, flat)
    assert np.all(book.get("bb20_width")[19:] == 0.0)
    assert np.all(np.isnan(book.get("bb20_pctb")))


def test_volume_ratio(ohlcv: Ohlcv):
    book = ohlcv.book()
    average = _each(ohlcv, lambda v: talib.SMA(v, 20), "volume")
    np.testing.assert_allclose(book.get("vol_ratio20"), ohlcv.volume / average, rtol=1e-9)
    np.testing.assert_allclose(book.get("vol_sma20"), average, rtol=1e-9)


def test_volume_ratio_is_nan_without_volume():
    prices = np.full((5, 1), 50.0)
    book = IndicatorBook(prices, prices, prices, prices, np.zeros((5, 1)))
    assert np.all(np.isnan(book.get("vol_ratio2")))


def test_trend_alignment_counts_the_orderings(ohlcv: Ohlcv):
    book = ohlcv.book()
    close = ohlcv.close
    s20, s50, s200 = (_each(ohlcv, lambda c, n=n: talib.SMA(c, n), "close") for n in (20, 50, 200))
    count = (close > s20).astype(float) + (s20 > s50) + (s50 > s200)
    expected = np.where(np.isnan(s200), np.nan, count)
    np.testing.assert_array_equal(book.get("trend_alignment"), expected)
    codes = set(np.unique(book.get("trend_alignment")[199:]))
    assert codes <= set(CATEGORY_LABELS["trend_alignment"].values())


def test_vol_regime_thresholds(ohlcv: Ohlcv):
    book = ohlcv.book()
    natr = _each(ohlcv, lambda h, lo, c: talib.NATR(h, lo, c, 14), "high", "low", "close")
    baseline = np.column_stack([talib.SMA(natr[:, j], 100) for j in range(natr.shape[1])])
    ratio = natr / baseline
    codes = CATEGORY_LABELS["vol_regime"]
    expected = np.where(
        ratio < VOL_CALM_BELOW,
        codes["vol_calm"],
        np.where(ratio > VOL_SPIKE_ABOVE, codes["vol_spike"], codes["vol_normal"]),
    ).astype(float)
    expected[np.isnan(ratio)] = np.nan
    regime = book.get("vol_regime")
    np.testing.assert_array_equal(regime, expected)
    assert np.all(np.isnan(regime[:113]))
    assert not np.any(np.isnan(regime[113:]))


def test_vol_regime_sees_a_spike():
    days = 200
    close = np.full((days, 1), 100.0)
    high, low = close + 0.5, close - 0.5
    high[-1], low[-1] = 110.0, 95.0  # one wild day after a calm year
    book = IndicatorBook(close, high, low, close, np.full((days, 1), 1e5))
    spike = CATEGORY_LABELS["vol_regime"]["vol_spike"]
    normal = CATEGORY_LABELS["vol_regime"]["vol_normal"]
    regime = book.get("vol_regime")[:, 0]
    assert regime[-2] == normal
    assert regime[-1] == spike


def _signatures() -> dict[str, int]:
    return {
        name: len(value.signatures)
        for name, value in vars(kernels).items()
        if isinstance(value, Dispatcher)
    }


def test_warm_up_compiles_what_real_panels_use():
    warm_up()
    before = _signatures()
    gappy = tick_walk(3, 300, 5).with_missing(np.random.default_rng(3).random((300, 5)) < 0.05)
    for panel in (gappy, tick_walk(4, 300, 1)):
        book = panel.book()
        for pattern, _ in indicator_forms():
            book.get(
                pattern.replace("[_<K>]", "").replace("<N>", "14").replace("<F>_<S>_<G>", "12_26_9")
            )
    assert _signatures() == before
