"""Indicator names: what parses, to what, and what a refused name is told."""

from __future__ import annotations

import re

import pytest

from tradertape.indicators import (
    CATEGORY_LABELS,
    IndicatorSpec,
    UnknownIndicator,
    indicator_forms,
    parse_indicator,
)


@pytest.mark.parametrize(
    ("name", "kind", "params"),
    [
        pytest.param("close", "close", (), id="raw"),
        pytest.param("sma20", "sma", (20,), id="sma"),
        pytest.param("ema1000", "ema", (1000,), id="longest-period"),
        pytest.param("rsi14", "rsi", (14,), id="rsi"),
        pytest.param("bb20_upper", "bb_upper", (20, 2), id="bb-default-k"),
        pytest.param("bb20_3_lower", "bb_lower", (20, 3), id="bb-explicit-k"),
        pytest.param("bb20_pctb", "bb_pctb", (20, 2), id="bb-pctb"),
        pytest.param("macd_12_26_9", "macd", (12, 26, 9), id="macd-line"),
        pytest.param("macd_12_26_9_hist", "macd_hist", (12, 26, 9), id="macd-hist"),
        pytest.param("stoch14_d", "stoch_d", (14,), id="stoch-d"),
        pytest.param("high20", "highest", (20,), id="rolling-high"),
        pytest.param("high52w", "highest", (252,), id="high52w-alias"),
        pytest.param("dist_low52w_pct", "dist_low_pct", (252,), id="dist-alias"),
        pytest.param("dist_sma200_pct", "dist_sma_pct", (200,), id="dist-sma"),
        pytest.param("trend_alignment", "trend_alignment", (), id="categorical"),
    ],
)
def test_good_names_parse(name: str, kind: str, params: tuple[int, ...]):
    assert parse_indicator(name) == IndicatorSpec(kind, params)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        pytest.param("bb20_2_upper", "bb20_upper", id="default-k-dropped"),
        pytest.param("bb20_3_upper", "bb20_3_upper", id="other-k-kept"),
        pytest.param("high52w", "high252", id="52-weeks"),
        pytest.param("dist_high52w_pct", "dist_high252_pct", id="dist-52-weeks"),
        pytest.param("macd_12_26_9_signal", "macd_12_26_9_signal", id="macd"),
        pytest.param("volume", "volume", id="raw"),
    ],
)
def test_canonical_names_parse_back(name: str, canonical: str):
    spec = parse_indicator(name)
    assert spec.name == canonical
    assert parse_indicator(spec.name) == spec


@pytest.mark.parametrize(
    ("name", "says"),
    [
        pytest.param("sma0", "N must be an integer from 1 to 1000", id="zero-period"),
        pytest.param("sma99999", "N must be an integer from 1 to 1000", id="huge-period"),
        pytest.param("sma", "sma<N>", id="no-period"),
        pytest.param("sma020", "without leading zeros", id="leading-zero"),
        pytest.param("foo", "accepted forms: open, high", id="no-such-form"),
        pytest.param("bb20_sideways", "bb<N>[_<K>]_upper", id="bad-band"),
        pytest.param("bb20_0_upper", "K must be an integer from 1 to 10", id="zero-k"),
        pytest.param("stddev1", "N must be an integer from 2", id="one-bar-deviation"),
        pytest.param("adx1", "N must be an integer from 2", id="unsmoothed-adx"),
        pytest.param("macd_26_12_9", "fast period F must be shorter", id="macd-reversed"),
        pytest.param("SMA20", "names are lower case", id="upper-case"),
        pytest.param("sma20 ", "sma<N>", id="trailing-space"),
        pytest.param("", "accepted forms", id="empty"),
    ],
)
def test_bad_names_say_what_is_accepted(name: str, says: str):
    with pytest.raises(UnknownIndicator, match=re.escape(says)):
        parse_indicator(name)


def test_unknown_indicator_is_a_value_error():
    assert issubclass(UnknownIndicator, ValueError)


def test_every_form_is_documented_once():
    forms = indicator_forms()
    patterns = [pattern for pattern, _ in forms]
    assert len(patterns) == len(set(patterns))
    assert all(description for _, description in forms)
    assert {"sma<N>", "bb<N>[_<K>]_pctb", "macd_<F>_<S>_<G>_signal", "high52w"} <= set(patterns)


def test_each_form_has_a_name_that_parses():
    examples = {
        pattern.replace("[_<K>]", "").replace("<F>", "3").replace("<S>", "5").replace("<G>", "2")
        for pattern, _ in indicator_forms()
    }
    for example in (e.replace("<N>", "14") for e in examples):
        spec = parse_indicator(example)
        assert parse_indicator(spec.name) == spec


def test_category_labels():
    assert CATEGORY_LABELS["vol_regime"] == {"vol_calm": 0, "vol_normal": 1, "vol_spike": 2}
    assert CATEGORY_LABELS["trend_alignment"] == {
        "fully_against": 0,
        "against": 1,
        "aligned": 2,
        "fully_aligned": 3,
    }
    for labels in CATEGORY_LABELS.values():
        assert sorted(labels.values()) == list(range(len(labels)))
