"""The alert form's basket preview shows what the option chain's ticket shows for the same
legs (issue 64): the margin with and without the hedge benefit, by the one margin
computation, and the payoff's maximum profit and loss and breakevens, by the one payoff
computation (`services.options.payoff`).

The worked example: a bull call spread, NIFTY at 27,800 the day before November's expiry,
bought 27750 CE at ₹120.50 and sold 27850 CE at ₹72.30, a lot of 65 each. The debit is
(120.50 − 72.30) × 65 = ₹3,133.00, the most it can lose; the most it makes is the strikes'
width less the debit, (100 − 48.20) × 65 = ₹3,367.00; it breaks even at 27,750 + 48.20 =
27,798.20.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tests.integration.test_expiry_margin_previews import DAY_BEFORE, NIFTY
from tests.workers_kit import set_price
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

BOUGHT, SOLD = "NIFTY26NOV27750CE", "NIFTY26NOV27850CE"


def _alert_preview(client: TestClient, legs: list[dict[str, Any]]) -> dict[str, Any]:
    shown = client.post("/api/alerts/basket/preview", json={"legs": legs})
    assert shown.status_code == 200, shown.text
    answer: dict[str, Any] = shown.json()
    return answer


def test_an_option_baskets_alert_preview_is_the_chain_tickets(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    sign_in(client, runtime, "alert-payoff@x.in")
    clock.set(DAY_BEFORE)
    set_price(runtime, NIFTY, "27800")
    set_price(runtime, f"NFO:{BOUGHT}", "120.50")
    set_price(runtime, f"NFO:{SOLD}", "72.30")
    legs = [
        {"symbol": f"NFO:{BOUGHT}", "transaction_type": "BUY", "quantity": 65, "product": "NRML"},
        {"symbol": f"NFO:{SOLD}", "transaction_type": "SELL", "quantity": 65, "product": "NRML"},
    ]
    alert = _alert_preview(client, legs)
    chain_legs = [
        {"tradingsymbol": BOUGHT, "transaction_type": "BUY", "lots": 1},
        {"tradingsymbol": SOLD, "transaction_type": "SELL", "lots": 1},
    ]
    chain = client.post("/api/options/basket/preview", json={"legs": chain_legs}).json()
    for field in ("margin_required", "margin_without_hedge", "hedge_benefit", "charges"):
        assert alert[field] == chain[field], field
    assert Decimal(alert["hedge_benefit"]) > 0  # the bought call caps the sold one's loss
    assert Decimal(alert["margin_without_hedge"]) - Decimal(alert["hedge_benefit"]) == Decimal(
        alert["margin_required"]
    )

    payoff = alert["payoff"]
    assert Decimal(payoff["net_premium"]) == Decimal("-3133.00")
    assert Decimal(payoff["max_loss"]) == Decimal("-3133.00")
    assert Decimal(payoff["max_profit"]) == Decimal("3367.00")
    assert [Decimal(b) for b in payoff["breakevens"]] == [Decimal("27798.20")]
    ticket = client.post(
        "/api/options/payoff", json={"underlying": "NIFTY", "legs": chain_legs}
    ).json()
    for field in ("net_premium", "max_profit", "max_loss", "breakevens"):
        assert payoff[field] == ticket[field], field

    # a LIMIT leg enters at its price: bought at 110.00, the debit is 37.70 × 65
    limit = [{**legs[0], "order_type": "LIMIT", "price": "110.00"}, legs[1]]
    assert Decimal(_alert_preview(client, limit)["payoff"]["max_loss"]) == Decimal("-2450.50")


def test_a_basket_of_shares_has_no_payoff(client: TestClient, runtime: Runtime, clock: ManualClock):
    sign_in(client, runtime, "alert-shares@x.in")
    set_price(runtime, "NSE:INFY", "1500")
    set_price(runtime, "NSE:TCS", "3400")
    legs = [
        {"symbol": "NSE:INFY", "transaction_type": "BUY", "quantity": 10, "product": "CNC"},
        {"symbol": "NSE:TCS", "transaction_type": "BUY", "quantity": 5, "product": "CNC"},
    ]
    shown = _alert_preview(client, legs)
    assert shown["payoff"] is None
    assert Decimal(shown["margin_required"]) > 0
