"""An assistant's live order at the fake Kite: it waits for the user's click, is placed
once when confirmed (however often the button is pressed), and refused by the live-trading
switch like the ticket's order, staying pending."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import BUY, ours
from tests.mcp.conftest import connected, issue_key, structured
from tradertape.runtime import Runtime
from tradertape.services.accounts import assistant_keys
from tradertape.settings import Settings

pytestmark = [pytest.mark.db, pytest.mark.anyio]


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


async def test_a_live_order_waits_and_is_placed_once_when_confirmed(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    secret = issue_key(runtime, user_id, "live")
    async with connected(runtime, secret) as mcp:
        asked = structured(await mcp.call_tool("place_order", {"order": BUY}))
        assert asked["status"] == "waiting for your confirmation"
        assert fake.state()["orders"] == []
        path = f"/api/assistant/confirmations/{asked['confirmation_id']}/confirm"

        confirmed = client.post(path)
        again = client.post(path)
        told = structured(
            await mcp.call_tool("order_confirmation", {"confirmation_id": asked["confirmation_id"]})
        )

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "placed"
    assert again.status_code == 409
    [at_kite] = fake.state()["orders"]
    [order] = ours(runtime)
    assert (order.broker, order.broker_order_id) == ("kite", at_kite["order_id"])
    assert order.source == f"assistant:{asked_key_id(runtime, user_id)}"
    assert (told["status"], told["order_id"]) == ("placed", order.order_id)


async def test_with_the_users_switch_off_the_confirmation_is_refused_and_stays_pending(
    client: TestClient, runtime: Runtime, fake: Fake
):
    user_id = connect(client, runtime, fake, switch=False)
    secret = issue_key(runtime, user_id, "live")
    async with connected(runtime, secret) as mcp:
        asked = structured(await mcp.call_tool("place_order", {"order": BUY}))

    refused = client.post(f"/api/assistant/confirmations/{asked['confirmation_id']}/confirm")

    assert refused.status_code == 403
    assert fake.state()["orders"] == []
    assert ours(runtime) == []
    assert [c["status"] for c in client.get("/api/assistant/confirmations").json()] == ["pending"]


def asked_key_id(runtime: Runtime, user_id: int) -> int:
    """The user's one assistant key's id."""
    with runtime.db.session() as db:
        [row] = assistant_keys.keys.list_for(db, user_id=user_id, limit=5, offset=0)
        return row.id
