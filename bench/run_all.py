"""Every benchmark in bench/, one after another, and one table of their headline figures.

`make bench` runs this. Each script runs in this interpreter's environment (the locked one),
with small settings unless ``--full`` (its own defaults), under a time limit; one at a time,
since scripts side by side would measure each other. A script that fails or runs out of
time is a row saying so, and the next one runs. The table (markdown) is printed and written
to ``bench/results.md`` below the host line; each script's whole output goes to
``bench/results/<script>.txt``. New scripts are picked up: run with ``--quick`` when they
take it, their headline being their lines that mention a target.

``--short`` runs each at the smallest sizes that still go through all of its work (a
few seconds each: a check that no bench is broken, run by the long tests, not a
measurement) and prints one row each: its figure, the floor it measured in the same run,
their ratio and the load average (a script's ``ROW |`` lines, `machine.row`; a script
without one shows its first headline figure).

    .venv/bin/python bench/run_all.py [--full | --short] [--only NAME ...] [--timeout S]
        [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from machine import host_line

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"machine", "run_all", "scratch_db", "served"}  # helpers the scripts import

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
    "indicators": ["--days", "500", "--instruments", "50", "--repeat", "5"],
    "journal": ["--trades", "2000"],
    "load": ["--clients", "100", "--seconds", "10", "--warmup-s", "2"],
    "paper_orders": ["--orders", "1000"],
    "route_instructions": ["--orders", "40", "--warmup", "80"],
    "scan": ["--portfolios", "10"],
    "startup": ["--repeat", "1"],
    "sweep": ["--quick"],
    "ticks_fanout": ["--clients", "50", "--seconds", "5", "--warmup", "1"],
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
    "journal": ["--trades", "300"],
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
    "journal": r"^upload|P&L page, cold|reference",
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


def main() -> None:
    """Run the scripts, then print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--full", action="store_true", help="each script's own sizes")
    sizes.add_argument("--short", action="store_true", help="smallest sizes: does each run?")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these scripts only")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per script")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    names = scripts()
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
        settings = settings_for(name, full=args.full, short=args.short)
        print(f"-- {name} {' '.join(settings)}", flush=True)
        outcome = run(name, settings, args.timeout, log_dir)
        print(f"   {outcome.status} in {outcome.seconds:.0f} s", flush=True)
        outcomes.append(outcome)
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
