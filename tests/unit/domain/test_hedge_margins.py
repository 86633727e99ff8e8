"""The hedge offset (`portfolio_margin`): docs/margins.md's spread examples to the paisa,
and its invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.fno import NIFTY_CE, NIFTY_FUT, NIFTY_PE
from tradertape.domain.instruments import Instrument, InstrumentType
from tradertape.domain.margins import (
    NO_MARGIN,
    Margin,
    MarginLeg,
    MarginRates,
    RiskClass,
    margin_for,
    portfolio_margin,
)
from tradertape.domain.orders import TransactionType

RATES = MarginRates()
NIFTY_AT = Decimal(27_800)
_ZERO = Decimal(0)


def _option(kind: InstrumentType, strike: int, expiry: date | None = None) -> Instrument:
    base = NIFTY_CE if kind is InstrumentType.CE else NIFTY_PE
    return replace(
        base,
        tradingsymbol=f"NIFTY26NOV{strike}{kind.value}",
        strike=Decimal(strike),
        expiry=expiry or base.expiry,
    )


def _leg(instrument: Instrument, quantity: int, premium: str) -> MarginLeg:
    side = TransactionType.BUY if quantity > 0 else TransactionType.SELL
    price = Decimal(premium)
    margin = margin_for(
        instrument,
        "NRML",
        side,
        abs(quantity),
        price,
        rates=RATES,
        risk=RiskClass.INDEX,
        underlying_price=NIFTY_AT,
    )
    return MarginLeg(margin, instrument, quantity, price)


CE, PE = InstrumentType.CE, InstrumentType.PE


def test_a_bull_call_spread_needs_its_premium_and_the_sold_legs_exposure():
    # Bought 27750 CE at 120.50: 7,832.50. Sold 27850 CE: 65 × 27,800 = 18,07,000, SPAN
    # 2,16,840 alone, none covered (the bought strike is below), exposure 36,140.
    legs = [_leg(_option(CE, 27750), 65, "120.50"), _leg(_option(CE, 27850), -65, "72.30")]
    assert sum((leg.margin for leg in legs), NO_MARGIN).total == Decimal("260812.50")
    assert portfolio_margin(legs) == Margin(
        exposure=Decimal(36_140), option_premium=Decimal("7832.50")
    )
    assert portfolio_margin(legs).total == Decimal("43972.50")


def test_a_bear_call_credit_spread_needs_its_width_less_the_net_premium():
    # Sold 27850 CE at 72.30, bought 27950 CE at 40.10: (100 − 72.30) × 65 = 1,800.50 of
    # SPAN, + premium 2,606.50 = 4,407.00 = (100 − 32.20) × 65; + exposure 36,140.
    legs = [_leg(_option(CE, 27850), -65, "72.30"), _leg(_option(CE, 27950), 65, "40.10")]
    margin = portfolio_margin(legs)
    assert (margin.span, margin.option_premium) == (Decimal("1800.50"), Decimal("2606.50"))
    assert margin.total == Decimal("40547.00")


def test_a_bull_put_credit_spread_and_a_bear_put_debit_spread():
    # Sold 27750 PE at 95.40, bought 27650 PE at 61.20: (100 − 95.40) × 65 = 299.00.
    bull = [_leg(_option(PE, 27750), -65, "95.40"), _leg(_option(PE, 27650), 65, "61.20")]
    assert portfolio_margin(bull) == Margin(
        span=Decimal("299.00"), exposure=Decimal(36_140), option_premium=Decimal("3978.00")
    )
    # Bought 27750 PE at 95.40, sold 27650 PE at 61.20: the premium paid, 6,201.00.
    bear = [_leg(_option(PE, 27750), 65, "95.40"), _leg(_option(PE, 27650), -65, "61.20")]
    assert portfolio_margin(bear).total == Decimal("42341.00")


def test_only_the_covered_lots_are_spared():
    # Two lots sold, one bought: the uncovered lot keeps its SPAN, 65 × 27,800 × 12 % =
    # 2,16,840; both keep their exposure.
    legs = [_leg(_option(CE, 27750), 65, "120.50"), _leg(_option(CE, 27850), -130, "72.30")]
    margin = portfolio_margin(legs)
    assert margin.span == Decimal(216_840)
    assert margin.exposure == Decimal(72_280)


def test_nothing_offsets_across_types_expiries_or_a_future():
    call, put = _option(CE, 27850), _option(PE, 27850)
    later = _option(CE, 27750, date(2026, 12, 29))
    future = MarginLeg(
        margin_for(NIFTY_FUT, "NRML", TransactionType.BUY, 65, NIFTY_AT, rates=RATES)
    )
    for hedge in (_leg(put, 65, "50"), _leg(later, 65, "300"), future):
        legs = [_leg(call, -65, "72.30"), hedge]
        assert portfolio_margin(legs) == sum((leg.margin for leg in legs), NO_MARGIN)


_STRIKES = st.integers(min_value=540, max_value=570).map(lambda s: s * 50)
_PREMIUMS = st.decimals(min_value=0, max_value=600, places=2)
_LEGS = st.lists(
    st.builds(
        lambda kind, strike, lots, premium, far: _leg(
            _option(kind, strike, date(2026, 12, 29) if far else None), lots * 65, str(premium)
        ),
        st.sampled_from([CE, PE]),
        _STRIKES,
        st.integers(min_value=-3, max_value=3).filter(bool),
        _PREMIUMS,
        st.booleans(),
    ),
    max_size=6,
)


@given(_LEGS)
def test_the_hedged_margin_is_never_more_than_the_legs_alone_nor_negative(legs):
    alone = sum((leg.margin for leg in legs), NO_MARGIN)
    hedged = portfolio_margin(legs)
    assert _ZERO <= hedged.total <= alone.total
    assert _ZERO <= hedged.span <= alone.span
    assert (hedged.exposure, hedged.option_premium) == (alone.exposure, alone.option_premium)


@given(_LEGS)
def test_with_nothing_bought_or_nothing_sold_the_margin_is_the_sum(legs):
    for one_side in (
        [leg for leg in legs if leg.quantity > 0],
        [leg for leg in legs if leg.quantity < 0],
    ):
        assert portfolio_margin(one_side) == sum((leg.margin for leg in one_side), NO_MARGIN)
