"""Start-up: how soon `tradertape` answers from a fresh process, and a fresh server.

Each figure is printed beside its target (issue 25) and a floor measured in the same run:

- ``tradertape --help``, median of fresh processes. Target < 0.5 s; floor ``python -c pass``.
- ``tradertape backtest`` (V1 Momentum, NIFTY 50, 2023-2024, ``--json``) in a fresh process,
  with the kernels in numba's cache (warm: what every run after `make install` finds) and,
  once, without (cold: ``NUMBA_CACHE_DIR`` a new folder, so it compiles the kernels it uses);
  both with the CLI host off, as a first run finds it (where `make install` built the
  kernels ahead of time, `tradertape.ahead`, both run those builds: numba is not imported).
  Then again with the CLI host running (the first run leaves one: `tradertape.launch`), as
  every later run within ten minutes finds it. Start-up is the wall time less the run's own
  time (its ``timings_ms``). Target: start-up < 0.5 s; floors ``python -c pass`` and
  ``python -c "import numba"`` (JIT-compiled kernels cannot load in a process before numba
  has; the ahead-of-time builds can).
- ``tradertape serve`` to ``/api/health`` green (200: database answering, kernels ready).
  Target < 10 s; floor a fresh process importing the app.
- The first backtest over HTTP after green (the same run, signed in). Target: answered < 1 s
  after green; floor the same run in this process (kernels loaded, candle files not yet read).
- A portfolio's first scan over HTTP after that (V1 over NIFTY 50, deployed on a funded
  paper account, then ``POST /api/model/scan`` of the data's last close): the scanner runs
  the backtest's own decision kernel for one day, which the warm-up readies too. Target:
  answered < 1 s; the second scan beside it.
- ``--cold-server``: ``serve`` with an empty numba cache too (a plain wheel install's first
  start: health turns green once it has compiled every kernel, about a minute on two cores).

`tradertape warm-up` runs first, as `make install` does (seconds once the cache is filled).

Measured 2026-11-27 (2-core VM, Python reference 4.2 ms, ``--quick``): ``--help`` 0.17 s; serve
→ green 2.98 s; the first backtest after green 0.06 s; a portfolio's first scan 0.03 s. The
same run on the commit before the warm-up readied the scanner's kernel, its cache emptied of
that kernel as a fresh install's is: the first scan 11.48 s (compiling it), the second 0.01 s.
The data (synthetic NIFTY 50, 2022-2024) and the server's database go in a throwaway folder.

    .venv/bin/python bench/startup.py [--quick] [--repeat N] [--cold-server]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from machine import host_line, load, row

TARGET_HELP_S = 0.5
TARGET_CLI_START_S = 0.5
TARGET_GREEN_S = 10.0
TARGET_FIRST_HTTP_S = 1.0

RUN = {"universe": "nifty_50", "start_date": "2023-01-01", "end_date": "2024-12-31"}
CLI_RUN = ["--strategy", "v1_momentum", "--universe", "nifty_50"]
CLI_RUN += ["--from", RUN["start_date"], "--to", RUN["end_date"], "--json"]
EMAIL, PASSWORD = "bench@example.in", "startup-bench-1"
BIN = Path(sys.executable).parent
TRADERTAPE = str(BIN / "tradertape")


@dataclass(frozen=True, slots=True)
class Served:
    """One `serve` from its start to its first backtests."""

    green_s: float  # process start → /api/health 200
    kernels: str  # what health said of the kernels then
    sign_in_s: float  # the sign-in after green (a password check: slow by design)
    first_s: float  # the first backtest's request, sent once signed in
    second_s: float  # the same request again
    scan_s: float  # a newly deployed portfolio's first scan
    scan_again_s: float  # and its second


def _timed(args: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own commands
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return took, done.stdout


def _median(args: Sequence[str], env: dict[str, str], repeat: int) -> float:
    return statistics.median(_timed(args, env)[0] for _ in range(repeat))


def _cli_backtest(env: dict[str, str]) -> tuple[float, float]:
    """Wall time of a fresh `tradertape backtest`, and the run's own time (seconds)."""
    wall, out = _timed([TRADERTAPE, "backtest", *CLI_RUN], env)
    run_ms = sum(json.loads(out)["timings_ms"].values())
    return wall, run_ms / 1000


