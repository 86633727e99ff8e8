"""Upstox's login relayed by the cloud: the web app's code comes to the agent, which
exchanges it with the secret only it holds (against the fake Upstox, through the real SDK)
and pushes the access token back; the secret never goes to the cloud."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.cloud_kit import KEY, FakeCloud
from tests.upstox_kit import FakeUpstox, running_fake
from tradertape.ports.clock import ManualClock
from tradertape_agent.cli import Runner
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, load, save

CLIENT_ID, SECRET = "upstox-app", "upstox-secret-on-this-machine"
CALLBACK = "https://cloud.test/api/brokers/upstox/callback"  # the cloud's redirect URL


@pytest.fixture
def upstox(clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(clock.now) as running:
        yield running


def _runner(tmp_path: Path, upstox: FakeUpstox, cloud: FakeCloud, lines: list[str]) -> Runner:
    path = tmp_path / "agent.json"
    config = Config(
        cloud_url="https://cloud.test",
        api_key=KEY,
        primary_broker="upstox",
        upstox_api_key=CLIENT_ID,
        upstox_api_secret=SECRET,
        upstox_root=upstox.root,
    )
    save(config, path)
    return Runner(
        path,
        say=lines.append,
        cloud=lambda url, key: Cloud(url, key, transport=cloud.transport()),
        serve_ui=False,
    )


def test_an_upstox_code_from_the_cloud_becomes_the_agents_session(
    tmp_path: Path, upstox: FakeUpstox, cloud: FakeCloud
):
    code = upstox.code(CLIENT_ID, CALLBACK)  # the web app's Upstox login, handed on
    cloud.relayed["upstox"] = {"request_token": code, "redirect_uri": CALLBACK}
    lines: list[str] = []
    runner = _runner(tmp_path, upstox, cloud, lines)

    assert runner.run(once=True) == 0

    assert "[agent] upstox: logged in (token relayed by the cloud)" in lines
    saved = load(tmp_path / "agent.json")
    assert saved.upstox_access_token
    [pushed] = cloud.access_tokens
    assert pushed == {
        "broker": "upstox",
        "access_token": saved.upstox_access_token,
        "broker_user_id": "FAKE01",
    }
    assert SECRET not in str(cloud.access_tokens)
    assert cloud.relayed == {}  # asked for, and used


def test_an_older_cloud_without_the_redirect_url_means_its_own_callback(
    tmp_path: Path, upstox: FakeUpstox, cloud: FakeCloud
):
    cloud.relayed["upstox"] = {"request_token": upstox.code(CLIENT_ID, CALLBACK)}
    lines: list[str] = []

    assert _runner(tmp_path, upstox, cloud, lines).run(once=True) == 0

    assert [t["broker"] for t in cloud.access_tokens] == ["upstox"]


def test_a_refused_code_is_said_and_nothing_is_pushed(
    tmp_path: Path, upstox: FakeUpstox, cloud: FakeCloud
):
    code = upstox.code(CLIENT_ID, "https://elsewhere.test/callback")  # another redirect URL
    cloud.relayed["upstox"] = {"request_token": code, "redirect_uri": CALLBACK}
    lines: list[str] = []

    assert _runner(tmp_path, upstox, cloud, lines).run(once=True) == 0

    assert any(line.startswith("[agent] upstox: the relayed login failed") for line in lines)
    assert cloud.access_tokens == []
    assert not load(tmp_path / "agent.json").upstox_access_token
