"""Every bench in bench/ runs to its end in its short mode (issue 69: a bench that crashed,
`scan.py` without its fills watcher, went unnoticed for days), and `run_all.py --short`
tells each one's figure, floor, ratio and load in one row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402 - the bench folder is not a package

SCRIPTS = run_all.scripts()


def test_a_rows_line_is_its_row_and_a_failure_says_why() -> None:
    printed = "host: 2 CPUs\nROW | POST /api/orders | 1.2 ms CPU | 0.2 ms | 6.00× | load 1.0\n"
    ran = run_all.Outcome("api_orders", ["--short"], "ok", 3.0, printed)
    failed = run_all.Outcome(
        "scan", [], "failed (exit 1)", 1.0, "Traceback (most recent call last):\nValueError: x\n"
    )

    table = run_all.short_table([ran, failed], "host: 2 CPUs")

    assert "| api_orders: POST /api/orders | 1.2 ms CPU | 0.2 ms | 6.00× | load 1.0 |" in table
    assert "| scan | failed (exit 1) | — | — | stopped: ValueError: x |" in table


def test_the_goals_table_judges_each_row_against_its_goal() -> None:
    printed = (
        "ROW | signed webhook | 2.400 ms CPU | 0.300 ms | 8.00× | load 1.0\n"
        "ROW | 4-leg basket, per leg | 2.600 ms CPU | one order 2.000 ms | 1.30× | load 1.0\n"
        "ROW | 10,000 alerts at 1 tick/s, share of a core | 10.4% | 1.7% | 6.08× | load 1.0\n"
        "ROW | something else | 1 s | 1 s | 1.00× | load 1.0\n"
    )
    ran = run_all.Outcome("api_orders", [], "ok", 3.0, printed)

    table = run_all.goal_table([ran], "host: 2 CPUs").splitlines()

    assert table[4].endswith("| ≤ 2 ms | **no** |")
    assert table[5].endswith("| ≤ 1.5× one order | yes |")
    assert table[6].endswith("| ≤ 25 % of a core | yes |")
    assert table[7].endswith("| load 1.0 |  |  |")
    assert set(run_all.GOAL_RUNS) <= set(SCRIPTS)


def test_a_servers_cpu_is_read_from_proc_and_none_when_not_running_here() -> None:
    import machine

    own = Path("/proc/self/comm").read_text().strip()
    assert (machine.server_cpu(own) or 0.0) > 0  # this test's interpreter has run a while
    assert machine.server_cpu("no-such-server") is None


def test_the_pipelines_ceilings_are_one_core_of_python_and_the_hosts_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import paper_orders

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    floor = paper_orders.Figures(300, 1.0, [], 11, cpu=0.002, server=0.003)
    ours = paper_orders.Figures(100, 1.0, [], 15, cpu=0.005, server=0.003)

    said = paper_orders.ceilings(ours, floor)

    # 1 / 5 ms = 200/s in one process; 2 cores / (5 + 3) ms = 250/s; the floor's 300/s
    assert "postgres CPU 3.00 ms/order (floor 3.00, client 2.00)" in said
    assert "one process's Python 200/s (0.67× floor)" in said
    assert "2 cores 250/s (0.83×)" in said


def test_every_bench_has_a_short_mode() -> None:
    for name in SCRIPTS:
        settings = run_all.settings_for(name, full=False, short=True)
        assert settings, f"{name}: no short settings (run_all.SHORT, or its own --short)"


@pytest.mark.bench
@pytest.mark.parametrize("name", SCRIPTS)
def test_the_bench_runs_in_its_short_mode(name: str, tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script, this interpreter
        [sys.executable, str(BENCH / "run_all.py"), "--short", "--only", name, "--timeout", "600"]
        + ["--out", str(tmp_path / "results.md")],
        capture_output=True,
        text=True,
        timeout=700,
        check=False,
    )
    output = (tmp_path / "results" / f"{name}.txt").read_text()
    assert done.returncode == 0, output[-3000:]
