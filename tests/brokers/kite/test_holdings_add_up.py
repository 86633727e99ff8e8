"""A connected Kite account's holdings add up (issue 64): every row's P&L is its average
and last price times what it holds (T1 included), to the paisa, so the page's summary,
the sums of its rows, says what the rows say.

The screenshot of the issue: 12 INFY held (10 settled, 2 T1), shown ``Qty. 10``, average
₹1,416.67 (Kite's is 1416.6666…), LTP ₹1,402.70 and Kite's P&L −167.60, computed on the
unrounded average, so the rows and the totals never met.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import BUY
from tradertape.domain.money import paise
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def _d(value: Any) -> Decimal:
    return Decimal(repr(value))


def test_each_row_and_the_summary_of_a_kite_account_are_at_one_mark(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    # 5 more settled INFY at ₹1,375: an average off the paisa
    fake.kite.book.add_holding("NSE:INFY", 5, Decimal(1375))
    fake.price("NSE:INFY", 1402.7)
    bought = client.post("/api/orders", json={**BUY, "quantity": 2, "price": "1410"})
    assert bought.status_code == 201, bought.text  # 2 more today: T1

    answer = client.get("/api/portfolio/holdings", params={"book": "live:kite"})

    assert answer.status_code == 200, answer.text
    infy = next(r for r in answer.json() if r["tradingsymbol"] == "INFY")
    assert (infy["quantity"], infy["t1_quantity"]) == (15, 2)
    invested = current = pnl = day = Decimal(0)
    for row in answer.json():
        held = row["quantity"] + row["t1_quantity"]
        average, last, close = (
            _d(row["average_price"]),
            _d(row["last_price"]),
            _d(row["close_price"]),
        )
        assert average == paise(average)  # the average the row shows…
        assert _d(row["pnl"]) == paise((last - average) * held)  # …is the one its P&L is on
        assert _d(row["day_change"]) == last - close  # at the same last price
        invested += paise(average * held)
        current += paise(last * held)
        pnl += _d(row["pnl"])
        day += _d(row["day_change"]) * held
    assert pnl == current - invested  # the summary's total P&L is its rows'
    # Kite's own P&L of the row is on its unrounded average: not what the row shows
    (kites,) = [r for r in fake.kite.book.holdings() if r["tradingsymbol"] == "INFY"]
    assert _d(kites["average_price"]) == _d(infy["average_price"])
    assert _d(kites["pnl"]) != _d(infy["pnl"])
