"""The release notes behind Settings → Trading agent: the "latest version" banner compares
the version an agent reports with the newest release of CHANGELOG.md, and What's new is the
file itself. Every distribution of a release says the same version."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.agent.e2e_kit import ROOT
from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.services.agent import release
from tradertape_agent import __version__ as agent_version

NOTES = """# Changelog

Words before the first release.

## 0.2.0 — 2026-12-01

- An item before any section,
  continued on the next line.

### Local agent

- Faster.
* Smaller.

## 0.1.0

### Server
- First.
"""


def test_a_changelog_is_read_release_by_release():
    newest, first = release.parse(NOTES)
    assert (newest.version, newest.day) == ("0.2.0", date(2026, 12, 1))
    assert [(s.title, s.items) for s in newest.sections] == [
        ("Changes", ("An item before any section, continued on the next line.",)),
        ("Local agent", ("Faster.", "Smaller.")),
    ]
    assert (first.version, first.day, first.sections[0].items) == ("0.1.0", None, ("First.",))


versions = st.lists(st.integers(0, 30), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)


@given(versions, versions)
def test_outdated_is_an_order_on_the_numbers(a: str, b: str):
    def key(v: str) -> tuple[int, ...]:
        parts = [int(p) for p in v.split(".")]
        return tuple(parts + [0] * (4 - len(parts)))

    assert release.outdated(a, b) == (key(a) < key(b))
    assert not (release.outdated(a, b) and release.outdated(b, a))


@pytest.mark.parametrize("version", [None, "", "dev", "not a version"])
def test_an_unknown_version_is_never_called_outdated(version: str | None):
    assert release.outdated(version, "0.1.0") is False


def test_every_distribution_says_the_changelogs_newest_version():
    newest = release.latest_version()
    assert newest == agent_version
    for folder in (ROOT, ROOT / "agent", ROOT / "brokers/python", ROOT / "sdk/python"):
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
        assert project["version"] == newest, folder


def test_the_banner_and_whats_new(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    issued = client.post("/api/agent/keys", json={"name": "old laptop"}).json()["api_key"]
    agent = TestClient(client.app)
    old = {"Authorization": f"Bearer {issued}", "X-Agent-Version": "0.0.9"}
    assert agent.get("/api/agent/pending-signals", headers=old).status_code == 200

    status = client.get("/api/trading-agent/status").json()

    assert status["latest_version"] == agent_version
    assert (status["agents"][0]["version"], status["agents"][0]["outdated"]) == ("0.0.9", True)
    agent.get("/api/agent/pending-signals", headers=old | {"X-Agent-Version": agent_version})
    assert client.get("/api/trading-agent/status").json()["agents"][0]["outdated"] is False
    notes = client.get("/api/trading-agent/release").json()
    assert notes["latest_version"] == agent_version
    assert notes["releases"][0]["version"] == agent_version
    assert any(s["title"] == "Local agent" for s in notes["releases"][0]["sections"])
    refused = agent.get("/api/trading-agent/release", headers={"Authorization": f"Bearer {issued}"})
    assert refused.status_code == 401  # the web app's, not the key's
