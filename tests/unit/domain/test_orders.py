"""Seed 002's order field rules: every constraint refuses with the field it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tradertape.domain.instruments import Exchange, Instrument, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.orders import (
    OrderFieldError,
    OrderSpec,
    OrderType,
    Product,
    TransactionType,
    Validity,
    Variety,
    validate_order,
)

INFY = reference_catalog().get("NSE:INFY")
NIFTY_FUT = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="NIFTY26NOVFUT",
    instrument_type=InstrumentType.FUT,
    name="NIFTY",
    instrument_token=1,
    lot_size=65,
    tick_size=Decimal("0.10"),
    expiry=date(2026, 11, 24),
    underlying="NIFTY",
)
TICK = Decimal("0.10")

BASE = OrderSpec(
    exchange=Exchange.NSE,
    tradingsymbol="INFY",
    transaction_type=TransactionType.BUY,
    quantity=10,
    product=Product.CNC,
    order_type=OrderType.LIMIT,
    price=Decimal("1500.10"),
)


def _spec(**changes: Any) -> OrderSpec:
    return replace(BASE, **changes)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(BASE, id="limit"),
        pytest.param(_spec(order_type=OrderType.MARKET, price=None), id="market"),
        pytest.param(
            _spec(order_type=OrderType.MARKET, price=None, market_protection=-1), id="mp-auto"
        ),
        pytest.param(_spec(order_type=OrderType.SL, trigger_price=Decimal("1499.90")), id="buy-sl"),
        pytest.param(
            _spec(order_type=OrderType.SL_M, price=None, trigger_price=Decimal("1490")), id="sl-m"
        ),
        pytest.param(_spec(product=Product.MIS, validity=Validity.IOC), id="mis-ioc"),
        pytest.param(_spec(validity=Validity.TTL, validity_ttl=30), id="ttl"),
        pytest.param(_spec(disclosed_quantity=10), id="disclosed-equal"),
        pytest.param(
            _spec(variety=Variety.ICEBERG, quantity=1000, iceberg_legs=4, iceberg_quantity=250),
            id="iceberg",
        ),
        pytest.param(
            _spec(variety=Variety.CO, product=Product.MIS, trigger_price=Decimal("1480")),
            id="cover-limit",
        ),
        pytest.param(
            _spec(
                variety=Variety.CO,
                product=Product.MIS,
                order_type=OrderType.MARKET,
                price=None,
                trigger_price=Decimal("1480"),
            ),
            id="cover-market",
        ),
        pytest.param(
            _spec(
                variety=Variety.CO,
                product=Product.MIS,
                transaction_type=TransactionType.SELL,
                trigger_price=Decimal("1520"),
            ),
            id="cover-sell",
        ),
        pytest.param(_spec(variety=Variety.AMO), id="amo"),
        pytest.param(_spec(variety=Variety.AUCTION, auction_number="22"), id="auction"),
    ],
)
def test_valid_orders_pass(spec: OrderSpec):
    validate_order(spec, INFY, tick=TICK)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"quantity": 0}, "quantity", id="zero-qty"),
        pytest.param({"price": None}, "price", id="limit-without-price"),
        pytest.param({"price": Decimal("1500.15")}, "price", id="off-tick"),
        pytest.param({"order_type": OrderType.MARKET}, "price", id="market-with-price"),
        pytest.param({"order_type": OrderType.SL}, "trigger_price", id="sl-without-trigger"),
        pytest.param(
            {"order_type": OrderType.SL, "trigger_price": Decimal("1500.20")},
            "trigger_price",
            id="buy-sl-trigger-above-price",
        ),
        pytest.param({"trigger_price": Decimal(1490)}, "trigger_price", id="limit-with-trigger"),
        pytest.param(
            {"order_type": OrderType.SL_M, "price": None, "trigger_price": Decimal("1490.05")},
            "trigger_price",
            id="trigger-off-tick",
        ),
        pytest.param({"disclosed_quantity": 11}, "disclosed_quantity", id="disclosed-too-big"),
        pytest.param({"market_protection": 5}, "market_protection", id="mp-on-limit"),
        pytest.param(
            {"order_type": OrderType.MARKET, "price": None, "market_protection": 101},
            "market_protection",
            id="mp-range",
        ),
        pytest.param({"validity": Validity.TTL}, "validity_ttl", id="ttl-missing"),
        pytest.param(
            {"validity": Validity.TTL, "validity_ttl": 366}, "validity_ttl", id="ttl-range"
        ),
        pytest.param({"validity_ttl": 5}, "validity_ttl", id="ttl-on-day"),
        pytest.param(
            {"variety": Variety.ICEBERG, "iceberg_legs": 11, "iceberg_quantity": 1},
            "iceberg_legs",
            id="legs",
        ),
        pytest.param(
            {"variety": Variety.ICEBERG, "iceberg_legs": 2, "iceberg_quantity": 4},
            "iceberg_quantity",
            id="legs-short",
        ),
        pytest.param({"iceberg_legs": 2}, "iceberg_legs", id="legs-on-regular"),
        pytest.param(
            {"variety": Variety.CO, "product": Product.MIS}, "trigger_price", id="co-no-stop"
        ),
        pytest.param(
            {"variety": Variety.CO, "trigger_price": Decimal(1480)}, "product", id="co-not-mis"
        ),
        pytest.param(
            {
                "variety": Variety.CO,
                "product": Product.MIS,
                "order_type": OrderType.SL,
                "trigger_price": Decimal(1500),
            },
            "order_type",
            id="co-entry-is-market-or-limit",
        ),
        pytest.param(
            {"variety": Variety.CO, "product": Product.MIS, "trigger_price": Decimal("1500.10")},
            "trigger_price",
            id="co-buy-stop-not-below",
        ),
        pytest.param(
            {
                "variety": Variety.CO,
                "product": Product.MIS,
                "transaction_type": TransactionType.SELL,
                "trigger_price": Decimal("1490"),
            },
            "trigger_price",
            id="co-sell-stop-not-above",
        ),
        pytest.param(
            {
                "variety": Variety.CO,
                "product": Product.MIS,
                "trigger_price": Decimal(1480),
                "validity": Validity.IOC,
            },
            "validity",
            id="co-ioc",
        ),
        pytest.param(
            {
                "variety": Variety.CO,
                "product": Product.MIS,
                "trigger_price": Decimal(1480),
                "stoploss": Decimal(20),
            },
            "stoploss",
            id="co-bracket-fields",
        ),
        pytest.param({"stoploss": Decimal(5)}, "stoploss", id="sl-on-regular"),
        pytest.param({"variety": Variety.AUCTION}, "auction_number", id="auction-number"),
        pytest.param({"product": Product.NRML}, "product", id="nrml-on-equity"),
        pytest.param({"tradingsymbol": "TCS"}, "tradingsymbol", id="wrong-instrument"),
    ],
)
def test_invalid_field_is_named(changes: dict[str, Any], field: str):
    with pytest.raises(OrderFieldError) as info:
        validate_order(_spec(**changes), INFY, tick=TICK)
    assert info.value.field == field


def test_derivatives_trade_in_lots_and_not_as_delivery():
    fut = replace(
        BASE,
        exchange=Exchange.NFO,
        tradingsymbol="NIFTY26NOVFUT",
        product=Product.NRML,
        quantity=130,
        price=Decimal("24500.10"),
    )
    validate_order(fut, NIFTY_FUT, tick=TICK)
    with pytest.raises(OrderFieldError, match="lot size 65") as info:
        validate_order(replace(fut, quantity=100), NIFTY_FUT, tick=TICK)
    assert info.value.field == "quantity"
    with pytest.raises(OrderFieldError) as cnc:
        validate_order(replace(fut, product=Product.CNC), NIFTY_FUT, tick=TICK)
    assert cnc.value.field == "product"


def test_indices_cannot_be_traded():
    nifty = reference_catalog().get("NSE:NIFTY 50")
    spec = replace(BASE, tradingsymbol="NIFTY 50")
    with pytest.raises(OrderFieldError, match="is an index"):
        validate_order(spec, nifty, tick=Decimal("0.05"))


def test_cover_orders_are_for_nse_equity_only():
    fut = replace(
        BASE,
        exchange=Exchange.NFO,
        tradingsymbol="NIFTY26NOVFUT",
        product=Product.MIS,
        quantity=65,
        price=Decimal("24500.10"),
        variety=Variety.CO,
        trigger_price=Decimal("24400.00"),
    )
    with pytest.raises(OrderFieldError, match="NSE equity") as info:
        validate_order(fut, NIFTY_FUT, tick=TICK)
    assert info.value.field == "variety"
