""" "Cancel all slices" of a live order Kite sliced (issue 54): each working child is
cancelled at Kite through the pipeline, our rows follow Kite's word, and asking again
sends nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_autoslice import _buy, _call
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import ours
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db
FREEZE = 1800


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


def test_cancel_all_slices_cancels_each_working_child_at_kite(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    symbol, lot = _call(runtime, fake)
    per = (FREEZE // lot) * lot
    placed = client.post("/api/orders", json=_buy(symbol, 2 * per + lot, autoslice=True))
    assert placed.status_code == 201, placed.text
    at_kite = [o["order_id"] for o in fake.state()["orders"]]
    # Kite's book (the orders page's live view) lists the children by Kite's ids.
    answer = client.post(f"/api/orders/{at_kite[0]}/slices/cancel")

    assert answer.status_code == 200, answer.text
    assert [c["status"] for c in answer.json()["children"]] == ["CANCELLED"] * 3
    assert [o["status"] for o in fake.state()["orders"]] == ["CANCELLED"] * 3
    assert [r.status for r in ours(runtime)] == ["CANCELLED"] * 3
    again = client.post(f"/api/orders/{at_kite[1]}/slices/cancel")
    assert again.status_code == 200, again.text
    assert len(fake.state()["orders"]) == 3  # nothing placed, nothing cancelled twice
