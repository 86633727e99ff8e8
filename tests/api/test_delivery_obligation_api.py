"""``GET /api/portfolio/positions`` shows the physical delivery an open stock option in the
money owes, from 4 trading days before its expiry, updated with the underlying's mark
(issue 63). RELIANCE's December 2026 contracts expire on Tuesday 29-Dec-2026."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_book_funds import set_price
from tests.delivery_kit import seed_contract_fill
from tests.helpers import PASSWORD, sign_in
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime

CALL = "RELIANCE26DEC1200CE"
PUT = "RELIANCE26DEC1250PE"


def _net(client: TestClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/portfolio/positions")
    assert answer.status_code == 200, answer.text
    return {row["tradingsymbol"]: row for row in answer.json()["net"]}


def test_an_itm_stock_call_shows_its_delivery_from_e_minus_4(
    client: TestClient, runtime: Runtime, clock: ManualClock
) -> None:
    user_id = sign_in(client, runtime, "owed@x.in")
    seed_contract_fill(runtime, user_id, CALL, "BUY", "30")
    seed_contract_fill(runtime, user_id, PUT, "BUY", "20")
    set_price(runtime, "NSE:RELIANCE", "1220.90")
    assert "delivery" not in _net(client)[CALL]  # 20-Nov: weeks before expiry

    # Tue 22-Dec-2026 is E-4: 23, 24, 28 and 29 follow (25-Dec is a holiday)
    clock.set(datetime(2026, 12, 22, 10, 0, tzinfo=IST))
    signed = client.post(
        "/api/auth/password-login", json={"email": "owed@x.in", "password": PASSWORD}
    )
    assert signed.status_code == 200  # a month later: the session of 20-Nov has lapsed
    set_price(runtime, "NSE:RELIANCE", "1220.90")
    rows = _net(client)
    # BUY 500 at ₹1,200 = ₹6,00,000; margin 10 % of VaR + ELM (RELIANCE, a NIFTY 50 stock:
    # 15 % + 3.5 %) = 0.10 × 0.185 × 6,00,000 = ₹11,100.00
    assert rows[CALL]["delivery"] == {
        "side": "BUY",
        "underlying": "RELIANCE",
        "quantity": 500,
        "price": 1200.0,
        "value": 600000.0,
        "expiry": "2026-12-29",
        "days_to_expiry": 4,
        "underlying_price": 1220.9,
        "margin": 11100.0,
        "shares_held": None,
        "shares_short": None,
    }
    # the 1250 PE is in the money too: it gives 500 shares the account does not hold
    put = rows[PUT]["delivery"]
    assert (put["side"], put["price"], put["value"], put["margin"]) == (
        "SELL",
        1250.0,
        625000.0,
        11562.5,  # 0.10 × 0.185 × 6,25,000
    )
    assert (put["shares_held"], put["shares_short"]) == (0, 500)

    # with the mark: RELIANCE at ₹1,260 takes the put out of the money, the call stays in
    set_price(runtime, "NSE:RELIANCE", "1260")
    rows = _net(client)
    assert "delivery" not in rows[PUT]
    assert rows[CALL]["delivery"]["underlying_price"] == 1260.0
