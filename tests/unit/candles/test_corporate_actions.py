"""Splits and bonuses: the file format, exact factors, and worked backward adjustments."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np
import pytest

from tradertape.candles.bars import Bars
from tradertape.candles.corporate_actions import (
    ActionKind,
    CorporateAction,
    adjust,
    format_corporate_actions,
    merge_actions,
    parse_corporate_actions,
)
from tradertape.domain.market import Interval
from tradertape.errors import InvalidField

SPLIT = CorporateAction("NSE:INFY", date(2024, 1, 4), ActionKind.SPLIT, (1, 5))
BONUS = CorporateAction("NSE:INFY", date(2024, 1, 8), ActionKind.BONUS, (1, 1))


def _bars(rows: list[tuple[str, float, float, float, float, int]]) -> Bars:
    days, o, h, lo, c, v = zip(*rows, strict=True)
    return Bars.from_arrays(
        Interval.DAY, time=np.array(days, dtype="datetime64[D]"), open=o, high=h, low=lo,
        close=c, volume=v,
    )  # fmt: skip


def _rows(bars: Bars) -> list[tuple[str, float, float, float, float, int]]:
    return [
        (str(t), o, h, lo, c, int(v))
        for t, o, h, lo, c, v in zip(
            bars.time.astype("datetime64[D]").tolist(),
            bars.open.tolist(),
            bars.high.tolist(),
            bars.low.tolist(),
            bars.close.tolist(),
            bars.volume.tolist(),
            strict=True,
        )
    ]


RAW = [
    ("2024-01-02", 1000.0, 1010.0, 990.0, 1005.0, 100),
    ("2024-01-03", 1005.0, 1020.5, 1001.05, 1012.35, 101),
    ("2024-01-04", 203.0, 206.0, 201.0, 205.0, 600),  # ex-date of the split
    ("2024-01-05", 205.0, 208.0, 204.0, 206.1, 700),
    ("2024-01-08", 103.0, 104.0, 102.0, 103.55, 1500),  # ex-date of the bonus
]


@pytest.mark.parametrize(
    ("action", "factor"),
    [
        pytest.param(SPLIT, Fraction(5), id="split-1:5"),
        pytest.param(BONUS, Fraction(2), id="bonus-1:1"),
        pytest.param(
            CorporateAction("NSE:X", date(2024, 1, 1), ActionKind.BONUS, (3, 2)),
            Fraction(5, 2),
            id="bonus-3:2",
        ),
        pytest.param(
            CorporateAction("NSE:X", date(2024, 1, 1), ActionKind.BONUS, (1, 2)),
            Fraction(3, 2),
            id="bonus-1:2",
        ),
        pytest.param(
            CorporateAction("NSE:X", date(2024, 1, 1), ActionKind.SPLIT, (10, 1)),
            Fraction(1, 10),
            id="consolidation-10:1",
        ),
    ],
)
def test_factors(action: CorporateAction, factor: Fraction):
    assert action.factor == factor


def test_split_1_to_5_divides_earlier_prices_and_multiplies_volumes():
    adjusted = adjust(_bars(RAW), [SPLIT])
    assert _rows(adjusted) == [
        ("2024-01-02", 200.0, 202.0, 198.0, 201.0, 500),
        ("2024-01-03", 201.0, 204.1, 200.21, 202.47, 505),
        *RAW[2:],  # from the ex-date on, untouched
    ]


def test_bonus_1_to_1_halves_earlier_prices():
    adjusted = adjust(_bars(RAW), [BONUS])
    assert _rows(adjusted) == [
        ("2024-01-02", 500.0, 505.0, 495.0, 502.5, 200),
        ("2024-01-03", 502.5, 510.25, 500.525, 506.175, 202),
        ("2024-01-04", 101.5, 103.0, 100.5, 102.5, 1200),
        ("2024-01-05", 102.5, 104.0, 102.0, 103.05, 1400),
        RAW[4],
    ]


def test_split_then_bonus_on_one_symbol_compound_once():
    # Before both: ÷10 (5 × 2); between them: ÷2; from the bonus's ex-date: as traded.
    adjusted = adjust(_bars(RAW), [BONUS, SPLIT])  # order given does not matter
    assert _rows(adjusted) == [
        ("2024-01-02", 100.0, 101.0, 99.0, 100.5, 1000),
        ("2024-01-03", 100.5, 102.05, 100.105, 101.235, 1010),
        ("2024-01-04", 101.5, 103.0, 100.5, 102.5, 1200),
        ("2024-01-05", 102.5, 104.0, 102.0, 103.05, 1400),
        RAW[4],
    ]


def test_rounding_is_half_up_at_four_places_and_whole_shares():
    odd = CorporateAction("NSE:X", date(2024, 1, 3), ActionKind.SPLIT, (1, 3))
    bars = _bars([("2024-01-02", 100.0, 100.01, 99.99, 100.0, 1001)])
    assert _rows(adjust(bars, [odd])) == [("2024-01-02", 33.3333, 33.3367, 33.33, 33.3333, 3003)]
    half = CorporateAction("NSE:X", date(2024, 1, 3), ActionKind.BONUS, (1, 1))
    bars = _bars([("2024-01-02", 0.0003, 0.0003, 0.0001, 0.0001, 3)])
    assert _rows(adjust(bars, [half])) == [("2024-01-02", 0.0002, 0.0002, 0.0001, 0.0001, 6)]


def test_actions_after_every_bar_or_none_leave_bars_alone():
    bars = _bars(RAW)
    assert adjust(bars, []) is bars
    early = CorporateAction("NSE:INFY", date(2023, 1, 1), ActionKind.SPLIT, (1, 2))
    assert adjust(bars, [early]) is bars


def test_file_format_round_trips_and_a_later_row_corrects_an_earlier_one():
    text = """# splits and bonuses
