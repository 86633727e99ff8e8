"""Seed 000, "Auto-execute mode": "Auto-execute respects the strategy's risk rules: if a signal
would breach a daily loss limit, sector cap, or position count, it's rejected with the reason
logged." The agent (in process, auto-executing) against the real server over loopback and the
fake Kite: the user's rule, made in TraderTape; the agent's synced book (unscaled: the cloud
judges it, `services.agent.signals.pending`); the scan's entry refused by the cloud's gate,
logged by the agent with the rule's words, never placed; the web app shows it rejected with
the same words. (With obfuscation on the agent judges the rupee and % rules itself:
test_local_risk.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
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
from tradertape_agent.engine import Agent, CycleReport
from tradertape_agent.journal import Journal

# test_e2e_kite's server, fake Kite and settings file (its fixtures, here).
kite_app, hold, fake, alice, cloud_url, agent, clock = (
    kite.kite_app,
    kite.hold,
    kite.fake,
    kite.alice,
    kite.cloud_url,
    kite.agent,
    kite.clock,
)


class Auto:
    """The agent in auto-execute mode, in process, its log kept."""

    def __init__(self, agent: AgentProcess, fake: Fake, clock: ManualClock) -> None:
        config = load(agent.path)
        assert config.auto_execute
        self.lines: list[str] = []
        self.agent = Agent(
            config,
            Cloud(config.cloud_url, config.api_key),
            {"kite": kite_at(fake, config.kite_access_token)},
            Journal(journal_path(agent.path)),
            clock=clock.now,
            log=self.lines.append,
        )

    def close(self) -> None:
        self.agent.journal.close()
        self.agent.cloud.close()


@pytest.fixture
def auto(agent: AgentProcess, fake: Fake, clock: ManualClock) -> Iterator[Auto]:
    made = Auto(agent, fake, clock)
    yield made
    made.close()


def rule(alice: TestClient, **body: Any) -> None:
    made = alice.post("/api/risk/rules", json=body)
    assert made.status_code == 201, made.text


def scan(alice: TestClient, **changes: Any) -> list[int]:
    portfolio = _deploy(alice, **(kite.AGENT_PORTFOLIO | changes))
    entries: list[int] = _scan(alice, portfolio["id"])["entries"]
    return entries


def refused_in_tradertape(alice: TestClient, sid: int) -> str:
    """The signal as the web app shows it: rejected, with the gate's words."""
    signal = kite.signal_of(alice, sid)
    assert signal["status"] == "rejected"
    error: str = signal["error"]
    return error


def logged(auto: Auto, report: CycleReport, sid: int) -> str:
    """The agent's words for the refusal: in its report (the UI's) and in its log."""
    [said] = [line for line in report.refused if f"signal {sid}" in line]
    assert any(said in line for line in auto.lines)
    return said


def test_a_daily_loss_limit_reached_refuses_the_entry_and_the_agent_logs_why(
    alice: TestClient, auto: Auto, fake: Fake
):
    """INFY 100 held at Kite, yesterday's close 100, now 90: today's loss is
    100 × (100 − 90) = ₹1,000.00, at or over a ₹500.00 limit."""
    fake.kite.book.add_holding("NSE:INFY", 100, Decimal(95))
    fake.price("NSE:INFY", 90)
    rule(alice, type="daily_loss_limit", threshold_amount="500")
    auto.agent.cycle()  # the agent's book reaches the cloud
    (sid,) = scan(alice)

    report = auto.agent.cycle()

    words = "Order rejected by risk rule: today's loss ₹1,000.00 has reached the ₹500.00 limit"
    assert words in logged(auto, report, sid)
    assert refused_in_tradertape(alice, sid) == words
    assert fake.kite.book.gtts == {}


def test_a_sector_cap_refuses_the_entry_and_the_agent_logs_why(
    alice: TestClient, auto: Auto, fake: Fake
):
    """A 0.01 % sector cap: no entry of a scan fits ₹100-odd of the fake's ₹10,00,000."""
    rule(alice, type="max_sector_exposure_pct", threshold_pct="0.01")
    auto.agent.cycle()
    (sid,) = scan(alice)

    report = auto.agent.cycle()

    words = refused_in_tradertape(alice, sid)
    assert words.startswith("Order rejected by risk rule: ")
    assert " exposure would reach ₹" in words
    assert "over 0.01% of capital (₹" in words
    assert words in logged(auto, report, sid)
    assert fake.kite.book.gtts == {}


def test_a_position_count_refuses_the_entry_past_it_and_places_the_one_within(
    alice: TestClient, auto: Auto, fake: Fake
):
    rule(alice, type="max_open_positions", threshold_count=1)
    auto.agent.cycle()
    first, second = scan(alice, max_positions=2)

    report = auto.agent.cycle()

    words = "Order rejected by risk rule: a new position would make 2 open, over the limit of 1"
    assert refused_in_tradertape(alice, second) == words
    assert words in logged(auto, report, second)
    placed = kite.signal_of(alice, first)
    assert (placed["status"], placed["gtt_status"]) == ("approved", "active")
    assert len(fake.kite.book.gtts) == 1
