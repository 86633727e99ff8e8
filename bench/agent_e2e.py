"""The agent's end-to-end tests (tests/agent/test_e2e_*.py) and one agent process, timed.

Three figures, all measured in this run:

- the e2e tests: wall time and the CPU of pytest and every agent process it starts;
- the floor: the same files collected only (``--collect-only``: importing the server and the
  tests, the part no change to the agent can shorten), and the ratio of the two;
- one ``tradertape-agent run --once`` start-up as the tests run it, its CPU split into the
  imports and the rest (``-X importtime`` of the CLI), best of three.

    .venv/bin/python bench/agent_e2e.py [--skip-tests]

Figures of a shared two-core host swing with its load: compare runs by the host line.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from machine import host_line

ROOT = Path(__file__).resolve().parents[1]
FILES = ["tests/agent/test_e2e_kite.py", "tests/agent/test_e2e_upstox.py"]
PATHS = ["src", "sdk/python/src", "brokers/python/src", "agent/src"]


def _env(paths: list[str]) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in paths)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], paths: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the command and its children, exit code."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own test suite
        command, cwd=ROOT, env=_env(paths), capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, _children_cpu() - cpu, done.returncode


def import_ms() -> float:
    """The agent CLI's import time (ms), best of three: what every agent process pays."""
    best = float("inf")
    for _ in range(3):
        done = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-X", "importtime", "-c", "import tradertape_agent.cli"],
            cwd=ROOT,
            env=_env(["agent/src", "brokers/python/src"]),
            capture_output=True,
            text=True,
            check=True,
        )
        last = done.stderr.strip().splitlines()[-1]  # "import time: self | cumulative | name"
        best = min(best, int(last.split("|")[1]) / 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-tests", action="store_true", help="only the agent's start-up")
    args = parser.parse_args()
    print(host_line())
    pytest = [sys.executable, "-m", "pytest", *FILES, "-q", "-p", "no:randomly"]
    print(f"agent CLI import (the UI's web stack is loaded only to serve it): {import_ms():.0f} ms")
    if args.skip_tests:
        return
    floor_wall, floor_cpu, _ = timed([*pytest, "--collect-only"], PATHS)
    wall, cpu, code = timed(pytest, PATHS)
    print(f"floor (collect only): {floor_wall:.1f} s wall, {floor_cpu:.1f} s CPU")
    print(f"e2e ({len(FILES)} files, exit {code}): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"ratio to the floor: {wall / floor_wall:.2f}x wall, {cpu / floor_cpu:.2f}x CPU")


if __name__ == "__main__":
    main()