symbol,ex_date,kind,ratio
INFY,2024-01-04,split,1:5

NSE:infy,2024-01-08,Bonus,1:1
INFY,2024-01-04,split,1:2
"""
    actions = parse_corporate_actions(text)
    assert actions == [
        CorporateAction("NSE:INFY", date(2024, 1, 4), ActionKind.SPLIT, (1, 2)),
        BONUS,
    ]
    assert parse_corporate_actions(format_corporate_actions(actions)) == actions
    assert merge_actions([SPLIT], actions) == actions
    assert merge_actions(actions, [SPLIT]) == [SPLIT, BONUS]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(
            "INFY,2024-13-01,split,1:5", "ex_date: ca.csv line 3: '2024-13-01'", id="date"
        ),
        pytest.param("INFY,2024-01-04,merger,1:5", "kind: ca.csv line 3: 'merger'", id="kind"),
        pytest.param("INFY,2024-01-04,split,5", "ratio: ca.csv line 3: '5' is not", id="ratio"),
        pytest.param("INFY,2024-01-04,split,0:5", "ratio: ca.csv line 3: '0:5' has", id="zero"),
        pytest.param("XX:INFY,2024-01-04,split,1:5", "symbol: ca.csv line 3: 'XX:INFY'", id="ex"),
        pytest.param(",2024-01-04,split,1:5", "symbol: ca.csv line 3: is empty", id="empty"),
    ],
)
def test_bad_rows_name_the_line_and_column(line: str, message: str):
    text = f"symbol,ex_date,kind,ratio\n# a comment keeps line numbers\n{line}\n"
    with pytest.raises(InvalidField) as caught:
        parse_corporate_actions(text, source="ca.csv")
    assert str(caught.value).startswith(message)


def test_missing_columns():
    with pytest.raises(InvalidField, match="ratio: ca.csv: missing column"):
        parse_corporate_actions("symbol,ex_date,kind\n", source="ca.csv")
