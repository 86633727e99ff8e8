"""The basket previews answer docs/margins.md's futures calendar and expiry-day figures: the
alert form's (``POST /api/alerts/basket/preview``) and the option chain's
(``POST /api/options/basket/preview``), both through `services.baskets.margin`, on the
injected clock's IST date."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.workers_kit import set_price
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.market.instruments import import_kite_csv

NIFTY = "NSE:NIFTY 50"
# November's monthly expiry: the last Tuesday, the 24th, is a holiday (Guru Nanak Jayanti),
# so the contracts expire the trading day before, Monday the 23rd.
EXPIRY_DAY = datetime(2026, 11, 23, 10, 0, tzinfo=IST)
DAY_BEFORE = datetime(2026, 11, 20, 10, 0, tzinfo=IST)  # the Friday
# The two NIFTY futures as Kite's instrument dump lists them (the runtime lists no futures
# of its own; importing futures leaves the index's generated options in place).
FUTURES_DUMP = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
    "tick_size,lot_size,instrument_type,segment,exchange\n"
    "13351170,52166,NIFTY26NOVFUT,NIFTY,0.0,2026-11-23,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
    "13351172,52168,NIFTY26DECFUT,NIFTY,0.0,2026-12-29,0.0,0.1,65,FUT,NFO-FUT,NFO\n"
)


def _futures_calendar(client: TestClient) -> float:
    legs = [
        {"symbol": "NFO:NIFTY26NOVFUT", "transaction_type": "SELL", "quantity": 65},
        {"symbol": "NFO:NIFTY26DECFUT", "transaction_type": "BUY", "quantity": 65},
    ]
    for leg in legs:
        leg["product"] = "NRML"
    shown = client.post("/api/alerts/basket/preview", json={"legs": legs})
    assert shown.status_code == 200, shown.text
    assert shown.json()["source"] == "estimate"
    return float(shown.json()["margin_required"])


def test_the_alert_baskets_preview_margins_a_futures_calendar(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """Sold NIFTY November at 27,850, bought December at 27,900 (docs/margins.md): 1 % of
    the far leg's 18,13,500 = 18,135 of SPAN + a third of its 36,270 exposure = 12,090:
    30,225.00, where the two futures alone hold 5,07,325.00. On 23 November, November's
    expiry day, the spread gets no calendar benefit: 5,07,325.00."""
    sign_in(client, runtime, "futures-calendar@x.in")
    with runtime.db.session() as db:
        import_kite_csv(db, FUTURES_DUMP)
        db.commit()
    clock.set(DAY_BEFORE)
    set_price(runtime, "NFO:NIFTY26NOVFUT", "27850")
    set_price(runtime, "NFO:NIFTY26DECFUT", "27900")
    assert _futures_calendar(client) == 30_225.00
    clock.set(EXPIRY_DAY)
    assert _futures_calendar(client) == 507_325.00


def test_the_chains_preview_applies_the_expiry_days_rules(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    """Sold 27850 CE November at 72.30, bought 27850 CE December at 260.00, NIFTY at
    27,800. The day before November's expiry: the calendar's 54,210 of SPAN + exposure
    36,140 + premium 16,900 = 1,07,250.00. On the expiry day the calendar benefit is gone
    and the sold index option owes 2 % more exposure: 2,16,840 + 36,140 + 36,140 + 16,900 =
    3,06,020.00. A bull call spread of November calls keeps its hedge that day: premium
    120.50 × 65 = 7,832.50 + 36,140 + 36,140 = 80,112.50."""
    sign_in(client, runtime, "expiry-chain@x.in")
    near, far, bought = "NIFTY26NOV27850CE", "NIFTY26DEC27850CE", "NIFTY26NOV27750CE"

    def margin(*legs: tuple[str, str]) -> float:
        body = {
            "legs": [
                {"tradingsymbol": symbol, "transaction_type": side, "lots": 1}
                for symbol, side in legs
            ]
        }
        shown = client.post("/api/options/basket/preview", json=body)
        assert shown.status_code == 200, shown.text
        assert shown.json()["source"] == "estimate"
        return float(shown.json()["margin_required"])

    # The sold lot's SPAN is SPAN's scenarios' (docs/margins.md), read from its own preview
    # less its exposure: on the flat table it is 2,16,840, giving the figures above.
    for day, extra in ((DAY_BEFORE, 0.0), (EXPIRY_DAY, 36_140.00)):
        clock.set(day)
        set_price(runtime, NIFTY, "27800")
        for symbol, price in ((near, "72.30"), (far, "260.00"), (bought, "120.50")):
            set_price(runtime, f"NFO:{symbol}", price)
        span = margin((near, "SELL")) - 36_140.00 - extra
        assert 0 < span < 216_840.00, day
        calendar = 0.25 * span + 36_140.00 + 16_900.00  # the calendar's 25 % of SPAN
        if day == EXPIRY_DAY:  # no calendar benefit, 2 % more exposure on the sold option
            calendar = span + 36_140.00 + 36_140.00 + 16_900.00
        assert margin((near, "SELL"), (far, "BUY")) == pytest.approx(calendar, abs=0.011), day
    assert margin((bought, "BUY"), (near, "SELL")) == 80_112.50
