"""The algo id (``TRADERTAPE_ALGO_ID``) travels with every live order where the broker takes
one: Upstox's ``X-Algo-Name`` header (the fake keeps what it heard); Groww's order API has no
such field, so only our row records it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.live.conftest import Venue
from tests.integration.live.test_live_orders_upstox_groww import connect
from tests.live_kit import BUY, ours
from tests.upstox_kit import FakeUpstox
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.db

ALGO = "TT-ALGO-7"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"algo_id": ALGO})


def test_a_live_order_carries_the_algo_id_where_the_broker_takes_one(
    client: TestClient, runtime: Runtime, venue: Venue, request: pytest.FixtureRequest
):
    connect(client, runtime, venue)
    venue.price("NSE:INFY", 1500)

    placed = client.post("/api/orders", json=BUY)

    assert placed.status_code == 201, placed.text
    assert placed.json()["algo_id"] == ALGO
    [row] = ours(runtime)
    assert row.algo_id == ALGO
    if venue.name == "upstox":
        fake: FakeUpstox = request.getfixturevalue("upstox")
        assert fake.state()["algo_ids"] == {row.broker_order_id: ALGO}
