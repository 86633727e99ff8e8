"""Net positions are today's, as at Kite (issue 64's walk): a position closed on an earlier
day (the demo's October NIFTY calls, settled at their expiry) is not on Positions on 20
November, so its P&L is not counted as that day's M2M (Positions said −₹32,162.00 beside the
header's +₹1,424.91); one carried open from an earlier day is; one closed earlier and opened
again today is today's trade alone."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from tradertape.oms.paper.snapshot import _lots

TODAY = "2026-11-20"


def _trade(day: str, side: str, quantity: int, price: str, symbol: str = "NIFTY26O2727150CE"):
    return SimpleNamespace(
        book="manual",
        exchange="NFO",
        tradingsymbol=symbol,
        instrument_token=1,
        product="NRML",
        trade_date=day,
        transaction_type=side,
        quantity=quantity,
        price=Decimal(price),
    )


def test_a_position_closed_on_an_earlier_day_is_not_todays():
    bought = _trade("2026-10-22", "BUY", 65, "180.00")
    settled = _trade("2026-10-27", "SELL", 65, "0.05")
    assert _lots([bought, settled], TODAY, day_only=False) == ()


def test_one_carried_open_is_kept_and_one_reopened_today_is_todays_trade_alone():
    carried = _trade("2026-11-19", "BUY", 75, "120.00", symbol="NIFTY26N2427000CE")
    closed = [_trade("2026-10-22", "BUY", 65, "180.00"), _trade("2026-10-27", "SELL", 65, "0.05")]
    again = _trade(TODAY, "BUY", 65, "90.00")
    lots = {
        lot.tradingsymbol: lot for lot in _lots([carried, *closed, again], TODAY, day_only=False)
    }
    assert (lots["NIFTY26N2427000CE"].quantity, lots["NIFTY26N2427000CE"].overnight) == (75, 75)
    reopened = lots["NIFTY26O2727150CE"]
    assert (reopened.buy_qty, reopened.sell_qty, reopened.buy_value) == (65, 0, Decimal("5850.00"))
    assert reopened.realised() == 0  # October's loss was October's


def test_a_position_closed_today_stays_for_the_day():
    bought = _trade("2026-11-19", "BUY", 65, "100.00")
    sold = _trade(TODAY, "SELL", 65, "110.00")
    (lot,) = _lots([bought, sold], TODAY, day_only=False)
    assert (lot.quantity, lot.realised()) == (0, Decimal("650.00"))
