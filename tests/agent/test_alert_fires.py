"""The agent hears of alerts: each poll reads the cloud's alert fires after the last it told,
logs a line for each once (across restarts: the journal keeps the last id) and lists the
latest on the local UI's dashboard; a cloud without the route is said once, not an error."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tests.agent.cloud_kit import FakeCloud, alert_fire
from tests.agent.conftest import Agents
from tradertape_agent.config import save
from tradertape_agent.ui import security
from tradertape_agent.ui.app import UiState, create_app


def alert_lines(agents: Agents) -> list[str]:
    return [line for line in agents.lines if "🔔" in line]


def test_each_fire_is_told_once_across_a_restart(agents: Agents, cloud: FakeCloud):
    assert cloud.alert_fires is not None
    cloud.alert_fires += [alert_fire(1), alert_fire(2, price="1502", order_status="none")]
    agent = agents.new()
    report = agent.cycle()
    assert report.alerts == [
        "🔔 alert 3: NSE:INFY at 1501 — order placed",
        "🔔 alert 3: NSE:INFY at 1502",
    ]
    assert report.errors == []
    assert agent.cycle().alerts == []
    cloud.alert_fires.append(
        alert_fire(3, order_status="unwound", order_message="leg 2 was not placed: funds")
    )
    again = agents.new()  # a restart: the journal remembers the last fire told
    assert again.cycle().alerts == [
        "🔔 alert 3: NSE:INFY at 1501 — basket stopped and unwound (leg 2 was not placed: funds)"
    ]
    assert len(alert_lines(agents)) == 3
    assert [f["id"] for f in again.alerts.recent] == [3]


def test_a_cloud_without_alert_fires_is_said_once_and_polling_goes_on(
    agents: Agents, cloud: FakeCloud
):
    cloud.alert_fires = None
    agent = agents.new()
    first, second = agent.cycle(), agent.cycle()
    assert (first.errors, second.errors) == ([], [])
    assert sum("alert fires not read" in line for line in agents.lines) == 1
    assert cloud.polls == 2


def test_the_dashboard_lists_the_latest_fires(agents: Agents, cloud: FakeCloud, tmp_path: Path):
    assert cloud.alert_fires is not None
    cloud.alert_fires += [alert_fire(i, price=str(1500 + i)) for i in range(1, 8)]
    agent = agents.new()
    agent.cycle()
    path = tmp_path / "agent.json"
    save(agent.config, path)
    hosts = security.HostCheck.for_machine([], hostname="trader-pi")
    app = create_app(UiState(agent, path, hosts))
    with TestClient(app, base_url="http://localhost:5679") as ui:
        shown = ui.get("/api/dashboard").json()["status"]["alerts"]
    assert [f["id"] for f in shown] == [7, 6, 5, 4, 3]  # newest first, five of them
    assert shown[0]["line"] == "🔔 alert 3: NSE:INFY at 1507 — order placed"
