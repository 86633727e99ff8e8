"""Every benchmark in bench/, one after another, and one table of their headline figures.

`make bench` runs this. Each script runs in this interpreter's environment (the locked one),
with small settings unless ``--full`` (its own defaults), under a time limit; one at a time,
since scripts side by side would measure each other. A script that fails or runs out of
time is a row saying so, and the next one runs. The table (markdown) is printed and written
to ``bench/results.md`` below the host line; each script's whole output goes to
``bench/results/<script>.txt``. New scripts are picked up: run with ``--quick`` when they
take it, their headline being their lines that mention a target.

``--goals`` runs the scripts that carry issue 69's figures at the sizes the issue names
(100,000 journal trades, 50 portfolios, 10,000 alerts, 500 clients…) and prints each of
their rows beside its goal and whether it is met, in one table.

``--short`` runs each at the smallest sizes that still go through all of its work (a
few seconds each: a check that no bench is broken, run by the long tests, not a
measurement) and prints one row each: its figure, the floor it measured in the same run,
their ratio and the load average (a script's ``ROW |`` lines, `machine.row`; a script
without one shows its first headline figure).

    .venv/bin/python bench/run_all.py [--full | --short | --goals] [--only NAME ...] [--timeout S]
        [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from machine import host_line

HERE = Path(__file__).resolve().parent
# helpers the scripts import
NOT_BENCHMARKS = {"callgrind", "machine", "run_all", "scratch_db", "served"}

# Small settings: the whole set in about ten minutes on two cores.
QUICK: dict[str, list[str]] = {
    "alerts": ["--alerts", "1000", "--minutes", "20", "--repeat", "1"],
    "backtest": ["--quick"],
    "bhavcopy_import": ["--days", "20", "--symbols", "500"],
    "broker_orders": ["--orders", "200"],
    "candles_load": ["--repeat", "10"],
    "fair_share": ["--seconds", "10"],
    "fo_bhavcopy_import": ["--days", "10"],
    "health_burst": ["--bursts", "1"],
    "hook_instructions": ["--requests", "40", "--warmup", "60"],
    "indicators": ["--days", "500", "--instruments", "50", "--repeat", "5"],
    "journal": ["--trades", "2000"],
    "load": ["--clients", "100", "--seconds", "10", "--warmup-s", "2"],
    "paper_orders": ["--orders", "1000"],
    "route_instructions": ["--orders", "40", "--warmup", "80"],
    "scan": ["--portfolios", "10"],
    "startup": ["--repeat", "1"],
    "sweep": ["--quick"],
    "ticks_fanout": ["--clients", "50", "--seconds", "5", "--warmup", "1"],
    "worker_instructions": ["--orders", "40", "--warmup", "60"],
    "worker_orders": ["--orders", "100", "--workers", "2", "--warmup", "5"],
}

# Smallest sizes (``--short``): every script through all of its steps in seconds. A
# script with its own ``--short`` runs with that when it is not named here.
SHORT: dict[str, list[str]] = {
    "agent_e2e": ["--skip-tests"],
    "alerts": ["--alerts", "100", "--minutes", "5", "--repeat", "1"],
    "backtest": ["--quick", "--runs", "1"],
    "bhavcopy_import": ["--days", "3", "--symbols", "50"],
    "broker_orders": ["--orders", "30"],
    "candles_load": ["--repeat", "2"],
    "demo_minutes": ["--sessions", "1"],
    "fair_share": ["--seconds", "3", "--sweeps", "1", "--streams", "2"],
    "fo_bhavcopy_import": ["--days", "2"],
    "health_burst": ["--bursts", "1"],
    "indicators": ["--days", "200", "--instruments", "10", "--repeat", "1"],
    "journal": ["--trades", "300", "--repeat", "1"],
    "load": [
        *("--clients", "20", "--seconds", "3", "--warmup-s", "1"),
        *("--only", "sqlite", "--client-procs", "1"),
    ],
    "options_backtest": ["--runs", "1"],
    "order_instructions": ["--orders", "10", "--warmup", "20", "--no-pg"],
    "paper_orders": ["--orders", "200", "--no-pg"],
    "pg_batch": ["--quick"],
    "replay": ["--short"],
    "request_cost": ["--quick"],
    "showdown": ["--quick", "--runs", "1"],
    "startup": ["--repeat", "1"],
    "sweep": ["--quick"],
    "ticks_fanout": [
        *("--clients", "20", "--per-client", "5", "--stalled", "1"),
        *("--seconds", "2", "--warmup", "0.5"),
    ],
    "worker_orders": ["--orders", "20", "--workers", "2", "--warmup", "3"],
}
ROW = "ROW |"  # `machine.row`: what | figure | floor | ratio | load

# ``--goals``: the scripts carrying issue 69's figures, at the sizes its goals are set for.
GOAL_RUNS: dict[str, list[str]] = {
    "alerts": ["--alerts", "10000", "--minutes", "20", "--repeat", "3"],
    "api_orders": ["--orders", "400", "--rounds", "2"],
    "backtest": ["--sections", "3", "5", "--runs", "15"],
    "first_run": [],
    "hook_instructions": ["--requests", "40", "--warmup", "60"],
    "journal": ["--trades", "100000", "--repeat", "2"],
    "order_instructions": ["--orders", "100", "--warmup", "200", "--no-pg"],
    "paper_orders": ["--orders", "2000", "--threads", "4"],
    "route_instructions": ["--orders", "40", "--warmup", "80"],
    "scan": ["--portfolios", "50"],
    "startup": ["--repeat", "3"],
    "ticks_fanout": [],
    "worker_orders": ["--orders", "300", "--workers", "2", "--warmup", "10"],
}


@dataclass(frozen=True, slots=True)
class Goal:
    """Issue 69's goal for the rows whose "what" matches `pattern`: `met` is given the
    row's figure (its first number, in the goal's unit) and its ratio to the floor."""

    pattern: str
    text: str
    met: Callable[[float, float], bool]


GOALS = (
    Goal(r"^POST /api/orders$", "≤ 0.5 ms or ≤ 3× floor", lambda v, r: v <= 0.5 or r <= 3),
    Goal(r"^paper order, instructions", "≤ 3× floor", lambda _, r: r <= 3),
    Goal(r"^POST /api/orders in process", "≤ 1.15× pipeline", lambda _, r: r <= 1.15),
    Goal(r"^signed webhook ÷ pipeline", "≤ 1.1× pipeline", lambda _, r: r <= 1.1),
    Goal(r"^signed webhook \(instructions\)", "≤ 1.1× pipeline", lambda _, r: r <= 1.1),
    Goal(r"^signed webhook$", "≤ 2 ms", lambda v, _: v <= 2),
    Goal(r"^4-leg basket", "≤ 1.5× one order", lambda _, r: r <= 1.5),
    Goal(r"^worker order", "≤ 2 ms", lambda v, _: v <= 2),
    Goal(r"^postgresql pipeline, 4 threads, throughput", "≥ 0.8× floor", lambda _, r: r >= 0.8),
    Goal(r"alerts at 1 tick/s", "≤ 25 % of a core", lambda v, _: v <= 25),
    Goal(r"^journal .*cold", "≤ 300 ms", lambda v, _: v <= 300),
    Goal(r"^scan CPU", "≤ 0.3 s", lambda v, _: v <= 0.3),
    Goal(r"fan-out", "p99 < 100 ms", lambda v, _: v < 100),
    Goal(r"dip buyer", "≤ 1.3× the hand-written limit", lambda _, r: r <= 1.3),
    Goal(r"^POST /api/backtest/run", "≤ 1.3× the engine", lambda _, r: r <= 1.3),
    Goal(r"^fresh CLI backtest", "≤ 0.5 s", lambda v, _: v <= 0.5),
    Goal(r"^first run", "≤ 120 s on 2 cores", lambda v, _: v <= 120),
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

# The lines of each script's output that carry its headline figures.
HEADLINES: dict[str, str] = {
    "alerts": r"^ *(before|after|floor):|after/floor|alerts at 1 tick/s",
    "backtest": r"^(V\d \w+|\(b, c\))|target|vectorbt",
    "bhavcopy_import": r"^imported ",
    "broker_orders": r"added by the adapter",
    "fo_bhavcopy_import": r"^(floor|imported|day chain)",
    "candles_load": r"^(cold|warm) load",
    "health_burst": r"^health (idle|during)|idle p50",
    "indicators": r"target|TA-Lib, same five",
    "journal": r"^upload|page, fresh process|reference",
    "load": r"targets:",
    "paper_orders": r"orders/s",
    "replay": r"^(replayed|CPU|floor|paper)",
    "request_cost": r"^(floor|cookie check|desk read) ",
    "scan": r"^\s*total",
    "startup": r"^(tradertape --help|CLI backtest|serve|first backtest|a portfolio's first scan)",
    "sweep": r"1 core|pool,",
    "worker_orders": r"target|ceilings",
}
DEFAULT_HEADLINE = r"(?i)target"
TRACEBACK = "Traceback (most recent call last):"
ERROR = re.compile(r"^[\w.]*(Error|Exception|Exit)\b")  # a traceback's last line


@dataclass(frozen=True, slots=True)
class Outcome:
    """One script's run: how it ended and what it printed."""

    name: str
    args: list[str]
    status: str  # "ok", "failed (exit N)" or "timed out after S s"
    seconds: float
    output: str


