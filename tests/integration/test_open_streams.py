"""Open streams on a real server: a stream holds no database slot while it waits, and one
user holds at most `streams_per_user` of them (a 429 with Retry-After beyond), each place
given back when its client leaves (`serving.open_streams`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.helpers import make_user
from tradertape.db.engine import Database
from tradertape.db.models import BacktestRun, User
from tradertape.runtime import Runtime
from tradertape.serving.admission import Gates
from tradertape.settings import Settings

PROMPT_S = 2.0  # the old failure: every other request waited its 5 s, then a 503


def _gate_capacity(database: Database, settings: Settings) -> int:
    gates = Gates.for_database(
        database, stranger_slots=settings.credential_check_slots, max_waiting=1, wait_s=1
    )
    return gates.requests.capacity


@pytest.fixture
def settings(settings: Settings, database: Database) -> Settings:
    # One user may open more streams than the request gate has slots: they must not take them.
    per_user = _gate_capacity(database, settings) + 2
    quick = {
        "streams_per_user": per_user,
        "worker_stream_poll_secs": 0.05,
        "worker_stream_heartbeat_secs": 0.2,
    }
    return settings.model_copy(update=quick)


def _signed_in(runtime: Runtime, email: str) -> tuple[int, str]:
    """A new user's id and session cookie."""
    user_id = make_user(runtime, email)
    with runtime.db.session() as db:
        user = db.get_one(User, user_id)
        return user_id, runtime.sessions.start(db, user=user, ip=None, user_agent=None)


def _running_backtest(runtime: Runtime, user_id: int) -> int:
    """A backtest row still running, whose progress stream stays open."""
    now = runtime.clock.now()
    with runtime.db.session() as db:
        row = BacktestRun(
            user_id=user_id,
            strategy_name="held open",
            strategy_snapshot={},
            config={},
            status="running",
            stage="simulating",
            duration_ms=0.0,
            summary={},
            timings_ms={},
            equity_curve=[],
            trades=[],
            created_at=now,
            heartbeat_at=now,
        )
        db.add(row)
        db.commit()
        return row.id


async def _open(client: httpx.AsyncClient, path: str, stack: AsyncExitStack) -> httpx.Response:
    """A stream's answer, its body left to read (closed with `stack`)."""
    response = await client.send(client.build_request("GET", path), stream=True)
    stack.push_async_callback(response.aclose)
    return response


async def _first_event(lines: AsyncIterator[str]) -> str:
    """The name of the stream's first event (`lines` kept open: leaving its loop would close
    the stream)."""
    while not (line := await anext(lines)).startswith("event:"):
        pass
    return line.split(":", 1)[1].strip()


def test_one_users_streams_leave_others_served_and_are_capped(
    server: str, runtime: Runtime, settings: Settings
):
    user_id, streamer = _signed_in(runtime, "streams@x.in")
    _, other = _signed_in(runtime, "other@x.in")
    path = f"/api/backtest/runs/{_running_backtest(runtime, user_id)}/events"
    cap = settings.streams_per_user

    async def run() -> None:
        limits = httpx.Limits(max_connections=cap + 10)
        timeout = httpx.Timeout(30)  # a first request on a busy machine may be slow; see PROMPT_S
        mine = {"Cookie": f"kite_session={streamer}"}
        async with (
            httpx.AsyncClient(base_url=server, limits=limits, timeout=timeout, headers=mine) as me,
            httpx.AsyncClient(base_url=server, timeout=timeout) as them,
            AsyncExitStack() as stack,
        ):
            streams: list[httpx.Response] = []
            for _ in range(cap):
                streams.append(await _open(me, path, stack))
            assert [s.status_code for s in streams] == [200] * cap
            # Each stream has read under a slot of its own, and given it back.
            lines = [s.aiter_lines() for s in streams]
            progress = await asyncio.gather(*(_first_event(each) for each in lines))
            assert progress == ["progress"] * cap

            started = time.perf_counter()
            answer = await them.get("/api/auth/me", headers={"Cookie": f"kite_session={other}"})
            assert answer.status_code == 200, answer.text
            assert time.perf_counter() - started < PROMPT_S

            over = await _open(me, path, stack)  # not read unless refused: a stream never ends
            assert over.status_code == 429
            await over.aread()
            assert int(over.headers["retry-after"]) >= 1
            assert "too many open streams" in over.json()["detail"]

            await streams.pop().aclose()  # a tab closed: its place comes back
            deadline = time.monotonic() + 5
            while (again := await _open(me, path, stack)).status_code == 429:
                assert time.monotonic() < deadline, "the closed stream's place never came back"
                await asyncio.sleep(0.005)  # a poll, as `eventually` polls
            assert again.status_code == 200

    asyncio.run(run())
