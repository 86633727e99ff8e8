"""A webhook's template: an amount buys as many shares as it pays for and never more; a
TradingView or Chartink body maps to the orders it names; what cannot be mapped is a 422
naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.market import Tick
from tradertape.errors import InvalidField
from tradertape.oms import LastTick
from tradertape.services.webhooks import templates
from tradertape.testkit import make_tick

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
prices = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(100_000), places=2)
amounts = st.decimals(min_value=Decimal(1), max_value=Decimal(10_000_000), places=2)


def quotes_at(price: Decimal) -> LastTick:
    def last(key: str) -> Tick | None:
        return make_tick(key, price, ts=NOW)

    return last


@given(price=prices, amount=amounts)
def test_an_amount_buys_what_it_pays_for_and_never_more(price: Decimal, amount: Decimal):
    template = templates.check(templates.PRESETS["chartink"] | {"amount": str(amount)})
    if amount < price:  # not one share is paid for: refused, naming the amount
        with pytest.raises(InvalidField, match="buys no share") as refused:
            templates.orders(
                template, {"stocks": "SBIN"}, quotes=quotes_at(price), mode="paper", broker=None
            )
        assert refused.value.field == "template.amount"
        return
    (order,) = templates.orders(
        template, {"stocks": "SBIN"}, quotes=quotes_at(price), mode="paper", broker=None
    )
    quantity = order.terms.quantity
    assert quantity >= 1
    assert quantity * price <= amount < (quantity + 1) * price


def test_tradingview_and_chartink_bodies_map_to_their_orders():
    tv = templates.check(templates.PRESETS["tradingview"])
    body = {"ticker": "NSE:INFY", "action": "SELL", "contracts": "7"}
    (order,) = templates.orders(
        tv, body, quotes=quotes_at(Decimal(1500)), mode="paper", broker=None
    )
    assert (order.key, order.terms.transaction_type, order.terms.quantity) == (
        "NSE:INFY",
        "SELL",
        7,
    )
    assert (order.terms.product, order.terms.order_type) == ("MIS", "MARKET")
    chartink = templates.check(templates.PRESETS["chartink"])
    many = templates.orders(
        chartink, {"stocks": "sbin, tcs"}, quotes=quotes_at(Decimal(800)), mode="paper", broker=None
    )
    assert [(o.key, o.terms.quantity) for o in many] == [("NSE:SBIN", 12), ("NSE:TCS", 12)]


@pytest.mark.parametrize(
    ("template", "field"),
    [
        pytest.param({"side": "BUY", "quantity": "1"}, "template.symbol", id="no-symbol"),
        pytest.param({"symbol": "INFY", "quantity": "1"}, "template.side", id="no-side"),
        pytest.param({"symbol": "INFY", "side": "BUY"}, "template.quantity", id="neither"),
        pytest.param(
            {"symbol": "INFY", "side": "BUY", "quantity": "1", "amount": "5"},
            "template.quantity",
            id="both",
        ),
        pytest.param(
            {"symbol": "INFY", "side": "BUY", "quantity": "1", "order_type": "SL"},
            "template.order_type",
            id="order-type",
        ),
        pytest.param(
            {"symbol": "INFY", "side": "BUY", "quantity": True}, "template.quantity", id="bool"
        ),
    ],
)
def test_a_template_that_cannot_work_is_refused_naming_the_field(
    template: dict[str, object], field: str
):
    with pytest.raises(InvalidField) as refused:
        templates.check(template)
    assert refused.value.field == field
