"""Kite's login relayed by the cloud (the secret stays with the agent), and the agent's prices
agreeing with the server's scanner when a signal leaves them out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.agent.cloud_kit import KEY, FakeCloud, entry_signal
from tests.brokers.kite.conftest import Fake
from tradertape.fakebrokers.kite import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tradertape.ports.clock import ManualClock
from tradertape.services.portfolios.scanner import entry_prices as server_entry_prices
from tradertape_agent import pricing
from tradertape_agent.cli import Runner
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, load, save


def test_a_kite_request_token_from_the_cloud_becomes_the_agents_session(
    tmp_path: Path, fake: Fake, cloud: FakeCloud, clock: ManualClock
):
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url="http://cloud.test",
        api_key=KEY,
        kite_api_key=DEFAULT_API_KEY,
        kite_api_secret=DEFAULT_API_SECRET,
        kite_root=fake.url,
        auto_execute=True,
    )
    save(config, path)
    cloud.request_token = fake.request_token()  # the web app's Kite login left it
    lines: list[str] = []
    runner = Runner(
        path,
        say=lines.append,
        cloud=lambda url, key: Cloud(url, key, transport=cloud.transport()),
        clock=clock.now,
    )

    assert runner.run(once=True) == 0

    assert "[agent] Health: cloud=ok broker=not-connected poll=30s" in lines
    assert "[agent] kite: logged in (token relayed by the cloud)" in lines
    saved = load(path)
    assert saved.kite_access_token
    [pushed] = cloud.access_tokens
    assert pushed["access_token"] == saved.kite_access_token
    assert DEFAULT_API_SECRET not in str(cloud.access_tokens)

    cloud.signals = [entry_signal(21)]
    assert runner.run(once=True) == 0  # a restart: the saved session is used
    assert "[agent] Loaded brokers: kite" in lines
    assert [r["outcome"] for r in cloud.results] == ["placed"]


@pytest.mark.parametrize(
    ("close", "buffer"), [("1500.00", 1.0), ("99.95", 0.5), ("2487.35", 0.0), ("13.05", 2.5)]
)
def test_derived_entry_prices_are_the_servers(close: str, buffer: float):
    signal = entry_signal(1, close_price=close, entry_buffer_pct=buffer)
    signal.update(trigger_price=None, limit_price=None)
    assert pricing.entry_prices(signal) == server_entry_prices(Decimal(close), buffer)


def test_prices_are_on_the_tick_grid():
    assert pricing.to_tick(Decimal("100.013"), up=True) == Decimal("100.02")
    assert pricing.to_tick(Decimal("300.01"), up=True) == Decimal("300.05")
    assert pricing.to_tick(Decimal("1440.29"), up=False) == Decimal("1440.20")
    assert pricing.to_tick(Decimal("7000.10"), up=True) == Decimal("7000.50")
