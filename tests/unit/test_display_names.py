"""Instruments and indicators by the names people read, said as the web app says them: both
formatters are held to one table (web/src/format/names.cases.json)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.instrument_names import (
    derivative_terms,
    instrument_label,
    instrument_name,
)
from tradertape.domain.option_listing import Expiry, option_symbol
from tradertape.domain.option_math import OptionKind
from tradertape.indicators.names import parse_indicator
from tradertape.indicators.words import indicator_words

CASES: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "web/src/format/names.cases.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES["instruments"], ids=lambda c: c["symbol"] or "empty")
def test_an_instrument_is_named_as_the_web_app_names_it(case: dict[str, Any]):
    assert instrument_name(case["symbol"], case["exchange"]) == case["name"]
    assert instrument_label(case["symbol"], case["exchange"]) == case["label"]


@pytest.mark.parametrize("case", CASES["indicators"], ids=lambda c: c["id"])
def test_an_indicator_is_said_as_the_web_app_says_it(case: dict[str, Any]):
    assert indicator_words(case["id"]) == case["words"]
    assert indicator_words(case["id"], mid_sentence=True) == case["mid_sentence"]


def test_the_table_names_only_indicators_the_strategy_language_accepts():
    for case in CASES["indicators"]:
        if case["id"] != "my_thing":
            parse_indicator(case["id"])


@given(
    underlying=st.sampled_from(["NIFTY", "BANKNIFTY", "NIFTYNXT50", "SENSEX50", "FINNIFTY"]),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2039, 12, 31)),
    strike=st.integers(min_value=1, max_value=200_000),
    kind=st.sampled_from([OptionKind.CE, OptionKind.PE]),
    monthly=st.booleans(),
)
def test_every_symbol_the_listing_writes_reads_back_to_its_terms(
    underlying: str, day: date, strike: int, kind: OptionKind, monthly: bool
):
    symbol = option_symbol(underlying, Expiry(day, monthly=monthly), Decimal(strike), kind)
    terms = derivative_terms(symbol)
    assert terms is not None
    assert (terms.underlying, terms.year, terms.month) == (underlying, day.year, day.month)
    assert terms.day == (None if monthly else day.day)
    assert (terms.strike, terms.kind) == (str(strike), kind.value)
    month = day.strftime("%b")
    when = month if monthly else f"{day.day} {month}"
    assert instrument_name(f"NFO:{symbol}") == f"{underlying} {when} {strike} {kind.value}"


def test_a_cash_symbol_is_its_own_name_and_a_date_that_is_none_is_no_expiry():
    assert instrument_name("NSE:ABC26JANFUT") == "ABC26JANFUT"
    assert derivative_terms("NIFTY26D3228200CE") is None
    assert derivative_terms("NIFTY2622928200CE") is None  # no 29 February in 2026
    assert derivative_terms("NIFTY2822928200CE") is not None  # 2028 is a leap year
