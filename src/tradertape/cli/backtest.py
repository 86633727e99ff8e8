"""`tradertape backtest`: run a strategy over a universe from the command line.

A built-in or a document's file runs on the data folder's candles alone: no database and no
web stack are imported (each import is paid by every run); a stored strategy's id opens the
database to read it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tradertape.cli.common import build_runtime, console, service_errors

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tradertape.backtest.engine import BacktestResult
    from tradertape.strategies.dsl import StrategyDocument

STRATEGY = typer.Option(
    None, "--strategy", help="a built-in (v1_momentum), a JSON document's path, or a stored id"
)
UNIVERSE = typer.Option("nifty_100", "--universe", help="nifty_50, nifty_100, nifty_500, ...")
FROM = typer.Option(None, "--from", help="first date (YYYY-MM-DD)")
TO = typer.Option(None, "--to", help="last date (YYYY-MM-DD)")
CAPITAL = typer.Option(1_000_000.0, "--capital", help="starting capital, ₹")
SIZE = typer.Option(10.0, "--size-pct", help="percent of equity per new position")
MAX_POSITIONS = typer.Option(10, "--max-positions")
MAX_PER_SECTOR = typer.Option(None, "--max-per-sector")
SLIPPAGE = typer.Option(5.0, "--slippage-bps")
FILL_AT = typer.Option("next_open", "--fill-at", help="next_open or close")
CHARGES = typer.Option("zerodha", "--charges", help="zerodha, none, or a flat percent (0.1)")
INTERVAL = typer.Option(
    "day",
    "--interval",
    help="day, or bars folded from the stored minutes: minute, 3minute, 5minute, 15minute, "
    "30minute, 60minute",
)
PRODUCT = typer.Option(
    None,
    "--product",
    help="CNC (delivery) or MIS (intraday: squared off at 15:20 IST, intraday charges); "
    "default CNC for day, MIS for an intraday interval",
)
AS_JSON = typer.Option(False, "--json", help="print the whole result as JSON")
PLOT = typer.Option(None, "--plot", help="write an equity + drawdown chart (PNG)")

_OPTIONS = {
    "strategy_id": "--strategy",
    "universe": "--universe",
    "start_date": "--from",
    "end_date": "--to",
    "starting_capital": "--capital",
    "position_size_pct": "--size-pct",
    "max_positions": "--max-positions",
    "max_per_sector": "--max-per-sector",
    "slippage_bps": "--slippage-bps",
    "fill_at": "--fill-at",
    "charges": "--charges",
    "interval": "--interval",
    "product": "--product",
}


def _document(strategy: str) -> StrategyDocument:
    from pydantic import ValidationError

    from tradertape.errors import InvalidField
    from tradertape.strategies.builtins import builtin
    from tradertape.strategies.dsl import (
        LIBRARY_FLAGS,
        BaseModelId,
        StrategyDocument,
        from_read_shape,
        json_path,
    )

    if strategy in {m.value for m in BaseModelId}:
        return builtin(BaseModelId(strategy))
    if strategy.isdecimal():
        from tradertape.db.models import Strategy

        runtime = build_runtime()
        with runtime.db.session() as db:
            row = db.get(Strategy, int(strategy))
            if row is None:
                raise InvalidField("--strategy", f"no stored strategy {strategy}")
            return StrategyDocument.model_validate(row.document)
    path = Path(strategy)
    if not path.is_file():
        known = ", ".join(m.value for m in BaseModelId)
        raise InvalidField("--strategy", f"{strategy!r} is not a built-in ({known}) or a file")
    try:  # a document, or a strategy as GET /api/strategies/{id} returned it
        body = from_read_shape(json.loads(path.read_text()), ignore=LIBRARY_FLAGS)
        return StrategyDocument.model_validate(body)
    except ValueError as exc:
        if not isinstance(exc, ValidationError):
            raise InvalidField("--strategy", f"{path.name}: not JSON ({exc})") from None
        first = exc.errors()[0]
        where = json_path(first["loc"]) or "document"
        raise InvalidField("--strategy", f"{path.name}: {where}: {first['msg']}") from None


def _request(**fields: Any) -> Any:
    from pydantic import ValidationError

    from tradertape.backtest.request import BacktestRequest
    from tradertape.errors import InvalidField

    try:
        return BacktestRequest.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "strategy"
        raise InvalidField(_OPTIONS.get(name, name), first["msg"]) from None


def _charges(text: str) -> Any:
    try:
        return {"flat_pct": float(text)}
    except ValueError:
        return text


backtest_app = typer.Typer(
    help="Backtest a strategy over a universe; `backtest options FILE` runs an options one."
)


def register(app: typer.Typer) -> None:
    """Add the commands to the CLI: ``backtest`` (equity), ``backtest options`` and
    ``backtest walk-forward``."""
    from tradertape.cli.options_backtest import options_backtest
    from tradertape.cli.walk_forward import walk_forward

    backtest_app.callback(invoke_without_command=True)(backtest)
    backtest_app.command("options")(options_backtest)
    backtest_app.command("walk-forward")(walk_forward)
    app.add_typer(backtest_app, name="backtest")


def _required(value: str | None, option: str) -> str:
    """A required option of the equity run (the group's `options` command has its own)."""
    if value is None:
        from tradertape.cli.common import err_console

        err_console.print(f"[red]error:[/red] Missing option '{option}'.")
        raise typer.Exit(2)
    return value


def backtest(  # noqa: PLR0913 - one option per request field
    ctx: typer.Context,
    strategy: str | None = STRATEGY,
    universe: str = UNIVERSE,
    start: str | None = FROM,
    end: str | None = TO,
    capital: float = CAPITAL,
    size_pct: float = SIZE,
    max_positions: int = MAX_POSITIONS,
    max_per_sector: int | None = MAX_PER_SECTOR,
    slippage_bps: float = SLIPPAGE,
    fill_at: str = FILL_AT,
    charges: str = CHARGES,
    interval: str = INTERVAL,
    product: str | None = PRODUCT,
    as_json: bool = AS_JSON,
    plot: Path | None = PLOT,
) -> None:
    """Backtest a strategy over a universe: a summary table, or --json; --plot draws it."""
    if ctx.invoked_subcommand is not None:
        return
    strategy = _required(strategy, "--strategy")
    start = _required(start, "--from")
    end = _required(end, "--to")
    from tradertape.candles import CandleStore
    from tradertape.data_home import data_dir
    from tradertape.services.research.simulation import simulate, uses_provisional_days

    with service_errors():
        store = CandleStore.in_data_folder(data_dir())
        document = _document(strategy)
        request = _request(
            strategy=document,
            universe=universe,
            start_date=start,
            end_date=end,
            starting_capital=capital,
            position_size_pct=size_pct,
            max_positions=max_positions,
            max_per_sector=max_per_sector,
            slippage_bps=slippage_bps,
            fill_at=fill_at,
            charges=_charges(charges),
            interval=interval,
            product=product,
        )
        with _progress(quiet=as_json) as step:
            result = simulate(store, document, request, progress=step)
    provisional = uses_provisional_days(store.calendar, result)
    if as_json:
        typer.echo(json.dumps({**_as_json(result), "provisional_calendar": provisional}, indent=2))
    else:
        _print_summary(document.name, request.universe, result)
        if provisional:
            console.print(
                f"[yellow]provisional:[/yellow] days after {store.calendar.last_day} "
                "are assumed to trade (NSE's list for them is not loaded: "
                "`tradertape calendar import FILE`)",
                highlight=False,
            )
    if plot is not None:
        from tradertape.backtest.plot import plot_equity

        plot_equity(result, plot, title=f"{document.name} · {universe}")  # labels synthetic
        if not as_json:
            console.print(f"chart written to {plot}")


def _as_json(result: BacktestResult) -> dict[str, Any]:
    from tradertape.services.research.simulation import equity_rows, summary_of, trade_rows

    return {
        "summary": summary_of(result),
        "timings_ms": result.timings_ms,
        "equity_curve": equity_rows(result),
        "trades": trade_rows(result),
    }


class _progress:
    """A rich progress bar over the run's stages; with --json none (nor its import)."""

    STAGES = ("loading candles", "indicators", "simulation", "results")

    def __init__(self, *, quiet: bool) -> None:
        self.bar: Any = None
        if quiet:
            return
        from rich.progress import BarColumn, Progress, TimeElapsedColumn

        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("backtest", total=len(self.STAGES))

    def __enter__(self) -> Any:
        if self.bar is None:
            return None
        self.bar.start()

        def step(stage: str) -> None:
            done = self.STAGES.index(stage) if stage in self.STAGES else 0
            self.bar.update(self.task, completed=done, description=stage)

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is None:
            return
        self.bar.update(self.task, completed=len(self.STAGES))
        self.bar.stop()


# The summary's keys (`tradertape.backtest.metrics.Summary`) as the web app's run page says them.
_LABELS = {
    "cagr": "CAGR",
    "total_return": "Total return",
    "win_rate": "Win rate",
    "total_trades": "Closed trades",
    "open_trades": "Still open at the end",
    "profit_factor": "Profit factor",
    "max_drawdown": "Max drawdown",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "calmar": "Calmar",
    "avg_hold_days": "Average hold (days)",
    "exposure_pct": "Time invested",
    "final_equity": "Final equity",
    "total_charges": "Charges paid",
    "avg_win": "Average win",
    "avg_loss": "Average loss",
    "expectancy": "Expectancy per trade",
    "benchmark_return": "Benchmark return",
    "benchmark_cagr": "Benchmark CAGR",
    "data_source": "Data",
}
_PERCENT = {"cagr", "total_return", "win_rate", "max_drawdown", "exposure_pct"}
_MONEY = {"final_equity", "total_charges", "avg_win", "avg_loss", "expectancy"}
_SHOWN_ELSEWHERE = {"synthetic"}  # the data warning says it, above and below the table


def summary_lines(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The summary as (label, value) rows in words: percents, rupees in Indian grouping."""
    from tradertape.domain.money import inr

    rows = []
    for key, value in summary.items():
        if key in _SHOWN_ELSEWHERE:
            continue
        if value is None:
            shown = "—"
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif key in _PERCENT or key.startswith("benchmark"):
            shown = f"{value:,.2f} %"
        elif key in _MONEY:
            shown = inr(value)
        elif isinstance(value, float):
            shown = f"{value:,.2f}"
        else:
            shown = str(value)
        rows.append((_LABELS.get(key, key.replace("_", " ").capitalize()), shown))
    return rows


def _print_summary(name: str, universe: object, result: BacktestResult) -> None:
    from rich.table import Table

    from tradertape.backtest.metrics import data_warning
    from tradertape.domain.instruments import universe_words
    from tradertape.services.research.simulation import summary_of

    summary = summary_of(result)
    where = universe_words(universe) if isinstance(universe, str) else str(universe)
    console.print(f"[bold]{name}[/] · {where} · {result.days[0]} → {result.days[-1]}")
    if summary.get("synthetic"):
        console.print(f"[bold yellow]{data_warning(summary.get('data_source'))}[/]")
    table = Table(show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for label, shown in summary_lines(summary):
        table.add_row(label, shown)
    console.print(table)
    if summary.get("synthetic"):
        console.print(f"[bold yellow]{data_warning(summary.get('data_source'))}[/]")
    timings = ", ".join(f"{k} {v:.1f} ms" for k, v in result.timings_ms.items())
    console.print(f"{len(result.trades)} trades; {timings}")
