"""Seed 000, "Multi-broker setup": every broker with a key and a secret in the settings file is
loaded; the primary executes the signals, the others are read-only (their holdings and
positions are synced and shown, no order goes to them); "to switch primary brokers, edit the
file and restart the agent. (No hot-reload — the broker connection is established at
startup.)" The agent as `tradertape-agent run` starts it (`cli.Runner`), against the fake Kite,
the fake Upstox and the fake cloud."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.agent.cloud_kit import KEY, FakeCloud, entry_signal
from tests.agent.test_e2e_upstox import upstox_token
from tests.brokers.kite.conftest import Fake
from tests.serving import serve
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape.fakebrokers.upstox import create_app as create_upstox
from tradertape.ports.clock import ManualClock
from tradertape_agent.cli import Runner
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, load, save
from tradertape_agent.engine import Agent


@pytest.fixture
def upstox(clock: ManualClock) -> Iterator[str]:
    with serve(create_upstox(now=clock.now, feed_interval_secs=None)) as root:
        yield root


def upstox_gtts(root: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{root}/_control/state", timeout=5).json()["gtts"]
    return rows


def kite_gtts(fake: Fake) -> list[dict[str, Any]]:
    return list(fake.kite.book.gtts.values())


@pytest.fixture
def settings(tmp_path: Path, fake: Fake, upstox: str) -> Path:
    """Kite and Upstox both configured (key, secret and today's session); Kite primary."""
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url="http://cloud.test",
        api_key=KEY,
        primary_broker="kite",
        kite_api_key=DEFAULT_API_KEY,
        kite_api_secret=DEFAULT_API_SECRET,
        kite_access_token=fake.login().access_token,
        kite_root=fake.url,
        kite_pace=10,
        upstox_api_key="upstox-app",
        upstox_api_secret="upstox-secret",
        upstox_access_token=upstox_token(upstox),
        upstox_root=upstox,
        auto_execute=True,
        ui_port=0,
    )
    save(config, path)
    return path


class Starts:
    """`tradertape-agent run`'s start-up, as often as the test restarts it."""

    def __init__(self, path: Path, cloud: FakeCloud, clock: ManualClock) -> None:
        self.path, self.cloud, self.clock = path, cloud, clock
        self.lines: list[str] = []
        self.running: list[Agent] = []

    def start(self) -> Agent:
        for agent in self.running:  # the previous run stops first
            agent.journal.close()
            agent.cloud.close()
        runner = Runner(
            self.path,
            say=self.lines.append,
            cloud=lambda url, key: Cloud(url, key, transport=self.cloud.transport()),
            clock=self.clock.now,
            serve_ui=False,
        )
        agent = runner.start()
        self.running = [agent]
        return agent


@pytest.fixture
def starts(settings: Path, cloud: FakeCloud, clock: ManualClock) -> Iterator[Starts]:
    made = Starts(settings, cloud, clock)
    yield made
    for agent in made.running:
        agent.journal.close()
        agent.cloud.close()


def test_every_configured_broker_is_loaded_and_only_the_primary_places(
    starts: Starts, cloud: FakeCloud, fake: Fake, upstox: str
):
    agent = starts.start()
    assert "[agent] Primary broker: kite" in starts.lines
    assert "[agent] Loaded brokers: kite, upstox" in starts.lines

    cloud.signals = [entry_signal(1)]
    agent.cycle()

    assert [g["status"] for g in kite_gtts(fake)] == ["active"]
    assert upstox_gtts(upstox) == []  # read-only: no order goes to it
    assert [r["outcome"] for r in cloud.results] == ["placed"]
    # ... but its holdings and positions are read and reported, as the primary's are
    assert {h["broker"] for h in cloud.holdings} == {"kite", "upstox"}
    assert {p["broker"] for p in cloud.positions} == {"kite", "upstox"}


def test_the_primary_broker_switches_by_editing_the_file_and_restarting(
    starts: Starts, cloud: FakeCloud, fake: Fake, upstox: str
):
    agent = starts.start()
    cloud.signals = [entry_signal(1)]
    agent.cycle()
    assert len(kite_gtts(fake)) == 1

    edited = load(starts.path)
    edited.primary_broker = "upstox"
    save(edited, starts.path)
    cloud.signals = [entry_signal(2)]
    agent.cycle()  # no hot-reload: the running agent keeps the primary it started with
    assert len(kite_gtts(fake)) == 2
    assert upstox_gtts(upstox) == []

    restarted = starts.start()
    assert "[agent] Primary broker: upstox" in starts.lines
    cloud.signals = [entry_signal(3)]
    restarted.cycle()

    assert len(kite_gtts(fake)) == 2  # nothing more at Kite
    [placed] = upstox_gtts(upstox)  # by the signal's ISIN, Upstox's instrument key
    assert "INE009A01021" in str(placed)
    outcomes = [(r["signal_id"], r["outcome"]) for r in cloud.results]
    assert outcomes == [(1, "placed"), (2, "placed"), (3, "placed")]
