"""The payoff at entry of a calendar spread: the near leg at its intrinsic value on its
expiry, the later leg still holding its time value then (Black-76 with the volatility its
entry price implied), worked by hand to the paisa."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, time
from decimal import Decimal

from tradertape.backtest.options.engine import LegTrade, SetEntry
from tradertape.backtest.options.results import payoff_at_entry

NEAR, FAR = date(2025, 2, 6), date(2025, 2, 13)  # Thursday expiries a week apart


def _leg(leg: int, side: str, expiry: date, premium: str) -> LegTrade:
    price = Decimal(premium)
    return LegTrade(
        trade_set=0, leg=leg, entry_number=0, option_type="CE", side=side, expiry=expiry,
        strike=Decimal(23500), lots=1, lot_size=75, entry_day=date(2025, 2, 3),
        entry_time=time(9, 20), entry_price=price, entry_fill=price, exit_day=NEAR,
        exit_time=None, exit_price=price, exit_fill=price, reason="end", gross=Decimal(0),
        slippage=Decimal(0),
    )  # fmt: skip


ENTRY = SetEntry(trade_set=0, day=date(2025, 2, 3), time=time(9, 20), spot=23500.0)
CALENDAR = [_leg(0, "sell", NEAR, "120.00"), _leg(1, "buy", FAR, "210.00")]


def test_a_calendar_spreads_long_leg_keeps_its_time_value_at_the_near_expiry():
    # The far call: 210.00 paid on Mon 3 Feb at 09:20 with 10 days 6 h 10 min to its expiry
    # (Thu 13 Feb, 15:30): T = 14,770 min / 525,600 = 0.0281012 y; forward 23500·e^(0.06 T);
    # Black-76 at 210.00 implies σ = 12.0712 %. On Thu 6 Feb at 15:30 it has 7 days left
    # (T = 7/365), and with the index at 23,500 it is worth 170.5145.
    #   near leg (sold 120.00, expires worth 0):      −75 × (0 − 120.00)      = +9,000.00
    #   far leg (bought 210.00, worth 170.5145):       75 × (170.5145 − 210)  = −2,961.41
    #   the spread at 23,500:                                                    6,038.59
    # At expiry values alone the far leg would be worth 0 there: −6,750.00, the wrong sign.
    payoff = payoff_at_entry(ENTRY, CALENDAR)
    assert payoff is not None
    assert payoff.expiry == NEAR
    at = {p.spot: p.pnl for p in payoff.points}
    assert at[23500.0] == 6038.59
    # 2 % up (23,970): the near call is 470 in the money, the far one worth 516.9410
    #   −75 × (470 − 120) + 75 × (516.9410 − 210) = −26,250.00 + 23,020.58 = −3,229.42
    assert at[23970.0] == -3229.42
    # 2 % down (23,030): the far call is worth 24.6429: 9,000.00 − 13,926.78 = −4,901.78
    assert at[23030.0] == -4901.78
    # 10 % down the far call is worth nothing either way: 9,000.00 − 15,750.00
    assert at[21150.0] == -6750.0
    # the tent: highest at the strike, two breakevens either side of it
    assert max(at, key=lambda s: at[s]) == 23500.0
    low, high = payoff.breakevens
    assert 23030.0 < low < 23500.0 < high < 23970.0


def test_legs_of_one_expiry_still_pay_their_intrinsic_value():
    straddle = [
        _leg(0, "sell", NEAR, "120.00"),
        replace(_leg(1, "sell", NEAR, "110.00"), option_type="PE"),
    ]
    payoff = payoff_at_entry(ENTRY, straddle)
    assert payoff is not None
    at = {p.spot: p.pnl for p in payoff.points}
    assert at[23500.0] == 75 * (120 + 110)  # both expire worthless: 17,250.00
    assert at[23970.0] == 75 * (230 - 470)  # the call 470 in the money: −18,000.00
    assert math.isclose(sum(payoff.breakevens), 2 * 23500)  # symmetric: 23,270 and 23,730
