"""A walk-forward through the assistant: started with a read key (research, as a backtest
is), followed to its end, read back with its verdict; another user's run is not found."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_sweeps_api import _frames, _v1_id
from tests.api.test_walk_forwards_api import BASE, _body
from tests.helpers import sign_in
from tests.mcp.conftest import connected, issue_key, structured, text_of, user_with_key
from tradertape.runtime import Runtime
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sweep_workers": 1, "worker_stream_poll_secs": 0.02})


async def test_a_walk_forward_is_started_followed_and_read(
    client: TestClient, with_candles: Runtime
):
    runtime = with_candles
    user_id = sign_in(client, runtime, "wf@x.in")
    secret = issue_key(runtime, user_id, "read")
    body = _body(_v1_id(client))
    async with connected(runtime, secret) as assistant:
        started = structured(await assistant.call_tool("start_walk_forward", {"request": body}))
        assert (started["status"], started["variant_count"]) == ("queued", 2)
        *_, (_, end) = _frames(client, f"{BASE}/{started['id']}/events")
        assert end["status"] == "completed"
        run = structured(await assistant.call_tool("walk_forward", {"run_id": started["id"]}))
        listed = structured(await assistant.call_tool("list_walk_forwards", {}))

    assert run == client.get(f"{BASE}/{started['id']}").json()  # the API's own answer
    assert len(run["folds"]) == started["fold_count"]
    assert run["summary"]["pbo"] is not None
    assert [row["id"] for row in listed["rows"]] == [started["id"]]

    _, other = user_with_key(runtime, "read", "other@x.in")
    async with connected(runtime, other) as stranger:
        missing = await stranger.call_tool("walk_forward", {"run_id": started["id"]})
    assert missing.is_error
    assert "not found" in text_of(missing).lower()
