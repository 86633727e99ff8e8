"""The margin table's worked examples (docs/margins.md), to the rupee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fno import ABB_FUT, AMBER_FUT, NIFTY_CE, NIFTY_FUT, RELIANCE_FUT, fno_catalog
from tradertape.domain.instruments import Instrument
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.margins import (
    Margin,
    MarginRates,
    RiskClass,
    margin_for,
    risk_class,
    underlying_key,
)
from tradertape.domain.orders import TransactionType

BUY, SELL = TransactionType.BUY, TransactionType.SELL
RATES = MarginRates()
INFY = reference_catalog().get("NSE:INFY")


@pytest.mark.parametrize(
    ("instrument", "expected"),
    [
        pytest.param(NIFTY_FUT, RiskClass.INDEX, id="index"),
        pytest.param(RELIANCE_FUT, RiskClass.STOCK_LOW, id="nifty-50-stock"),
        pytest.param(ABB_FUT, RiskClass.STOCK_MEDIUM, id="nifty-200-stock"),
        pytest.param(AMBER_FUT, RiskClass.STOCK_HIGH, id="other-stock"),
    ],
)
def test_underlyings_fall_into_risk_classes(instrument: Instrument, expected: RiskClass):
    assert risk_class(fno_catalog(), instrument) is expected


def test_an_index_option_is_quoted_on_its_index_and_a_stock_option_on_the_stock():
    catalog = fno_catalog()
    assert underlying_key(catalog, NIFTY_CE) == "NSE:NIFTY 50"
    assert underlying_key(catalog, RELIANCE_FUT) == "NSE:RELIANCE"


@pytest.mark.parametrize(
    ("instrument", "lots", "price", "risk", "span", "exposure"),
    [
        # 65 × 26,000 = 16,90,000 notional: 12 % SPAN, 2 % exposure.
        pytest.param(NIFTY_FUT, 1, "26000", RiskClass.INDEX, "202800", "33800", id="nifty"),
        # 500 × 1,400 = 7,00,000: 15 % + 3.5 %.
        pytest.param(
            RELIANCE_FUT, 1, "1400", RiskClass.STOCK_LOW, "105000", "24500", id="reliance"
        ),
        # 125 × 5,600 = 7,00,000: 20 % + 3.5 %.
        pytest.param(ABB_FUT, 1, "5600", RiskClass.STOCK_MEDIUM, "140000", "24500", id="abb"),
        # 2 lots × 100 × 3,500 = 7,00,000: 25 % + 3.5 %.
        pytest.param(AMBER_FUT, 2, "3500", RiskClass.STOCK_HIGH, "175000", "24500", id="amber"),
    ],
)
def test_futures_need_span_and_exposure_on_the_notional_either_way(
    instrument, lots, price, risk, span, exposure
):
    quantity = lots * instrument.lot_size
    for side in (BUY, SELL):
        for product in ("NRML", "MIS"):
            margin = margin_for(
                instrument, product, side, quantity, Decimal(price), rates=RATES, risk=risk
            )
            assert margin == Margin(span=Decimal(span), exposure=Decimal(exposure))


def test_a_bought_option_needs_its_premium_only():
    margin = margin_for(NIFTY_CE, "NRML", BUY, 65, Decimal(200), rates=RATES, risk=RiskClass.INDEX)
    assert margin == Margin(option_premium=Decimal(13_000))


def test_a_sold_option_is_margined_like_a_future_on_the_underlyings_notional():
    # NIFTY at 25,900: 65 × 25,900 = 16,83,500; 12 % = 2,02,020 and 2 % = 33,670.
    margin = margin_for(
        NIFTY_CE,
        "NRML",
        SELL,
        65,
        Decimal(200),
        rates=RATES,
        risk=RiskClass.INDEX,
        underlying_price=Decimal(25_900),
    )
    assert (margin.span, margin.exposure, margin.total) == (
        Decimal(202_020),
        Decimal(33_670),
        Decimal(235_690),
    )
    # With no quote for the index, the strike stands in: 65 × 26,000 as for the future.
    unquoted = margin_for(
        NIFTY_CE, "NRML", SELL, 65, Decimal(200), rates=RATES, risk=RiskClass.INDEX
    )
    assert unquoted.total == Decimal(236_600)


@pytest.mark.parametrize(
    ("product", "side", "expected"),
    [
        pytest.param("CNC", BUY, Margin(var=Decimal(140_000)), id="delivery-buy"),
        pytest.param("CNC", SELL, Margin(), id="delivery-sell-needs-shares-not-margin"),
        pytest.param("MIS", BUY, Margin(var=Decimal(28_000)), id="intraday-buy"),
        pytest.param("MIS", SELL, Margin(var=Decimal(28_000)), id="intraday-short"),
    ],
)
def test_equity_100_shares_at_1400(product, side, expected):
    assert margin_for(INFY, product, side, 100, Decimal(1400), rates=RATES) == expected


@pytest.mark.parametrize(
    ("side", "stop", "expected"),
    [
        # ₹20 to the stop on 100 shares is ₹2,000: under the 5 % floor of ₹7,000.
        pytest.param(BUY, "1380", "7000", id="tight-stop-floor"),
        # ₹80 to the stop: ₹8,000, above the floor.
        pytest.param(BUY, "1320", "8000", id="wide-stop-risk"),
        pytest.param(SELL, "1475", "7500", id="short-cover-order"),
    ],
)
def test_a_cover_order_needs_the_loss_to_its_stop(side, stop, expected):
    margin = margin_for(INFY, "MIS", side, 100, Decimal(1400), rates=RATES, stop=Decimal(stop))
    assert margin == Margin(var=Decimal(expected))
