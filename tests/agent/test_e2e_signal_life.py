"""One signal life on both sides: the agent (in process) against the real server over
loopback and the fake Kite. What the user decides in the agent's UI reaches TraderTape at the
next poll (the web app shows it), what TraderTape decides leaves the agent's UI at the next
poll, and signals waiting for approval in TraderTape are listed in the agent with Approve and
Reject."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.agent import test_e2e_kite as kite
from tests.agent.conftest import kite_at
from tests.agent.e2e_kit import AgentProcess
from tests.api.test_model_api import _deploy, _scan
from tests.brokers.kite.conftest import Fake
from tradertape.ports.clock import ManualClock
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import journal_path, load
from tradertape_agent.engine import Agent
from tradertape_agent.journal import Journal
from tradertape_agent.ui.views import Views

# The same server, fake Kite and settings file as test_e2e_kite's (its fixtures, here); the
# server's clocks are the tests' (market and wall: START), and so is the agent's.
kite_app, hold, fake, alice, cloud_url, agent = (
    kite.kite_app,
    kite.hold,
    kite.fake,
    kite.alice,
    kite.cloud_url,
    kite.agent,
)
signal_of = kite.signal_of


@pytest.fixture
def running(agent: AgentProcess, fake: Fake, clock: ManualClock) -> Iterator[Agent]:
    """The agent in manual mode, in process (its UI's views read it)."""
    config = load(agent.path)
    config.auto_execute = False
    cloud = Cloud(config.cloud_url, config.api_key)
    one = Agent(
        config,
        cloud,
        {"kite": kite_at(fake, config.kite_access_token)},
        Journal(journal_path(agent.path)),
        clock=clock.now,
        log=lambda _line: None,
    )
    yield one
    one.journal.close()
    cloud.close()


def shown(agent: Agent) -> dict[int, str]:
    """The agent UI's Signals page: each signal's state."""
    return {row["id"]: row["state"] for row in Views(agent).signals()["signals"]}


def scan(alice: TestClient, **changes: Any) -> list[int]:
    portfolio = _deploy(alice, **(kite.AGENT_PORTFOLIO | changes))
    entries: list[int] = _scan(alice, portfolio["id"])["entries"]
    return entries


def test_a_reject_in_the_agent_rejects_the_signal_in_tradertape_within_one_poll(
    alice: TestClient, running: Agent, fake: Fake
):
    (sid,) = scan(alice)
    running.cycle()
    assert shown(running) == {sid: "waiting"}

    running.decide(sid, "rejected")
    running.cycle()

    assert signal_of(alice, sid)["status"] == "rejected"  # the web app
    assert shown(running) == {}  # no longer handed out
    assert fake.kite.book.gtts == {}


def test_tradertape_rejecting_a_carted_signal_takes_it_off_the_agent_within_one_poll(
    alice: TestClient, running: Agent
):
    (sid,) = scan(alice)
    running.cycle()
    assert shown(running) == {sid: "waiting"}

    rejected = alice.post(f"/api/model/signals/{sid}/reject")
    assert rejected.status_code == 200, rejected.text
    running.cycle()

    assert shown(running) == {}


def test_signals_waiting_for_approval_are_listed_and_approve_or_reject_reaches_tradertape(
    alice: TestClient, running: Agent, fake: Fake
):
    waiting = scan(alice, auto_place_signals=False, max_positions=2)
    assert len(waiting) == 2
    first, second = waiting
    running.cycle()
    assert shown(running) == {first: "awaiting", second: "awaiting"}
    assert [signal_of(alice, s)["status"] for s in waiting] == ["pending_approval"] * 2

    running.decide(first, "approved")
    running.decide(second, "rejected")
    running.cycle()  # the decisions first; then the poll hands the approved one out: placed

    assert signal_of(alice, second)["status"] == "rejected"
    placed = signal_of(alice, first)
    assert (placed["status"], placed["gtt_status"]) == ("approved", "active")
    assert len(fake.kite.book.gtts) == 1
    running.cycle()
    assert shown(running) == {}  # placed: TraderTape no longer hands it out
