"""Short straddles and strangles (`portfolio_margin`, offset 5): the worse side's SPAN plus
the other side's premium, exposure on both (docs/margins.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.fno import NIFTY_CE, NIFTY_PE
from tradertape.domain.instruments import Instrument, InstrumentType
from tradertape.domain.margins import (
    MarginLeg,
    MarginRates,
    RiskClass,
    margin_for,
    portfolio_margin,
)
from tradertape.domain.orders import TransactionType

RATES = MarginRates()
NIFTY_AT = Decimal(25_900)
CE, PE = InstrumentType.CE, InstrumentType.PE


def _option(kind: InstrumentType, strike: int, expiry: date | None = None) -> Instrument:
    base = NIFTY_CE if kind is CE else NIFTY_PE
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
    return MarginLeg(margin, instrument, quantity, price, RiskClass.INDEX)


def test_a_short_straddle_keeps_one_sides_span_and_the_others_premium():
    # Each sold leg alone: 65 × 25,900 = 16,83,500 at SPAN 12 % (2,02,020) and exposure 2 %
    # (33,670): 4,71,380 for the two. Together only one side can lose: the worse SPAN
    # (equal here) 2,02,020 plus the other side's premium, 65 × 150 = 9,750: SPAN 2,11,770;
    # exposure stays on both, 67,340. Total 2,79,110.
    call = _leg(_option(CE, 26000), -65, "180")
    put = _leg(_option(PE, 26000), -65, "150")
    margin = portfolio_margin([call, put])
    assert (margin.span, margin.exposure) == (Decimal("211770.00"), Decimal("67340.00"))
    assert margin.total == Decimal("279110.00")


def test_a_strangle_of_different_sizes_pairs_only_the_common_units():
    # 2 lots of calls and 1 lot of puts: one lot of each pairs (2,02,020 + 65 × 40 of the
    # put's premium), the second call lot stays naked (2,02,020). SPAN 4,06,640.
    call = _leg(_option(CE, 26500), -130, "60")
    put = _leg(_option(PE, 25300), -65, "40")
    margin = portfolio_margin([call, put])
    assert margin.span == Decimal(202020) + Decimal(2600) + Decimal(202020)


def test_an_iron_condor_keeps_the_worse_spreads_risk_and_the_other_premium():
    # Call spread: sold 26,000 at 180, bought 26,200 at 110: the sold unit risks
    # 200 − 180 = 20 (1,300 a lot). Put spread: sold 25,800 at 160, bought 25,600 at 100:
    # 200 − 160 = 40 (2,600 a lot). As a strangle the worse side keeps its 2,600 and the
    # lesser side the lower of its own risk and its premium: min(20, 180) × 65 = 1,300.
    # SPAN 3,900: nothing is spared where the premium is above the side's own risk.
    legs = [
        _leg(_option(CE, 26000), -65, "180"),
        _leg(_option(CE, 26200), 65, "110"),
        _leg(_option(PE, 25800), -65, "160"),
        _leg(_option(PE, 25600), 65, "100"),
    ]
    margin = portfolio_margin(legs)
    assert margin.span == Decimal(3900)


def test_different_expiries_are_no_strangle():
    call = _leg(_option(CE, 26000), -65, "180")
    put = _leg(_option(PE, 26000, date(2026, 12, 29)), -65, "150")
    alone = call.margin + put.margin
    assert portfolio_margin([call, put]) == alone


PREMIUMS = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(3000), places=2)


@given(
    call_strike=st.integers(230, 290).map(lambda s: s * 100),
    put_strike=st.integers(230, 290).map(lambda s: s * 100),
    call_lots=st.integers(1, 4),
    put_lots=st.integers(1, 4),
    call_premium=PREMIUMS,
    put_premium=PREMIUMS,
)
def test_a_strangle_never_needs_more_than_its_legs_nor_less_than_its_worse_side(
    call_strike, put_strike, call_lots, put_lots, call_premium, put_premium
):
    call = _leg(_option(CE, call_strike), -65 * call_lots, str(call_premium))
    put = _leg(_option(PE, put_strike), -65 * put_lots, str(put_premium))
    margin = portfolio_margin([call, put])
    assert margin.total <= call.margin.total + put.margin.total
    assert margin.total >= max(call.margin.total, put.margin.total)
    assert margin.exposure == call.margin.exposure + put.margin.exposure
