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


def test_nothing_offsets_across_types_or_when_the_far_leg_is_the_sold_one():
    call, put = _option(CE, 27850), _option(PE, 27850)
    far_call = _option(CE, 27850, DECEMBER)
    untyped = MarginLeg(  # a future without its contract: nothing to match it by
        margin_for(NIFTY_FUT, "NRML", TransactionType.BUY, 65, NIFTY_AT, rates=RATES)
    )
    for legs in (
        [_leg(call, -65, "72.30"), _leg(put, 65, "50")],  # a call against a put
        [_leg(far_call, -65, "260"), _leg(call, 65, "72.30")],  # short far, long near
        [_leg(call, -65, "72.30"), untyped],
        [_leg(put, -65, "95.40"), _future(65, "27850")],  # a bought future and a sold put
        [_leg(far_call, -65, "260"), _future(65, "27850")],  # the future expires first
    ):
        assert portfolio_margin(legs) == sum((leg.margin for leg in legs), NO_MARGIN)


DECEMBER = date(2026, 12, 29)


def _future(quantity: int, price: str, expiry: date | None = None) -> MarginLeg:
    side = TransactionType.BUY if quantity > 0 else TransactionType.SELL
    future = replace(NIFTY_FUT, expiry=expiry or NIFTY_FUT.expiry)
    margin = margin_for(
        future, "NRML", side, abs(quantity), Decimal(price), rates=RATES, risk=RiskClass.INDEX
    )
    return MarginLeg(margin, future, quantity, Decimal(price))


def test_a_call_calendar_spread_keeps_a_quarter_of_the_sold_legs_span():
    """Sold 27850 CE November at 72.30, bought 27850 CE December at 260.00; NIFTY at
    27,800, one lot of 65.

    Alone: the sold lot's SPAN 12 % × 65 × 27,800 = 2,16,840 and exposure 2 % = 36,140;
    the bought lot's premium 260 × 65 = 16,900; together 2,69,880.00.
    Hedged: adverse width 27,850 − 27,850 = 0, less the premium 72.30, floors at 0; the
    calendar charge 25 % × 2,16,840 / 65 = 834.00 a unit, so SPAN 834 × 65 = 54,210.00;
    + exposure 36,140 + premium 16,900 = 1,07,250.00.
    """
    legs = [_leg(_option(CE, 27850), -65, "72.30"), _leg(_option(CE, 27850, DECEMBER), 65, "260")]
    assert sum((leg.margin for leg in legs), NO_MARGIN).total == Decimal("269880.00")
    assert portfolio_margin(legs) == Margin(
        span=Decimal("54210.00"), exposure=Decimal(36_140), option_premium=Decimal(16_900)
    )
    assert portfolio_margin(legs).total == Decimal("107250.00")


def test_a_diagonal_call_spread_keeps_its_width_less_premium_and_the_calendar_charge():
    """Sold 27850 CE November at 72.30, bought 27950 CE December at 210.00.

    Adverse width 27,950 − 27,850 = 100, less 72.30 = 27.70 a unit; + the calendar charge
    834.00 = 861.70 a unit; × 65 = 56,010.50 of SPAN; + exposure 36,140 + premium
    210 × 65 = 13,650: 1,05,800.50 (alone: 2,16,840 + 36,140 + 13,650 = 2,66,630.00).
    """
    legs = [_leg(_option(CE, 27850), -65, "72.30"), _leg(_option(CE, 27950, DECEMBER), 65, "210")]
    margin = portfolio_margin(legs)
    assert margin.span == Decimal("56010.50")
    assert margin.total == Decimal("105800.50")


def test_a_put_calendar_spread():
    """Sold 27750 PE November at 95.40, bought 27750 PE December at 280.00: width 0, so
    SPAN is the calendar charge, 834 × 65 = 54,210.00; + exposure 36,140 + premium
    280 × 65 = 18,200: 1,08,550.00."""
    legs = [_leg(_option(PE, 27750), -65, "95.40"), _leg(_option(PE, 27750, DECEMBER), 65, "280")]
    assert portfolio_margin(legs).total == Decimal("108550.00")


def test_a_same_expiry_hedge_is_used_before_a_far_one():
    """Sold two lots of 27850 CE November at 72.30; bought one 27950 CE November at 40.10
    and one 27850 CE December at 260.00. The vertical covers the first lot: (100 − 72.30)
    × 65 = 1,800.50; the calendar the second: 834 × 65 = 54,210.00; SPAN 56,010.50."""
    legs = [
        _leg(_option(CE, 27850), -130, "72.30"),
        _leg(_option(CE, 27850, DECEMBER), 65, "260"),
        _leg(_option(CE, 27950), 65, "40.10"),
    ]
    assert portfolio_margin(legs).span == Decimal("56010.50")


