"""Seed 000's promises for the local agent, each answered in agent/README.md ("What the seed
promises and where it is tested"): a test that keeps it, or the reason it is not kept as
worded. This file holds the table to its word (every test it names exists) and keeps the
promises of the settings file that no other test reads."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

from tradertape_agent.config import Config, load

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "agent" / "README.md"
SECTION = "## What the seed promises and where it is tested"
#: ``tests/agent/test_x.py::test_y`` or ``agent/web/e2e/agent.spec.ts::"a test's title"``.
CITED = re.compile(r"`((?:tests|web|agent)/[\w/.-]+\.(?:py|ts))::([^`]+)`")


def rows() -> list[tuple[str, str]]:
    """The section's table: (promise, where it is kept or why not)."""
    text = README.read_text()
    assert SECTION in text
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = []
    for line in body.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if not line.startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-", " "}:
            continue
        if cells[0] == "#":
            continue
        found.append((cells[1], cells[2]))
    return found


def python_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_every_promise_is_kept_by_a_test_that_exists_or_answered_with_a_reason():
    table = rows()
    assert len(table) >= 62  # the audit's count of the seed's promises
    for promise, answer in table:
        cited = CITED.findall(answer)
        if not cited:
            assert answer.lower().startswith("not kept") or answer.lower().startswith(
                "kept differently"
            ), f"{promise!r}: neither a test nor a reason"
            assert len(answer) > 40, f"{promise!r}: the reason is too short to be one"
        for file, name in cited:
            path = ROOT / file
            assert path.is_file(), f"{promise!r}: no {file}"
            if file.endswith(".py"):
                assert name in python_tests(path), f"{promise!r}: no {file}::{name}"
            else:
                assert name.strip('"') in path.read_text(), f"{promise!r}: no {file}::{name}"


def test_the_seeds_settings_file_is_read_as_written(tmp_path: Path):
    """The seed's twelve keys, edited by hand, are the agent's settings; every broker with a
    key and a secret is loaded (Groww's half-filled pair is not); the UI listens where the
    seed says, 0.0.0.0:5679; the defaults are the wizard's."""
    path = tmp_path / "agent.json"
    seed = {
        "cloud_url": "https://tradertape.com",
        "api_key": "zt_abc123",
        "primary_broker": "kite",
        "kite_api_key": "xxx",
        "kite_api_secret": "yyy",
        "upstox_api_key": "uk",
        "upstox_api_secret": "us",
        "groww_api_key": "gk",
        "groww_api_secret": "",
        "auto_execute": False,
        "stop_loss_pct": 5,
        "poll_interval": 30,
    }
    path.write_text(json.dumps(seed))
    path.chmod(0o600)

    config = load(path)

    assert {key: getattr(config, key) for key in seed} == seed
    assert config.brokers() == ["kite", "upstox"]
    assert config.problems() == []
    assert (config.ui_host, config.ui_port) == ("0.0.0.0", 5679)  # noqa: S104 - the seed's
    fresh = Config()
    assert (fresh.cloud_url, fresh.primary_broker, fresh.auto_execute) == (
        "https://tradertape.com",
        "kite",
        False,
    )
    assert (fresh.stop_loss_pct, fresh.poll_interval) == (5, 30)


def test_the_extras_are_the_seeds():
    """Bare: Upstox and Groww, no kiteconnect; ``[kite]`` adds it; ``[all]`` every broker."""
    agent = tomllib.loads((ROOT / "agent" / "pyproject.toml").read_text())
    hook = agent["tool"]["hatch"]["metadata"]["hooks"]["custom"]
    bare = [d for d in hook["dependencies"] if d.startswith("tradertape-brokers")]
    assert bare == ["tradertape-brokers[upstox,groww]==0.1.0"]
    assert not any("kiteconnect" in d for d in hook["dependencies"])
    extras = hook["optional-dependencies"]
    assert extras["kite"] == ["tradertape-brokers[kite]==0.1.0"]
    assert extras["all"] == ["tradertape-brokers[all]==0.1.0"]
    brokers = tomllib.loads((ROOT / "brokers" / "python" / "pyproject.toml").read_text())
    sdks = brokers["project"]["optional-dependencies"]
    assert any(d.startswith("kiteconnect") for d in sdks["kite"])
    assert not any(d.startswith("kiteconnect") for d in sdks["upstox"] + sdks["groww"])
    assert set(sdks["all"]) >= set(sdks["kite"]) | set(sdks["upstox"]) | set(sdks["groww"])
