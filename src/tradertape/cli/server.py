"""`serve`, `demo`, `warm-up` and `version`."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

import typer

from tradertape.cli.common import build_runtime, console

if TYPE_CHECKING:
    from tradertape.settings import Settings

HOST = typer.Option("127.0.0.1", "--host", help="interface to bind")
PORT = typer.Option(8000, "--port", help="TCP port")
PROXIES = typer.Option(
    None,
    "--forwarded-allow-ips",
    help="reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is "
    "believed; default TRADERTAPE_FORWARDED_ALLOW_IPS, else none",
)

JOBS = typer.Option(
    2,
    "--jobs",
    min=1,
    help="processes compiling side by side (numba compiles in one thread); 2 splits the "
    "work in about equal halves",
)


def _market_line(settings: Settings) -> str:
    if settings.feed == "none":
        return "no feed (TRADERTAPE_FEED=none)"
    if settings.feed == "kite":
        return f"Kite ticker at {settings.kite_ticker_url} (stored Kite session), WS /api/ws/ticks"
    if settings.feed == "upstox":
        root = settings.upstox_root
        return f"Upstox market data feed via {root} (stored Upstox session), WS /api/ws/ticks"
    hours = "around the clock (replays outside NSE hours)" if settings.demo_mode else "NSE hours"
    return f"simulated, {hours}, speed {settings.feed_speed:g}x, WS /api/ws/ticks"


def _listening(host: str, port: int) -> list[socket.socket]:
    """The server's sockets, bound at once, before any loading or "ready": an address that
    cannot be served fails here (`tradertape.serving.listen`)."""
    from tradertape.serving.listen import listen

    try:
        return listen(host, port)
    except socket.gaierror as exc:
        console.print(f"[red]cannot serve on {host}:{port}: {exc.strerror}[/red]")
        raise typer.Exit(1) from exc
    except OSError as exc:
        console.print(
            f"[red]cannot serve on {host}:{port}: {exc.strerror or exc}[/red] "
            "(another program is using the port: stop it, or pass --port)"
        )
        raise typer.Exit(1) from exc


def _proxy_option(option: str | None) -> tuple[object, ...] | None:
    """``--forwarded-allow-ips`` read as the setting is (None: not given), before binding."""
    from pydantic import ValidationError

    from tradertape.settings import PROXY_NETWORKS, split_list

    if option is None:
        return None
    try:
        return PROXY_NETWORKS.validate_python(split_list(option))
    except ValidationError as exc:
        raise typer.BadParameter(
            f"{option!r} is not a list of IP addresses or networks",
            param_hint="--forwarded-allow-ips",
        ) from exc


def _serve(host: str, port: int, *, demo: bool, proxies: str | None = None) -> None:
    chosen = _proxy_option(proxies)
    sockets = _listening(host, port)
    import uvicorn

    from tradertape.api.app import create_app
    from tradertape.db.migrate import upgrade
    from tradertape.jobs.kernels import KernelWarmUp
    from tradertape.logs import configure_logging, uvicorn_log_config
    from tradertape.serving.open_files import connection_limit
    from tradertape.serving.process import UVICORN, settle, trusted_proxies

    runtime = build_runtime(serving_at=(host, port), demo=demo, schema=False)
    proxy_config = trusted_proxies(
        runtime.settings.forwarded_allow_ips if chosen is None else chosen
    )
    configure_logging(json_lines=runtime.settings.log_json)
    kernels = KernelWarmUp(enabled=runtime.settings.warm_kernels)
    kernels.start()  # they load while the database is migrated and the server starts
    upgrade(runtime.db.engine)
    if demo:
        from tradertape.cli.data import progress_bar
        from tradertape.demo import load_demo

        with progress_bar() as report:
            info = load_demo(runtime, progress=report)
        history = info.history
        console.print("[bold green]TraderTape demo is ready[/bold green]")
        console.print(f"  URL:      http://{host}:{port}/   (API docs: /api/docs, /api/redoc)")
        console.print(f"  e-mail:   {info.email}")
        console.print(f"  password: {info.password}")
        console.print(f"  data:     {runtime.settings.resolved_database_url}")
        console.print(
            f"  history:  synthetic NIFTY 500 + indices, {history.first} → {history.last} "
            f"({history.written} series written, {history.complete} already there)"
        )
        console.print(f"  market:   {_market_line(runtime.settings)}")
        console.print(
            "  model:    paper portfolios V1 Momentum and V3 Dip Buyer on the NIFTY 100 "
            "(dashboard: /api/model/dashboard?portfolio_id=N)"
        )
    settle()
    config = uvicorn.Config(
        create_app(runtime, kernels=kernels),
        host=host,
        port=port,
        log_level="info",
        log_config=uvicorn_log_config(),
        # past this many connections a 503 at once: the process keeps files to run on
        limit_concurrency=connection_limit(runtime.settings.open_files_reserve),
        **(UVICORN | proxy_config),
    )
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    # uvicorn says where it runs only when it binds the sockets itself
    logging.getLogger("uvicorn.error").info(
        "Listening on http://%s:%d (press CTRL+C to quit)", shown, port
    )
    try:
        server.run(sockets=sockets)
    finally:
        runtime.db.dispose()
    if not server.started:  # its lifespan failed to start (logged): as uvicorn.run exits
        raise typer.Exit(3)


def _warm_up(*, jobs: int) -> None:
    import subprocess
    import sys
    import time

    from tradertape.backtest import kernel
    from tradertape.backtest.warmup import SHARES, warm_up, warm_up_share
    from tradertape.jit import cache_report, cached_builds

    started = time.perf_counter()
    # the two largest builds: with both cached, loading all takes a second, in one process
    cold = not (cached_builds(kernel.simulate) and cached_builds(kernel.decide_day))
    if jobs > 1 and cold:  # the other shares in processes of their own, the first here
        module = [sys.executable, "-P", "-m", "tradertape.backtest.warmup", "share"]
        others = [
            subprocess.Popen([*module, str(k)])  # noqa: S603 - this interpreter, our module
            for k in range(1, min(jobs, SHARES))
        ]
        warm_up_share(0)
        failed = [p.args for p in others if p.wait() != 0]
        if failed:  # what they left uncompiled compiles below
            console.print(f"[yellow]a warm-up process failed: {failed}[/yellow]")
    warm_up()  # all of it: loads what the shares compiled, compiles anything left
    took = time.perf_counter() - started
    report = cache_report()
    console.print(
        f"backtest kernels ready in {took:.1f} s: {report.compiled} builds compiled, "
        f"{report.loaded} loaded from numba's cache (this process's: those another "
        "compiled are among the loaded)",
        highlight=False,
    )
    for folder in report.folders:
        console.print(f"  cache: {folder}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the commands to the root app."""

    @app.command()
    def serve(host: str = HOST, port: int = PORT, proxies: str | None = PROXIES) -> None:
        """Apply migrations, then serve the UI and API."""
        _serve(host, port, demo=False, proxies=proxies)

    @app.command()
    def demo(host: str = HOST, port: int = PORT, proxies: str | None = PROXIES) -> None:
        """Apply migrations, load demo data (idempotent), print the login, then serve."""
        _serve(host, port, demo=True, proxies=proxies)

    @app.command("warm-up")
    def warm_up(jobs: int = JOBS) -> None:
        """Compile the backtest kernels into numba's disk cache, so no start or run waits.

        `make install` runs it; seconds once the cache holds them."""
        _warm_up(jobs=jobs)

    @app.command()
    def version() -> None:
        """Print the version."""
        from tradertape import API_VERSION, __version__

        console.print(f"tradertape {__version__} (API {API_VERSION})")
