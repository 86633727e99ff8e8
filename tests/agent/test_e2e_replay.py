"""The agent end to end against a server whose market clock stands at a past session (as the
simulated feed holds it after 15:30, or replays it in ``demo``) while real time has moved on:
its reports, stamped with its machine's clock, are accepted. And a crash after the cloud
recorded a result but before the agent did: the result goes again after the restart and is
booked once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.agent import test_e2e_kite as kite
from tests.agent.conftest import kite_at
from tests.agent.e2e_kit import AgentProcess
from tests.brokers.kite.conftest import Fake
from tests.conftest import START
from tradertape.db.engine import Database
from tradertape.db.models import AgentSignalResult
from tradertape.ports.clock import ManualClock, SystemClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import journal_path, load
from tradertape_agent.engine import Agent
from tradertape_agent.journal import Journal

# The same server, fake Kite and agent as test_e2e_kite's (its fixtures, here).
kite_app, hold, fake, alice, cloud_url, agent = (
    kite.kite_app,
    kite.hold,
    kite.fake,
    kite.alice,
    kite.cloud_url,
    kite.agent,
)
active_gtts, carted_signal, signal_of = kite.active_gtts, kite.carted_signal, kite.signal_of

#: The session the market clock stands at: START's day, after the close.
SESSION_CLOSE = START.replace(hour=15, minute=30)


@pytest.fixture
def clock() -> ManualClock:
    """The market clock at a past session's close, days before the wall clock."""
    return ManualClock(SESSION_CLOSE)


@pytest.fixture
def runtime(settings: Settings, clock: ManualClock, database: Database) -> Runtime:
    """The server as it runs: real time is the system's, the market's is the feed's."""
    return Runtime.build(
        settings, clock=clock, db=database, transport=LogTransport(), wall=SystemClock()
    )


def test_the_agents_reports_are_accepted_while_the_market_clock_stands_at_a_past_session(
    alice: TestClient, agent: AgentProcess, fake: Fake
):
    assert SystemClock().now() - SESSION_CLOSE > timedelta(days=1)
    signal = carted_signal(alice)

    ran = agent.once()

    assert ran.code == 0, ran.text
    assert "in the future" not in ran.text
    assert "not delivered" not in ran.text
    assert len(active_gtts(fake)) == 1
    placed = signal_of(alice, signal["id"])
    assert (placed["status"], placed["gtt_status"]) == ("approved", "active")
    assert "Outbox: 0 waiting for the cloud" in agent.run("status").out


class CrashAfterAnswer(httpx.BaseTransport):
    """The network to the cloud, which dies (kill -9) once the cloud has answered a result
    and before the agent has heard it: the cloud recorded it, the agent did not."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.armed = True
        self.results = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == "/api/agent/signal-result":
            response.read()
            self.results += 1
            if self.armed:
                self.armed = False
                raise SystemExit("killed between the cloud's answer and the journal")
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def crashing(agent: AgentProcess) -> Iterator[tuple[CrashAfterAnswer, list[Agent]]]:
    transport = CrashAfterAnswer()
    made: list[Agent] = []
    yield transport, made
    for one in made:
        one.journal.close()
        one.cloud.close()
    transport.close()


def _agent(path: Path, fake: Fake, transport: httpx.BaseTransport, made: list[Agent]) -> Agent:
    config = load(path)
    cloud = Cloud(config.cloud_url, config.api_key, transport=transport)
    broker = kite_at(fake, config.kite_access_token)
    one = Agent(config, cloud, {"kite": broker}, Journal(journal_path(path)), log=lambda _l: None)
    made.append(one)
    return one


def test_a_crash_between_the_cloud_recording_a_result_and_the_agent_resends_it_once(
    alice: TestClient,
    agent: AgentProcess,
    fake: Fake,
    with_candles: Runtime,
    crashing: tuple[CrashAfterAnswer, list[Agent]],
):
    transport, made = crashing
    signal = carted_signal(alice)
    first = _agent(agent.path, fake, transport, made)

    with pytest.raises(SystemExit):
        first.cycle()

    assert signal_of(alice, signal["id"])["status"] == "approved"  # the cloud recorded it
    assert [m.key for m in first.outbox.messages("waiting")] == [f"tt{signal['id']}e:placed"]
    first.journal.close()

    after = _agent(agent.path, fake, transport, made)  # the restart
    report = after.cycle()

    assert report.delivered[0] == f"tt{signal['id']}e:placed"
    assert transport.results == 2  # sent twice ...
    with with_candles.db.session() as db:
        rows = db.scalars(
            select(AgentSignalResult).where(AgentSignalResult.signal_id == signal["id"])
        ).all()
    assert [r.outcome for r in rows] == ["placed"]  # ... booked once
    assert len(active_gtts(fake)) == 1  # and placed at Kite once
    after_place = alice.get("/api/model/portfolios").json()[0]
    assert Decimal(after_place["committed_capital"]) == Decimal(signal["amount"])  # once
