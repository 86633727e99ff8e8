"""Each assistant key's calls are counted per minute (in the database: every server process
shares the count); past the limit a call is refused and audited, until the minute ends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.mcp.conftest import connected, issue_key, text_of, user_with_key
from tradertape.db.engine import Database
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.audit import trail
from tradertape.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def runtime(settings: Settings, clock: ManualClock, database: Database) -> Runtime:
    limited = settings.model_copy(update={"assistant_calls_per_minute": 3})
    return Runtime.build(limited, clock=clock, db=database, transport=LogTransport(), wall=clock)


async def test_a_key_past_its_calls_a_minute_waits_and_another_key_does_not(
    runtime: Runtime, clock: ManualClock
):
    user_id, secret = user_with_key(runtime, "read")
    other = issue_key(runtime, user_id, "read", name="other")
    async with connected(runtime, secret) as client:
        answers = [await client.call_tool("account", {}) for _ in range(4)]
        async with connected(runtime, other) as second:
            others = await second.call_tool("account", {})
        clock.advance(timedelta(seconds=61))
        later = await client.call_tool("account", {})

    assert [a.is_error for a in answers] == [False, False, False, True]
    assert "too many calls" in text_of(answers[-1])
    assert not others.is_error
    assert not later.is_error
    with runtime.db.session() as db:
        outcomes = [e.payload["outcome"][:7] for e in trail.entries(db, user_id=user_id)]
    assert outcomes == ["ok", "ok", "ok", "refused", "ok", "ok"]
