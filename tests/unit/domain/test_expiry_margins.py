"""Futures calendar spreads and the expiry day's rules (`portfolio_margin`, `margin_for`):
docs/margins.md's examples to the paisa, the rules' dates, and the invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.fno import NIFTY_CE, NIFTY_FUT, NIFTY_PE, RELIANCE_FUT
from tradertape.domain.instruments import Instrument, InstrumentType
from tradertape.domain.margins import (
    NO_MARGIN,
    Margin,
    MarginLeg,
    MarginRates,
    RiskClass,
    futures_calendar_rate,
    margin_for,
    portfolio_margin,
)
from tradertape.domain.orders import TransactionType

RATES = MarginRates(
    scenarios=False
)  # the expiry rules on the flat table (SPAN scenarios: test_span_scenarios.py)
NIFTY_AT = Decimal(27_800)
NOV, DEC, JAN = date(2026, 11, 24), date(2026, 12, 29), date(2027, 1, 26)  # last Tuesdays
BEFORE = date(2026, 11, 23)  # the day before November's expiry
CE, PE = InstrumentType.CE, InstrumentType.PE
_ZERO = Decimal(0)


def _leg(
    instrument: Instrument,
    quantity: int,
    price: str,
    *,
    risk: RiskClass = RiskClass.INDEX,
    today: date | None = None,
) -> MarginLeg:
    side = TransactionType.BUY if quantity > 0 else TransactionType.SELL
    margin = margin_for(
        instrument,
        "NRML",
        side,
        abs(quantity),
        Decimal(price),
        rates=RATES,
        risk=risk,
        underlying_price=NIFTY_AT if instrument.option_type is not None else None,
        today=today,
    )
    return MarginLeg(margin, instrument, quantity, Decimal(price), risk)


def _future(expiry: date, base: Instrument = NIFTY_FUT) -> Instrument:
    return replace(base, expiry=expiry)


def _option(kind: InstrumentType, strike: int, expiry: date = NOV) -> Instrument:
    base = NIFTY_CE if kind is CE else NIFTY_PE
    return replace(base, strike=Decimal(strike), expiry=expiry)


def _alone(legs: list[MarginLeg]) -> Margin:
    return sum((leg.margin for leg in legs), NO_MARGIN)


def test_a_nifty_futures_calendar_keeps_one_percent_of_the_far_leg_and_a_third_of_its_exposure():
    """Sold one NIFTY November future at 27,850, bought one December at 27,900 (65 a lot).

    Alone: November 65 × 27,850 = 18,10,250: SPAN 12 % = 2,17,230, exposure 2 % = 36,205;
    December 65 × 27,900 = 18,13,500: SPAN 2,17,620, exposure 36,270; 5,07,325.00.
    Together: one month apart, 0.5 % floored at 1 % of 18,13,500 = 18,135.00 of SPAN;
    exposure on a third of the far leg, 36,270 / 3 = 12,090.00; 30,225.00.
    """
    legs = [_leg(_future(NOV), -65, "27850"), _leg(_future(DEC), 65, "27900")]
    assert _alone(legs).total == Decimal("507325.00")
    assert portfolio_margin(legs) == Margin(span=Decimal(18_135), exposure=Decimal(12_090))
    assert portfolio_margin(legs).total == Decimal("30225.00")
    # bought near, sold far: the same spread, the same figure
    reverse = [_leg(_future(NOV), 65, "27850"), _leg(_future(DEC), -65, "27900")]
    assert portfolio_margin(reverse).total == Decimal("30225.00")


def test_a_third_of_the_exposure_is_kept_to_the_paisa_rounded_up():
    """Sold November at 27,850, bought December at 27,850: SPAN 1 % of 18,10,250 =
    18,102.50; exposure 36,205 / 3 = 12,068.333… kept as 12,068.34; 30,170.84."""
    legs = [_leg(_future(NOV), -65, "27850"), _leg(_future(DEC), 65, "27850")]
    assert portfolio_margin(legs) == Margin(span=Decimal("18102.50"), exposure=Decimal("12068.34"))


def test_a_stock_futures_calendar_two_months_apart():
    """Bought one RELIANCE November future at 1,400, sold one January at 1,416 (500 a lot),
    a NIFTY 50 stock: SPAN 15 %, exposure 3.5 %.

    Alone: 7,00,000 × 18.5 % = 1,29,500; 7,08,000 × 18.5 % = 1,30,980; 2,60,480.00.
    Together: two months, 0.5 % × 2 = 1 % of 7,08,000 = 7,080.00; exposure 3.5 % ×
    7,08,000 = 24,780 / 3 = 8,260.00; 15,340.00.
    """
    low = RiskClass.STOCK_LOW
    legs = [
        _leg(_future(NOV, RELIANCE_FUT), 500, "1400", risk=low),
        _leg(_future(JAN, RELIANCE_FUT), -500, "1416", risk=low),
    ]
    assert _alone(legs).total == Decimal("260480.00")
    assert portfolio_margin(legs) == Margin(span=Decimal(7_080), exposure=Decimal(8_260))


def test_the_calendar_rate_is_half_a_percent_a_month_within_one_and_three():
    assert futures_calendar_rate(NOV, DEC) == Decimal("0.01")  # 0.5 %, the floor
    assert futures_calendar_rate(NOV, JAN) == Decimal("0.01")
    assert futures_calendar_rate(NOV, date(2027, 2, 23)) == Decimal("0.015")
    assert futures_calendar_rate(NOV, date(2027, 8, 31)) == Decimal("0.03")  # 4.5 %, the cap


def test_only_the_paired_lots_are_a_spread():
    """Two lots sold in November, one bought in December: one lot is a spread (30,225.00),
    the other an outright November future (2,17,230 + 36,205 = 2,53,435.00); 2,83,660.00."""
    legs = [_leg(_future(NOV), -130, "27850"), _leg(_future(DEC), 65, "27900")]
    assert portfolio_margin(legs).total == Decimal("283660.00")
    # the same expiry bought and sold is no calendar
    same = [_leg(_future(NOV), -65, "27850"), _leg(_future(NOV), 65, "27850")]
    assert portfolio_margin(same) == _alone(same)


def test_on_the_near_legs_expiry_day_a_futures_calendar_is_two_futures():
    """On 24 November (November's expiry) the November/December spread gets no calendar
    benefit: 5,07,325.00; the day before, 30,225.00. A December/January spread keeps its
    benefit on 24 November: neither leg expires that day. Futures owe no expiry-day ELM."""
    legs = [
        _leg(_future(NOV), -65, "27850", today=NOV),
        _leg(_future(DEC), 65, "27900", today=NOV),
    ]
    assert portfolio_margin(legs, today=NOV).total == Decimal("507325.00")
    assert portfolio_margin(legs, today=BEFORE).total == Decimal("30225.00")
    far = [_leg(_future(DEC), -65, "27900"), _leg(_future(JAN), 65, "27900")]
    # 1 % of 18,13,500 = 18,135 + 36,270 / 3 = 12,090
    assert portfolio_margin(far, today=NOV).total == Decimal("30225.00")


def test_a_short_index_option_owes_two_percent_more_exposure_on_its_expiry_day():
    """Sold one NIFTY 27850 CE November, NIFTY at 27,800: 65 × 27,800 = 18,07,000; SPAN
    2,16,840 and exposure 36,140, and on 24 November 2 % more, 36,140: 2,89,120.00 (the
    day before 2,52,980.00). A bought option, a December option and a stock option owe none
    that day."""
    call = _option(CE, 27850)
    sold_today = _leg(call, -65, "72.30", today=NOV)
    assert sold_today.margin == Margin(span=Decimal(216_840), exposure=Decimal(72_280))
    assert sold_today.margin.total == Decimal("289120.00")
    assert _leg(call, -65, "72.30", today=BEFORE).margin.total == Decimal("252980.00")
    assert _leg(call, 65, "72.30", today=NOV).margin == Margin(option_premium=Decimal("4699.50"))
    december = _option(CE, 27850, DEC)
    assert _leg(december, -65, "260", today=NOV).margin.exposure == Decimal(36_140)
    stock_call = replace(call, underlying="RELIANCE", name="RELIANCE")
    stock = _leg(stock_call, -65, "72.30", risk=RiskClass.STOCK_LOW, today=NOV)
    assert (
        stock.margin.exposure
        == _leg(stock_call, -65, "72.30", risk=RiskClass.STOCK_LOW).margin.exposure
    )


def test_the_extra_exposure_starts_on_20_november_2024():
    """NSE Clearing levies it from 20 November 2024: an option expiring the day before owes
    none that day."""
    call = replace(_option(CE, 27850), expiry=date(2024, 11, 19))
    assert _leg(call, -65, "72.30", today=date(2024, 11, 19)).margin.exposure == Decimal(36_140)
    call = replace(call, expiry=date(2024, 11, 21))
    assert _leg(call, -65, "72.30", today=date(2024, 11, 21)).margin.exposure == Decimal(72_280)


def test_on_its_expiry_day_an_option_calendar_loses_its_hedge_and_a_vertical_keeps_it():
    """24 November. Sold 27850 CE November at 72.30, bought 27850 CE December at 260.00:
    no calendar benefit, SPAN 2,16,840 + exposure 36,140 + the day's 36,140 + premium
    16,900 = 3,06,020.00 (1,07,250.00 the day before).

    A bull call spread of November calls keeps its hedge: premium 120.50 × 65 = 7,832.50
    + exposure 36,140 + the day's 36,140 = 80,112.50.
    """
    calendar = [
        _leg(_option(CE, 27850), -65, "72.30", today=NOV),
        _leg(_option(CE, 27850, DEC), 65, "260", today=NOV),
    ]
    assert portfolio_margin(calendar, today=NOV).total == Decimal("306020.00")
    before = [
        _leg(_option(CE, 27850), -65, "72.30", today=BEFORE),
        _leg(_option(CE, 27850, DEC), 65, "260", today=BEFORE),
    ]
    assert portfolio_margin(before, today=BEFORE).total == Decimal("107250.00")
    vertical = [
        _leg(_option(CE, 27750), 65, "120.50", today=NOV),
        _leg(_option(CE, 27850), -65, "72.30", today=NOV),
    ]
    assert portfolio_margin(vertical, today=NOV).total == Decimal("80112.50")


def test_on_its_expiry_day_only_a_future_of_the_same_expiry_covers_a_call():
    """24 November, sold 27850 CE November at 72.30 (2,16,840 + 72,280 with the day's ELM):
    a bought November future at 27,850 (2,17,230 + 36,205) still covers it, 3,25,715.00; a
    bought December future at 27,900 (2,17,620 + 36,270) no longer does, 5,43,010.00."""
    call = _leg(_option(CE, 27850), -65, "72.30", today=NOV)
    same = [call, _leg(_future(NOV), 65, "27850", today=NOV)]
    assert portfolio_margin(same, today=NOV).total == Decimal("325715.00")
    far = [call, _leg(_future(DEC), 65, "27900", today=NOV)]
    assert portfolio_margin(far, today=NOV).total == Decimal("543010.00")
    # the day before, without the day's ELM: covered, 2,17,620 + 36,270 + 36,140
    before = [_leg(_option(CE, 27850), -65, "72.30"), _leg(_future(DEC), 65, "27900")]
    assert portfolio_margin(before, today=BEFORE).total == Decimal("290030.00")


def test_stock_calendars_lose_the_benefit_on_expiry_from_5_may_2026_index_from_february_2025():
    """A RELIANCE April/May futures calendar on 28 April 2026 (April's expiry) kept its
    benefit (single stocks lost it from 5 May 2026); the same NIFTY spread did not (index
    derivatives lost it from 1 February 2025). A leg of unknown class is taken as an index."""
    april, may = date(2026, 4, 28), date(2026, 5, 26)
    low = RiskClass.STOCK_LOW
    stock = [
        _leg(_future(april, RELIANCE_FUT), 500, "1400", risk=low),
        _leg(_future(may, RELIANCE_FUT), -500, "1416", risk=low),
    ]
    assert portfolio_margin(stock, today=april).total == Decimal("15340.00")
    index = [_leg(_future(april), -65, "27850"), _leg(_future(may), 65, "27900")]
    assert portfolio_margin(index, today=april).total == Decimal("507325.00")
    unknown = [replace(leg, risk=None) for leg in index]
    assert portfolio_margin(unknown, today=april).total == Decimal("507325.00")
    june = date(2026, 6, 30)
    later = [
        _leg(_future(may, RELIANCE_FUT), 500, "1400", risk=low),
        _leg(_future(june, RELIANCE_FUT), -500, "1416", risk=low),
    ]
    assert portfolio_margin(later, today=may).total == Decimal("260480.00")


_EXPIRIES = st.sampled_from([NOV, DEC, JAN])
_LOTS = st.integers(min_value=-3, max_value=3).filter(bool)
_OPTION = st.tuples(
    st.sampled_from([CE, PE]),
    st.integers(min_value=540, max_value=570).map(lambda s: s * 50),
    _EXPIRIES,
    _LOTS,
    st.decimals(min_value=0, max_value=600, places=2),
).map(lambda t: (_option(t[0], t[1], t[2]), t[3] * 65, str(t[4])))
_FUTURE = st.tuples(_EXPIRIES, _LOTS, st.integers(min_value=26_000, max_value=29_000)).map(
    lambda t: (_future(t[0]), t[1] * 65, str(t[2]))
)
_SPECS = st.lists(st.one_of(_OPTION, _FUTURE), max_size=7)


@given(_SPECS, st.sampled_from([NOV, DEC, JAN, BEFORE]))
def test_the_expiry_day_never_lowers_a_margin_and_hedges_never_raise_one(specs, today):
    """Whatever the legs (option spreads and calendars, covered options, futures
    calendars across three expiries): the hedged margin is never above the legs alone and
    never below zero, and on any day the expiry day's figure is never below the ordinary
    one (the same legs, no expiry-day rules)."""
    ordinary = [_leg(instrument, quantity, price) for instrument, quantity, price in specs]
    on_the_day = [
        _leg(instrument, quantity, price, today=today) for instrument, quantity, price in specs
    ]
    usual = portfolio_margin(ordinary)
    expiry_day = portfolio_margin(on_the_day, today=today)
    assert _ZERO <= usual.total <= _alone(ordinary).total
    assert _ZERO <= expiry_day.total <= _alone(on_the_day).total
    assert expiry_day.total >= usual.total