def _host_running(env: dict[str, str], timeout_s: float = 120) -> Path:
    """Leave a CLI host behind (one run) and wait until it answers; its socket."""
    _cli_backtest(env)
    folder = Path(env["XDG_RUNTIME_DIR"]) / f"tradertape-{os.getuid()}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in folder.glob("host-*.sock"):
            return path
        time.sleep(0.05)
    sys.exit(f"no CLI host answered within {timeout_s:.0f} s")


def _stop_host(where: Path) -> None:
    """End the host (its pid is in its lock file)."""
    pid = where.with_name(where.name + ".lock").read_text().strip()
    if pid:
        os.kill(int(pid), signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(env: dict[str, str], log: Path, timeout_s: float) -> Served:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output, httpx.Client(base_url=base, timeout=30) as client:
        started = time.perf_counter()
        server = subprocess.Popen(  # noqa: S603 - our own command
            [TRADERTAPE, "serve", "--port", str(port)], env=env, stdout=output, stderr=output
        )
        try:
            health = _wait_green(client, server, started + timeout_s, log)
            green = time.perf_counter()
            signed_in = client.post(
                "/api/auth/password-login", json={"email": EMAIL, "password": PASSWORD}
            )
            signed_in.raise_for_status()
            sign_in_s = time.perf_counter() - green
            body = {**RUN, "strategy": _document()}
            sent = time.perf_counter()
            first = client.post("/api/backtest/run", json=body)
            answered = time.perf_counter()
            first.raise_for_status()
            again = time.perf_counter()
            client.post("/api/backtest/run", json=body).raise_for_status()
            second_s = time.perf_counter() - again
            scans = _scans(client)
        finally:
            server.terminate()
            server.wait(30)
    return Served(
        green_s=green - started,
        kernels=str(health.get("kernels")),
        sign_in_s=sign_in_s,
        first_s=answered - sent,
        second_s=second_s,
        scan_s=scans[0],
        scan_again_s=scans[1],
    )


def _scans(client: httpx.Client) -> tuple[float, float]:
    """Deploy V1 on NIFTY 50 (its capital added to the paper account first), then scan the
    data's last close twice: the seconds each scan took."""
    client.post("/api/portfolio/funds", json={"amount": "1000000"}).raise_for_status()
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    strategy = next(t["id"] for t in templates if t["base_model"] == "v1_momentum")
    deploy = {"strategy_id": strategy, "universe": "nifty_50", "starting_capital": "1000000"}
    answer = client.post("/api/model/portfolios/deploy", json=deploy)
    answer.raise_for_status()
    scan = {"portfolio_id": answer.json()["id"], "date": RUN["end_date"]}
    took = []
    for _ in range(2):
        sent = time.perf_counter()
        client.post("/api/model/scan", json=scan).raise_for_status()
        took.append(time.perf_counter() - sent)
    return took[0], took[1]


def _wait_green(
    client: httpx.Client, server: subprocess.Popen[bytes], deadline: float, log: Path
) -> dict[str, Any]:
    while True:
        if server.poll() is not None:
            sys.exit(f"the server exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            answer = client.get("/api/health", timeout=1)
            if answer.status_code == 200:
                health: dict[str, Any] = answer.json()
                return health
        except httpx.TransportError:
            pass
        if time.perf_counter() > deadline:
            sys.exit(f"health not green in time:\n{log.read_text()[-2000:]}")
        time.sleep(0.01)


def _document() -> dict[str, Any]:
    from tradertape.strategies.builtins import builtin
    from tradertape.strategies.dsl import BaseModelId

    return builtin(BaseModelId.V1).model_dump(mode="json")


def _engine_s(data_dir: Path) -> float:
    """The same backtest in this process: kernels loaded, a new store (files not yet read)."""
    from tradertape.backtest.request import BacktestRequest
    from tradertape.candles import CandleStore
    from tradertape.services.research.simulation import simulate

    request = BacktestRequest.model_validate({**RUN, "strategy": _document()})
    assert request.strategy is not None
    simulate(CandleStore.in_data_folder(data_dir), request.strategy, request)  # loads kernels
    started = time.perf_counter()
    simulate(CandleStore.in_data_folder(data_dir), request.strategy, request)
    return time.perf_counter() - started


def _cli_kernels() -> str:
    from tradertape.ahead import Builds

    if Builds.load() is not None:
        return "their ahead-of-time builds (tradertape.ahead: numba not imported)"
    return "numba's cache (no current ahead-of-time build: `make ahead` makes one)"


def _vs(value: float, floor: float, name: str) -> str:
    return f"{name} {floor:.2f} s: {value / floor:.1f}×"


def main() -> None:
    """Prepare a data folder, then time each start-up against its target and floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (make bench)")
    parser.add_argument("--cold-server", action="store_true", help="also serve uncached")
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    print(host_line(), flush=True)

    with tempfile.TemporaryDirectory(prefix="tradertape-startup-") as folder:
        tmp = Path(folder)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TRADERTAPE_")}
        base_env.pop("NUMBA_CACHE_DIR", None)
        env = {**base_env, "TRADERTAPE_DATA_DIR": str(tmp / "data"), "TRADERTAPE_FEED": "none"}
        (tmp / "run").mkdir(mode=0o700)  # the CLI host's socket: this run's own
        env |= {"XDG_RUNTIME_DIR": str(tmp / "run"), "TRADERTAPE_CLI_HOST": "off"}
        synth = ["data", "synth", "--universe", "nifty_50", "--from", "2022-01-01"]
        _timed([TRADERTAPE, *synth, "--to", "2024-12-31"], env)
        _timed([TRADERTAPE, "user", "create", "--email", EMAIL, "--password", PASSWORD], env)
        warm_up_s, said = _timed([TRADERTAPE, "warm-up"], env)
        print(f"tradertape warm-up (as make install runs it): {warm_up_s:.1f} s; {said.strip()}")
        print(f"a fresh CLI backtest's kernels: {_cli_kernels()}")

        python_s = _median([sys.executable, "-c", "pass"], env, repeat)
        numba_s = _median([sys.executable, "-c", "import numba"], env, repeat)
        app_s = _median([sys.executable, "-c", "import tradertape.api.app"], env, repeat)
        help_s = _median([TRADERTAPE, "--help"], env, repeat)

        cold_env = {**env, "NUMBA_CACHE_DIR": str(tmp / "numba-cold")}
        cold_wall, cold_run = _cli_backtest(cold_env)
        warm = [_cli_backtest(env) for _ in range(repeat)]
        warm_wall = statistics.median(w for w, _ in warm)
        warm_run = statistics.median(r for _, r in warm)
        warm_start = warm_wall - warm_run
        hosting = {**env, "TRADERTAPE_CLI_HOST": "on"}
        host = _host_running(hosting)
        hosted = [_cli_backtest(hosting) for _ in range(max(repeat, 5))]
        _stop_host(host)
        hosted_wall = statistics.median(w for w, _ in hosted)
        hosted_run = statistics.median(r for _, r in hosted)
        hosted_start = hosted_wall - hosted_run

        served = _serve(env, tmp / "serve.log", timeout_s=300)
        engine_s = _engine_s(tmp / "data")
        cold_served = None
        if args.cold_server:
            uncached = {**env, "NUMBA_CACHE_DIR": str(tmp / "numba-serve")}
            cold_served = _serve(uncached, tmp / "serve-cold.log", timeout_s=900)

    print(f"floors: python -c pass {python_s:.3f} s; import numba {numba_s:.2f} s; ", end="")
    print(f"import the app {app_s:.2f} s (median of {repeat} fresh processes)")
    print(
        f"tradertape --help: {help_s:.2f} s (target < {TARGET_HELP_S} s: "
        f"{help_s / TARGET_HELP_S:.2f}×; {_vs(help_s, python_s, 'python -c pass')})"
    )
    print(
        f"CLI backtest, warm cache, no CLI host: {warm_wall:.2f} s = run {warm_run:.2f} s + "
        f"start-up {warm_start:.2f} s (target start-up < {TARGET_CLI_START_S} s: "
        f"{warm_start / TARGET_CLI_START_S:.2f}×; {_vs(warm_start, numba_s, 'import numba')}; "
        f"{_vs(warm_start, python_s, 'python -c pass')})"
    )
    print(
        f"CLI backtest, the CLI host running: {hosted_wall:.2f} s = run {hosted_run:.3f} s + "
        f"start-up {hosted_start:.2f} s (target start-up < {TARGET_CLI_START_S} s: "
        f"{hosted_start / TARGET_CLI_START_S:.2f}×; "
        f"{_vs(hosted_start, python_s, 'python -c pass')})"
    )
    print(
        f"CLI backtest, cold cache: {cold_wall:.1f} s, the run {cold_run:.1f} s of it (compiling "
        f"the kernels it uses, unless on ahead-of-time builds); {cold_wall / warm_wall:.0f}× "
        "warm: what `make install` spares every later process"
    )
    print(
        f"serve → health green: {served.green_s:.2f} s, kernels {served.kernels} (target < "
        f"{TARGET_GREEN_S:.0f} s: {served.green_s / TARGET_GREEN_S:.2f}×; "
        f"{_vs(served.green_s, app_s, 'import the app')})"
    )
    print(
        f"first backtest over HTTP after green: {served.first_s:.2f} s (target < "
        f"{TARGET_FIRST_HTTP_S:.0f} s: {served.first_s / TARGET_FIRST_HTTP_S:.2f}×; "
        f"{_vs(served.first_s, engine_s, 'same run in process')}); the second "
        f"{served.second_s:.2f} s; the sign-in before it {served.sign_in_s:.2f} s"
    )
    print(
        f"a portfolio's first scan over HTTP after that: {served.scan_s:.2f} s (target < "
        f"{TARGET_FIRST_HTTP_S:.0f} s: {served.scan_s / TARGET_FIRST_HTTP_S:.2f}×); the second "
        f"{served.scan_again_s:.2f} s"
    )
    print(f"load average at the end: {load():.1f}")
    print(
        row(
            "fresh CLI backtest, no CLI host",
            f"{warm_wall:.2f} s (run {warm_run:.2f} s)",
            f"import numba {numba_s:.2f} s",
            warm_wall / numba_s,
        )
    )
    print(
        row(
            "CLI backtest, the CLI host running",
            f"{hosted_wall:.2f} s",
            f"python -c pass {python_s:.3f} s",
            hosted_wall / python_s,
        )
    )
    print(
        row(
            "tradertape --help",
            f"{help_s:.2f} s",
            f"python -c pass {python_s:.3f} s",
            help_s / python_s,
        )
    )
    print(
        row(
            "serve → health green",
            f"{served.green_s:.2f} s",
            f"import the app {app_s:.2f} s",
            served.green_s / app_s,
        )
    )
    if cold_served is not None:
        print(
            f"serve, empty cache → health green: {cold_served.green_s:.1f} s (compiling; "
            f"target < {TARGET_GREEN_S:.0f} s: {cold_served.green_s / TARGET_GREEN_S:.1f}×); "
            f"first backtest over HTTP {cold_served.first_s:.2f} s"
        )


if __name__ == "__main__":
    main()
