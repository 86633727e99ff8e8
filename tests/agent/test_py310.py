"""Seed 000: the agent "targets Python 3.10+", and so do the broker adapters it loads.

Three checks, from cheapest to strongest:

- ruff parses both packages as Python 3.10 (syntax a 3.10 interpreter cannot read, such as
  ``except*``, is an error), and both distributions say ``requires-python >=3.10``;
- mypy checks them against 3.10's standard library (``datetime.UTC``, ``enum.StrEnum``,
  ``asyncio.timeout`` are 3.11's: ``tradertape_brokers.compat`` bridges them);
- a real 3.10 interpreter imports every module of both and logs in to the fake Groww with
  the adapter (the end-to-end tests run the whole agent on it with
  ``TRADERTAPE_AGENT_PYTHON``, see ``e2e_kit``). It needs a 3.10 with the agent's
  dependencies: ``TRADERTAPE_AGENT_PYTHON``, else a ``python3.10`` on the PATH; without one
  the test is skipped and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.agent.e2e_kit import AGENT_PYTHON_ENV, ROOT
from tests.serving import serve
from tradertape.fakebrokers.groww import create_app
from tradertape.ports.clock import ManualClock

PACKAGES = {
    "agent": ROOT / "agent",
    "brokers": ROOT / "brokers" / "python",
}
SOURCES = [
    str(ROOT / "agent/src/tradertape_agent"),
    str(ROOT / "brokers/python/src/tradertape_brokers"),
]


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own tools on our own files
        list(command), capture_output=True, text=True, timeout=600, check=False, env=env, cwd=ROOT
    )


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_the_distribution_promises_3_10_and_is_linted_as_3_10(name: str):
    project = tomllib.loads((PACKAGES[name] / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.10"
    assert project["tool"]["ruff"]["target-version"] == "py310"


def test_ruff_reads_both_packages_as_python_3_10():
    done = _run(
        sys.executable, "-m", "ruff", "check", "--no-cache", "--target-version", "py310",
        "--select", "E9,F63,F7,F82,UP", *SOURCES,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_checks_both_packages_against_python_3_10():
    done = _run(sys.executable, "-m", "mypy", "--python-version", "3.10", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def python_310() -> str | None:
    """A Python 3.10 that has the agent's dependencies, if this machine has one."""
    for candidate in (os.environ.get(AGENT_PYTHON_ENV), shutil.which("python3.10")):
        if not candidate:
            continue
        probe = _run(candidate, "-c", "import sys, httpx, starlette, uvicorn, openpyxl; "
                     "print(sys.version_info[:2] == (3, 10))")  # fmt: skip
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.fixture
def groww_root() -> Iterator[str]:
    app = create_app(clock=ManualClock(datetime.now(UTC)), totp="123456")
    with serve(app) as url:
        yield url


IMPORT_ALL = """
import importlib, pkgutil, sys
assert sys.version_info[:2] == (3, 10), sys.version
for top in ("tradertape_agent", "tradertape_brokers"):
    package = importlib.import_module(top)
    for found in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(found.name)
from tradertape_brokers.groww.login import access_token_from_totp
from tradertape_brokers.registry import Credentials, build_broker
session = access_token_from_totp("any-key", "123456", sys.argv[1])
groww = build_broker("groww", Credentials(api_key="any-key", access_token=session.access_token,
                     api_secret="", root=sys.argv[1]))
print(len(groww.holdings()), groww.margins()["equity"]["available"]["live_balance"] > 0)
"""


def test_a_real_python_3_10_imports_everything_and_trades_at_the_fake_groww(groww_root: str):
    python = python_310()
    if python is None:
        pytest.skip(
            f"no Python 3.10 with the agent's dependencies here: set {AGENT_PYTHON_ENV} to one "
            '(python3.10 -m venv v && v/bin/pip install "./agent[all]")'
        )
    paths = os.pathsep.join(str(ROOT / p) for p in ("agent/src", "brokers/python/src"))
    env = {**os.environ, "PYTHONPATH": paths}
    done = _run(python, "-c", IMPORT_ALL, groww_root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split()[-1] == "True"