def test_a_call_covered_by_a_bought_future_needs_the_futures_margin_only():
    """Bought one NIFTY November future at 27,850, sold 27850 CE November at 72.30.

    The future: 65 × 27,850 = 18,10,250, SPAN 12 % = 2,17,230, exposure 2 % = 36,205.
    The call alone: SPAN 2,16,840, exposure 36,140. Legs alone: 5,06,415.00. Together the
    call loses above the strike what the future gains, so its SPAN goes: 2,17,230 +
    36,205 + 36,140 = 2,89,575.00.
    """
    legs = [_future(65, "27850"), _leg(_option(CE, 27850), -65, "72.30")]
    assert sum((leg.margin for leg in legs), NO_MARGIN).total == Decimal("506415.00")
    assert portfolio_margin(legs) == Margin(span=Decimal(217_230), exposure=Decimal(72_345))
    assert portfolio_margin(legs).total == Decimal("289575.00")


def test_a_put_covered_by_a_sold_future_and_a_far_future_covers_too():
    """Sold one NIFTY November future at 27,850 and 27750 PE November at 95.40: as the
    covered call, 2,17,230 + 36,205 + 36,140 = 2,89,575.00. A December future (expiring
    after the option) covers the same; only one lot of two sold puts is covered."""
    put = _option(PE, 27750)
    assert portfolio_margin([_future(-65, "27850"), _leg(put, -65, "95.40")]).total == Decimal(
        "289575.00"
    )
    far = portfolio_margin([_future(-65, "27850", DECEMBER), _leg(put, -130, "95.40")])
    assert far.span == Decimal(217_230) + Decimal(216_840)  # the uncovered lot's SPAN stays


_STRIKES = st.integers(min_value=540, max_value=570).map(lambda s: s * 50)
_PREMIUMS = st.decimals(min_value=0, max_value=600, places=2)
_LOTS = st.integers(min_value=-3, max_value=3).filter(bool)
_OPTION = st.builds(
    lambda kind, strike, lots, premium, far: _leg(
        _option(kind, strike, DECEMBER if far else None), lots * 65, str(premium)
    ),
    st.sampled_from([CE, PE]),
    _STRIKES,
    _LOTS,
    _PREMIUMS,
    st.booleans(),
)
_FUTURE = st.builds(
    lambda lots, price, far: _future(lots * 65, str(price), DECEMBER if far else None),
    _LOTS,
    st.integers(min_value=26_000, max_value=29_000),
    st.booleans(),
)
_OPTION_LEGS = st.lists(_OPTION, max_size=6)
_LEGS = st.lists(st.one_of(_OPTION, _FUTURE), max_size=7)  # verticals, calendars, covers


@given(_LEGS)
def test_the_hedged_margin_is_never_more_than_the_legs_alone_nor_negative(legs):
    """Whatever covers what (same-expiry and calendar spreads, futures against options,
    futures calendars), SPAN and a futures calendar's exposure are spared, never more than
    the legs alone hold, never below zero; a sold option keeps its exposure."""
    alone = sum((leg.margin for leg in legs), NO_MARGIN)
    hedged = portfolio_margin(legs)
    assert _ZERO <= hedged.total <= alone.total
    assert _ZERO <= hedged.span <= alone.span
    assert _ZERO <= hedged.exposure <= alone.exposure
    assert hedged.option_premium == alone.option_premium
    if not any(_is_future(leg) for leg in legs):
        assert hedged.exposure == alone.exposure


def _is_future(leg: MarginLeg) -> bool:
    return leg.instrument is not None and leg.instrument.instrument_type is InstrumentType.FUT


@given(_OPTION_LEGS)
def test_with_nothing_bought_or_only_one_type_sold_the_margin_is_the_sum(legs):
    # sold calls and sold puts together are a strangle (the strangle tests below)
    for one_side in (
        [leg for leg in legs if leg.quantity > 0],
        [leg for leg in legs if leg.quantity < 0 and _kind(leg) is InstrumentType.CE],
        [leg for leg in legs if leg.quantity < 0 and _kind(leg) is InstrumentType.PE],
    ):
        assert portfolio_margin(one_side) == sum((leg.margin for leg in one_side), NO_MARGIN)


def _kind(leg: MarginLeg) -> InstrumentType | None:
    return leg.instrument.instrument_type if leg.instrument is not None else None


# Short straddles and strangles (offset 5): the worse side's SPAN plus the other side's
# premium, exposure on both. NIFTY at 27,800: a sold lot alone holds SPAN 2,16,840 and
# exposure 36,140.


def test_a_short_straddle_keeps_one_sides_span_and_the_others_premium():
    # Alone 2 × (2,16,840 + 36,140) = 5,05,960. Together only one side can lose: the worse
    # SPAN (equal here) 2,16,840 plus the other side's premium, 65 × 150 = 9,750: SPAN
    # 2,26,590; exposure stays on both, 72,280. Total 2,98,870.
    call = _leg(_option(CE, 27800), -65, "180")
    put = _leg(_option(PE, 27800), -65, "150")
    margin = portfolio_margin([call, put])
    assert (margin.span, margin.exposure) == (Decimal("226590.00"), Decimal("72280.00"))
    assert margin.total == Decimal("298870.00")


