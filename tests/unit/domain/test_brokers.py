"""Broker access-token lifetimes and Groww's TOTP secret check."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradertape.domain.brokers import BrokerName, access_token_expiry, is_base32_secret
from tradertape.ports.clock import IST


@pytest.mark.parametrize(
    ("broker", "issued", "expires"),
    [
        pytest.param(BrokerName.KITE, (2026, 11, 20, 9, 0), (2026, 11, 21, 6, 0), id="kite-day"),
        pytest.param(BrokerName.KITE, (2026, 11, 21, 5, 59), (2026, 11, 21, 6, 0), id="kite-dawn"),
        pytest.param(BrokerName.KITE, (2026, 11, 21, 6, 0), (2026, 11, 22, 6, 0), id="kite-at-6"),
        pytest.param(BrokerName.UPSTOX, (2026, 11, 20, 9, 0), (2026, 11, 21, 3, 30), id="upstox"),
        pytest.param(BrokerName.GROWW, (2026, 11, 20, 23, 0), (2026, 11, 21, 6, 0), id="groww"),
    ],
)
def test_access_token_expiry(broker, issued, expires):
    assert access_token_expiry(broker, _ist(*issued)) == _ist(*expires)


def _ist(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


@pytest.mark.parametrize(
    ("secret", "ok"),
    [
        pytest.param("JBSWY3DPEHPK3PXP", True, id="16-chars"),
        pytest.param("jbsw y3dp ehpk 3pxp", True, id="spaced-lowercase"),
        pytest.param("JBSWY3DP", False, id="too-short"),
        pytest.param("JBSWY3DPEHPK3PX1", False, id="digit-1-not-base32"),
    ],
)
def test_base32_secret(secret: str, ok: bool):
    assert is_base32_secret(secret) is ok
