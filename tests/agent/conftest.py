"""The agent against the fake Kite (served on loopback) and a fake cloud (in process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.agent.cloud_kit import KEY, FakeCloud
from tests.brokers.kite.conftest import Fake, Sleeps
from tests.serving import serve
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET, create_app
from tradertape.ports.clock import ManualClock
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import CONFIG_ENV, Config, journal_path
from tradertape_agent.engine import Agent
from tradertape_agent.journal import Journal
from tradertape_brokers.kite import KITE_LIMITS, KiteBroker, RateLimiter


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[Fake]:
    app = create_app(clock=clock.now, holdings={})
    with serve(app) as url, httpx.Client(timeout=5) as http:
        yield Fake(url, app.state.kite, http)


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "agent.json"
    monkeypatch.setenv(CONFIG_ENV, str(path))
    return path


@pytest.fixture
def config(fake: Fake) -> Config:
    return Config(
        cloud_url="http://cloud.test",
        api_key=KEY,
        primary_broker="kite",
        kite_api_key=DEFAULT_API_KEY,
        kite_api_secret=DEFAULT_API_SECRET,
        kite_access_token=fake.login().access_token,
        kite_root=fake.url,
        auto_execute=True,
        obfuscation_factor="0.137",
        obfuscation_salt="s" * 32,
    )


def kite_at(fake: Fake, token: str) -> KiteBroker:
    """An adapter on the fake (a fresh one remembers nothing: as after a restart)."""
    sleeps = Sleeps()  # the pacer's waits pass on a fake clock
    limiter = RateLimiter(KITE_LIMITS, monotonic=sleeps.monotonic, sleep=sleeps.sleep)
    return KiteBroker(
        api_key=DEFAULT_API_KEY, access_token=token, root=fake.url, timeout_secs=2, limiter=limiter
    )


class Agents:
    """Builds agents sharing one journal file, as one machine's agent across restarts."""

    def __init__(
        self, tmp_path: Path, config: Config, cloud: FakeCloud, fake: Fake, clock: ManualClock
    ):
        self.path = journal_path(tmp_path / "agent.json")
        self.config, self.cloud, self.fake, self.clock = config, cloud, fake, clock
        self.lines: list[str] = []
        self.opened: list[Agent] = []

    def new(self) -> Agent:
        client = Cloud(self.config.cloud_url, self.config.api_key, transport=self.cloud.transport())
        broker = kite_at(self.fake, self.config.kite_access_token)
        agent = Agent(
            self.config,
            client,
            {"kite": broker},
            Journal(self.path),
            clock=self.clock.now,
            log=self.lines.append,
        )
        self.opened.append(agent)
        return agent

    def close(self) -> None:
        for agent in self.opened:
            agent.journal.close()
            agent.cloud.close()


@pytest.fixture
def agents(
    tmp_path: Path, config: Config, cloud: FakeCloud, fake: Fake, clock: ManualClock
) -> Iterator[Agents]:
    made = Agents(tmp_path, config, cloud, fake, clock)
    yield made
    made.close()