def scripts() -> list[str]:
    """The benchmark scripts' names, in alphabetical order."""
    return sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in NOT_BENCHMARKS and 'if __name__ == "__main__"' in p.read_text()
    )


def settings_for(name: str, *, full: bool, short: bool = False) -> list[str]:
    """The arguments `name` runs with: its small settings, its smallest with ``short``, or
    none with ``full``."""
    if full:
        return []
    if short:
        if name in SHORT:
            return SHORT[name]
        return ["--short"] if '"--short"' in (HERE / f"{name}.py").read_text() else []
    if name in QUICK:
        return QUICK[name]
    return ["--quick"] if '"--quick"' in (HERE / f"{name}.py").read_text() else []


def run(name: str, args: list[str], timeout_s: float, log_dir: Path) -> Outcome:
    """Run one script to its end or its time limit; its output goes to ``log_dir``."""
    log = log_dir / f"{name}.txt"
    started = time.perf_counter()
    with log.open("w") as output:
        try:
            done = subprocess.run(  # noqa: S603 - our own scripts, this interpreter
                [sys.executable, str(HERE / f"{name}.py"), *args],
                cwd=HERE.parent,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=timeout_s,
                check=False,
            )
            status = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout_s:.0f} s"
    return Outcome(name, args, status, time.perf_counter() - started, log.read_text())


