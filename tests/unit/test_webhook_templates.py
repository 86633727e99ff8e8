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
from tradertape.domain.orders import MAX_QUANTITY
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
    if amount // price > MAX_QUANTITY:  # more shares than any order holds: refused too
        with pytest.raises(InvalidField, match="buys more than") as refused:
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


EXOTIC = ["1E+600000", "1e-600000", "NaN", "Infinity", "-0", "0x10", "1_000", "9" * 50_000]
TEMPLATE = {
    "symbol": "{{ticker}}",
    "side": "BUY",
    "quantity": "{{qty}}",
    "order_type": "{{type}}",
    "price": "{{price}}",
}


@pytest.mark.parametrize("value", EXOTIC, ids=lambda value: value[:12])
@pytest.mark.parametrize("field", ["quantity", "price", "amount"])
def test_a_bodys_huge_tiny_or_exotic_number_is_refused_naming_its_field(value: str, field: str):
    """``"contracts": "1E+600000"`` once ran 40 s in ``int()``: each number of a body is held
    to what its field can mean first (a quantity to 10 crore units, a price to ₹1,000 crore
    with 4 places, an amount to ₹1 lakh crore with 2), and refused with a 422 naming it."""
    body = {"ticker": "NSE:INFY", "qty": "5", "type": "LIMIT", "price": "1500", "money": "9000"}
    template = dict(TEMPLATE)
    if field == "amount":
        del template["quantity"]
        template["amount"] = "{{money}}"
        body["money"] = value
    else:
        body[{"quantity": "qty", "price": "price"}[field]] = value
    with pytest.raises(InvalidField) as refused:
        templates.orders(
            templates.check(template),
            body,
            quotes=quotes_at(Decimal(1500)),
            mode="paper",
            broker=None,
        )
    assert refused.value.field == f"template.{field}"


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", "1E+600000"), ("amount", "1e12000"), ("price", "100000000000")],
)
def test_a_stored_constant_is_held_to_its_fields_bound(field: str, value: str):
    template = {"symbol": "INFY", "side": "BUY", "quantity": "1", field: value}
    if field == "amount":
        del template["quantity"]
    with pytest.raises(InvalidField) as refused:
        templates.check(template)
    assert refused.value.field == f"template.{field}"


def test_commas_group_either_way_and_a_whole_quantity_may_carry_zero_places():
    template = templates.check(TEMPLATE)
    body = {"ticker": "NSE:INFY", "qty": "1,00,000.0", "type": "LIMIT", "price": "1,500.05"}
    (order,) = templates.orders(
        template, body, quotes=quotes_at(Decimal(1500)), mode="paper", broker=None
    )
    assert (order.terms.quantity, order.terms.price) == (100_000, Decimal("1500.05"))


def test_a_kept_mapping_answers_each_body_as_the_template_does():
    """A hook's template is read once (`templates.Mapping`, kept with the hook): each body
    still gets its own orders and its own refusal, and a stored constant the template's
    check would refuse now is refused on every request, as it was before it was kept."""
    mapping = templates.Mapping(templates.check(templates.PRESETS["tradingview"]))
    quotes = quotes_at(Decimal(1500))
    for action, contracts in [("buy", "3"), ("SELL", "1,000"), ("buy", "3")]:
        body = {"ticker": "BSE:TCS", "action": action, "contracts": contracts}
        (order,) = mapping.orders(body, quotes=quotes, mode="paper", broker=None)
        (fresh,) = templates.orders(
            templates.PRESETS["tradingview"], body, quotes=quotes, mode="paper", broker=None
        )
        assert order == fresh
        assert (order.key, order.terms.transaction_type) == ("BSE:TCS", action.upper())
    refusals: list[tuple[dict[str, object], str]] = [
        ({"ticker": "INFY", "action": "hold", "contracts": "1"}, "template.side"),
        ({"ticker": "INFY", "action": "buy", "contracts": "0"}, "template.quantity"),
        ({"ticker": "INFY", "action": "buy"}, "body.contracts"),
        ({"ticker": {"x": 1}, "action": "buy", "contracts": "1"}, "body.ticker"),
    ]
    for wrong, field in refusals:
        with pytest.raises(InvalidField) as refused:
            mapping.orders(wrong, quotes=quotes, mode="paper", broker=None)
        assert refused.value.field == field
    stale = templates.Mapping({"symbol": "INFY", "side": "BUY", "quantity": "1", "product": "BO"})
    for _ in range(2):
        with pytest.raises(InvalidField, match="'BO' is not one of") as refused:
            stale.orders({}, quotes=quotes, mode="paper", broker=None)
        assert refused.value.field == "template.product"