def test_a_strangle_of_different_sizes_pairs_only_the_common_units():
    # 2 lots of calls and 1 lot of puts: one lot of each pairs (2,16,840 + 65 × 40 of the
    # put's premium), the second call lot stays naked (2,16,840). SPAN 4,36,280.
    call = _leg(_option(CE, 28500), -130, "60")
    put = _leg(_option(PE, 27000), -65, "40")
    assert portfolio_margin([call, put]).span == Decimal(436280)


def test_an_iron_condor_keeps_the_worse_spreads_risk_and_the_other_side_at_most_its_premium():
    # Call spread: sold 28,000 at 180, bought 28,200 at 110: the sold unit risks
    # 200 − 180 = 20 (1,300 a lot). Put spread: sold 27,600 at 160, bought 27,400 at 100:
    # 200 − 160 = 40 (2,600 a lot). As a strangle the worse side keeps its 2,600 and the
    # lesser side the lower of its own risk and its premium: min(20, 180) × 65 = 1,300.
    # SPAN 3,900: nothing is spared where the premium is above the side's own risk.
    legs = [
        _leg(_option(CE, 28000), -65, "180"),
        _leg(_option(CE, 28200), 65, "110"),
        _leg(_option(PE, 27600), -65, "160"),
        _leg(_option(PE, 27400), 65, "100"),
    ]
    assert portfolio_margin(legs).span == Decimal(3900)


def test_a_call_and_a_put_of_different_expiries_are_no_strangle():
    call = _leg(_option(CE, 27800), -65, "180")
    put = _leg(_option(PE, 27800, date(2026, 12, 29)), -65, "150")
    assert portfolio_margin([call, put]) == call.margin + put.margin


_PREMIUMS = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(3000), places=2)


@given(
    call_strike=st.integers(250, 310).map(lambda s: s * 100),
    put_strike=st.integers(250, 310).map(lambda s: s * 100),
    call_lots=st.integers(1, 4),
    put_lots=st.integers(1, 4),
    call_premium=_PREMIUMS,
    put_premium=_PREMIUMS,
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


_SHARES = st.builds(
    lambda quantity, price, intraday: MarginLeg(
        margin_for(
            replace(NIFTY_FUT, instrument_type=InstrumentType.EQ, expiry=None, strike=None),
            "MIS" if intraday else "CNC",
            TransactionType.BUY if quantity > 0 else TransactionType.SELL,
            abs(quantity),
            Decimal(price) / 100,
            rates=RATES,
        ),
        None,
        quantity,
        Decimal(price) / 100,
    ),
    st.integers(min_value=-500, max_value=500).filter(bool),
    st.integers(min_value=1, max_value=10_000_000),
    st.booleans(),
)


def _plain(legs: list[MarginLeg], today: date | None) -> Margin:
    """`portfolio_margin` as written before its fast path: the `Margin`s summed with `sum`,
    less the savings, the expiry day's figure when it is not the smaller."""
    from tradertape.domain.margins import _savings

    def offset(day: date | None) -> Margin:
        total = sum((leg.margin for leg in legs), NO_MARGIN)
        saved = _savings(legs, day)
        if not saved.span and not saved.exposure:
            return total
        span = sum((min(v, legs[i].margin.span) for i, v in saved.span.items()), _ZERO)
        exposure = sum((min(v, legs[i].margin.exposure) for i, v in saved.exposure.items()), _ZERO)
        return Margin(
            var=total.var,
            span=max(total.span - span, _ZERO),
            exposure=max(total.exposure - exposure, _ZERO),
            option_premium=total.option_premium,
        )

    ordinary = offset(None)
    if today is None:
        return ordinary
    expiry_day = offset(today)
    return expiry_day if expiry_day.total >= ordinary.total else ordinary


@given(
    st.lists(st.one_of(_SHARES, _OPTION, _FUTURE), max_size=8),
    st.sampled_from([None, NIFTY_CE.expiry, DECEMBER]),
)
def test_the_fast_sum_answers_as_the_plain_one_to_the_last_digit(legs, today):
    """Shares alone skip the offsets and sum part by part (an order's funds check sums its
    account's legs three times): the same parts, digit for digit and exponent for exponent,
    as summing `Margin`s and trying both days' offsets."""
    fast, plain = portfolio_margin(legs, today=today), _plain(legs, today)
    assert fast == plain
    assert [str(v) for v in (fast.var, fast.span, fast.exposure, fast.option_premium)] == [
        str(v) for v in (plain.var, plain.span, plain.exposure, plain.option_premium)
    ]
