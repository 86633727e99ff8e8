"""Groww from the agent UI's Brokers page: it has no login page, so its session is minted on
this machine by its key flow (the key and its secret, or a TOTP key and today's code), the
broker loaded at once and the access token handed to the cloud (the secret stays here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.agent.cloud_kit import KEY, FakeCloud
from tests.serving import serve
from tradertape.fakebrokers.groww import create_app
from tradertape.ports.clock import ManualClock
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, journal_path, load, save
from tradertape_agent.engine import Agent
from tradertape_agent.journal import Journal
from tradertape_agent.ui import security
from tradertape_agent.ui.app import UiState
from tradertape_agent.ui.app import create_app as create_ui

API_KEY = "growwkey-0001"
API_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP = "123456"
HOME = "http://localhost:5679"
SAME = {"Origin": HOME, "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def groww_url() -> Iterator[str]:
    # the approval checksum carries the wall clock's time: the fake's clock is now too
    app = create_app(
        clock=ManualClock(datetime.now(UTC)), api_keys={API_KEY: API_SECRET}, totp=TOTP
    )
    with serve(app) as url:
        yield url


@pytest.fixture
def ui(tmp_path: Path, groww_url: str) -> Iterator[tuple[TestClient, Agent, FakeCloud, Path]]:
    cloud = FakeCloud()
    config = Config(
        cloud_url="http://cloud.test",
        api_key=KEY,
        primary_broker="groww",
        groww_api_key=API_KEY,
        groww_api_secret=API_SECRET,
        groww_root=groww_url,
    )
    path = tmp_path / "agent.json"
    save(config, path)
    client = Cloud(config.cloud_url, KEY, transport=cloud.transport())
    agent = Agent(config, client, {}, Journal(journal_path(path)), log=lambda _: None)
    state = UiState(agent, path, security.HostCheck.for_machine(hostname="trader-pi"))
    with TestClient(create_ui(state), base_url=HOME) as page:
        yield page, agent, cloud, path
    agent.journal.close()
    client.close()


def _groww(page: TestClient) -> dict[str, object]:
    rows = page.get("/api/brokers").json()["brokers"]
    found: dict[str, object] = next(r for r in rows if r["broker"] == "groww")
    return found


def test_groww_logs_in_by_its_key_and_secret_from_the_brokers_page(
    ui: tuple[TestClient, Agent, FakeCloud, Path],
):
    page, agent, cloud, path = ui
    before = _groww(page)
    assert (before["state"], before["login"], before["primary"]) == ("not-connected", "key", True)

    answer = page.post("/api/brokers/groww/login", json={}, headers=SAME)

    assert answer.status_code == 200, answer.text
    assert answer.json()["logged_in"] is True
    assert answer.json()["expires_at"]  # the next 06:00 IST
    assert "groww" in agent.brokers  # loaded at once: no restart
    assert _groww(page)["state"] == "connected"
    saved = load(path)
    assert saved.groww_access_token
    assert [t["broker"] for t in cloud.access_tokens] == ["groww"]
    assert cloud.access_tokens[0]["access_token"] == saved.groww_access_token
    assert API_SECRET not in str(cloud.access_tokens)  # the secret never leaves
    assert page.get("/api/holdings").json()["trouble"] == []


def test_a_totp_key_logs_in_with_the_code_and_a_wrong_one_is_said(
    ui: tuple[TestClient, Agent, FakeCloud, Path],
):
    page, agent, _, _ = ui
    wrong = page.post("/api/brokers/groww/login", json={"totp": "000000"}, headers=SAME)
    assert wrong.status_code == 422
    assert wrong.json()["detail"].startswith("groww: Groww refused the key")
    assert "groww" not in agent.brokers
    typo = page.post("/api/brokers/groww/login", json={"totp": "12a456"}, headers=SAME)
    assert typo.status_code == 422
    assert typo.json()["detail"].startswith("totp:")

    right = page.post("/api/brokers/groww/login", json={"totp": TOTP}, headers=SAME)

    assert right.status_code == 200, right.text
    assert "groww" in agent.brokers


def test_a_wrong_secret_is_refused_and_nothing_saved(
    ui: tuple[TestClient, Agent, FakeCloud, Path],
):
    page, agent, cloud, path = ui
    agent.config.groww_api_secret = "not-the-secret"
    answer = page.post("/api/brokers/groww/login", json={}, headers=SAME)
    assert answer.status_code == 422
    assert "Groww refused the key" in answer.json()["detail"]
    assert (load(path).groww_access_token, cloud.access_tokens) == ("", [])


def test_a_login_from_another_site_is_refused(ui: tuple[TestClient, Agent, FakeCloud, Path]):
    page, agent, _, _ = ui
    answer = page.post(
        "/api/brokers/groww/login", json={}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert "groww" not in agent.brokers
