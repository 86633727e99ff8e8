"""The equity ``net`` the live book's capital starts from, as each broker's margins give it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradertape.services.risk.live_funds import equity_net


@pytest.mark.parametrize(
    ("margins", "net"),
    [
        ({"equity": {"net": 25120.5}}, Decimal("25120.5")),
        ({"equity": {"net": "40000.00"}, "commodity": {"net": 9}}, Decimal("40000.00")),
        ({"equity": {"net": -1200}}, Decimal(-1200)),  # a debit balance lowers capital
        ({"equity": {"net": None}}, None),
        ({"equity": {"net": True}}, None),
        ({"equity": {"net": "n/a"}}, None),
        ({"equity": {"net": "NaN"}}, None),
        ({"equity": {}}, None),
        ({"commodity": {"net": 1}}, None),
        ([], None),
    ],
)
def test_equity_net_is_read_or_reported_missing(margins: object, net: Decimal | None):
    assert equity_net(margins) == net