def headline(outcome: Outcome) -> list[str]:
    """The lines of the output to show: its figures and, when it did not finish, why."""
    lines = [line.strip() for line in outcome.output.splitlines() if line.strip()]
    printed = lines[: lines.index(TRACEBACK)] if TRACEBACK in lines else lines
    wanted = re.compile(HEADLINES.get(outcome.name, DEFAULT_HEADLINE))
    found = [line for line in printed if wanted.search(line) and not line.startswith("host:")]
    if outcome.status == "ok":
        return found or lines[-3:]
    errors = [line for line in lines if ERROR.match(line)]
    why = errors[-1] if errors else lines[-1] if lines else "no output"
    return [*found, f"stopped: {why[:240]}"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(outcomes: list[Outcome], host: str) -> str:
    """The markdown table of every outcome, below the host line."""
    rows = [
        f"Benchmarks ({time.strftime('%Y-%m-%d %H:%M')}), {host}",
        "",
        "| Script | Settings | Result | Headline figures | Time |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        figures = "<br>".join(_cell(line) for line in headline(o))
        settings = " ".join(o.args) or "defaults"
        rows.append(
            f"| `{o.name}.py` | {_cell(settings)} | {o.status} | {figures} | {o.seconds:.0f} s |"
        )
    return "\n".join(rows) + "\n"


def rows(outcome: Outcome) -> list[str]:
    """`outcome`'s summary rows: what | figure | floor | ratio | load (each ``ROW |`` line it
    printed, else its first headline figure; a script that did not finish says why)."""
    lines = [line.strip() for line in outcome.output.splitlines()]
    found = [line.removeprefix(ROW).strip() for line in lines if line.startswith(ROW)]
    if outcome.status != "ok":
        why = headline(outcome)[-1]
        return [f"{outcome.name} | {outcome.status} | — | — | {why}"]
    if found:
        return [f"{outcome.name}: {line}" for line in found]
    first = headline(outcome)
    return [f"{outcome.name} | {first[0] if first else 'ok'} | — | — | —"]


def short_table(outcomes: list[Outcome], host: str) -> str:
    """One row each (`rows`), below the host line."""
    lines = [
        f"Benchmarks, short ({time.strftime('%Y-%m-%d %H:%M')}), {host}",
        "",
        "| Bench | Figure | Floor (same run) | Ratio | Load |",
        "| --- | --- | --- | --- | --- |",
    ]
    for outcome in outcomes:
        for line in rows(outcome):
            cells = [_cell(c.strip()) for c in line.split(" | ")]
            lines.append("| " + " | ".join((cells + ["—"] * 5)[:5]) + " |")
    return "\n".join(lines) + "\n"


def goal_table(outcomes: list[Outcome], host: str) -> str:
    """Every row of the goals' run (`rows`) beside issue 69's goal for it and whether this
    run meets it, below the host line."""
    lines = [
        f"Issue 69's goals ({time.strftime('%Y-%m-%d %H:%M')}), {host}",
        "",
        "| Bench | Figure | Floor (same run) | Ratio | Load | Goal | Met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for outcome in outcomes:
        for line in rows(outcome):
            cells = ([c.strip() for c in line.split(" | ")] + ["—"] * 5)[:5]
            what = cells[0].split(": ", 1)[-1]
            goal = next((g for g in GOALS if re.search(g.pattern, what)), None)
            verdict, text = "", ""
            if goal is not None:
                figure = _NUMBER.search(cells[1])
                ratio = _NUMBER.search(cells[3])
                if figure and ratio:
                    value = float(figure.group().replace(",", ""))
                    met = goal.met(value, float(ratio.group().replace(",", "")))
                    verdict = "yes" if met else "**no**"
                text = goal.text
            lines.append("| " + " | ".join(_cell(c) for c in [*cells, text, verdict]) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the scripts, then print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--full", action="store_true", help="each script's own sizes")
    sizes.add_argument("--short", action="store_true", help="smallest sizes: does each run?")
    sizes.add_argument("--goals", action="store_true", help="issue 69's figures and goals")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these scripts only")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per script")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    names = sorted(GOAL_RUNS) if args.goals else scripts()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            sys.exit(f"no benchmark named {', '.join(unknown)} (there are {', '.join(names)})")
        names = [n for n in names if n in args.only]
    log_dir = args.out.parent / "results"
    log_dir.mkdir(parents=True, exist_ok=True)
    host = host_line()
    outcomes = []
    for name in names:
        settings = (
            GOAL_RUNS[name] if args.goals else settings_for(name, full=args.full, short=args.short)
        )
        print(f"-- {name} {' '.join(settings)}", flush=True)
        outcome = run(name, settings, args.timeout, log_dir)
        print(f"   {outcome.status} in {outcome.seconds:.0f} s", flush=True)
        outcomes.append(outcome)
    if args.goals:
        text = goal_table(outcomes, host)
    else:
        text = short_table(outcomes, host) if args.short else table(outcomes, host)
    args.out.write_text(text)
    print()
    print(text)
    failed = [o.name for o in outcomes if o.status != "ok"]
    where = f"written to {args.out}; outputs in {log_dir}/"
    if failed:
        where += f"; {len(failed)} of {len(outcomes)} did not finish: {', '.join(failed)}"
    print(where)
    if failed and args.short:  # the long tests' check: every bench runs
        sys.exit(1)


if __name__ == "__main__":
    main()
