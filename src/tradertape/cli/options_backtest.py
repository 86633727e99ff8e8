"""`tradertape backtest options STRATEGY.json --from --to`: an options strategy's backtest."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from tradertape.cli.common import console, iso_day, service_errors

FILE = typer.Argument(..., help="the options strategy document (JSON)")
FROM = typer.Option(..., "--from", help="first date (YYYY-MM-DD)")
TO = typer.Option(..., "--to", help="last date (YYYY-MM-DD)")
DATA = typer.Option(
    "synthetic",
    "--data",
    help="the chains: synthetic (generated, labelled) or import (F&O bhavcopies imported "
    "with `tradertape data import-fo-bhavcopy`)",
)
SEED = typer.Option(7, "--seed", help="the generated chains' seed")
AS_JSON = typer.Option(False, "--json", help="print the whole result as JSON")


def options_backtest(
    strategy_file: Path = FILE,
    start: str = FROM,
    end: str = TO,
    data: str = DATA,
    seed: int = SEED,
    as_json: bool = AS_JSON,
) -> None:
    """Backtest an options strategy (legs, stops, re-entry, settlement): a summary, or --json."""
    from tradertape.errors import InvalidField
    from tradertape.services.research.options_backtests import run_options, strategy_from_text
    from tradertape.settings import Settings

    with service_errors():
        if not strategy_file.is_file():
            raise InvalidField("STRATEGY", f"{strategy_file} is not a file")
        strategy = strategy_from_text(strategy_file.read_text(), where=strategy_file.name, sep=": ")
        if data not in ("synthetic", "import"):
            raise InvalidField("--data", f"{data!r}: synthetic or import")
        run = run_options(
            strategy,
            iso_day("--from", start),
            iso_day("--to", end),
            data="import" if data == "import" else "synthetic",
            seed=seed,
            data_dir=Settings().data_dir if data == "import" else None,
        )
    results = run.results
    if as_json:
        body: dict[str, Any] = {
            **asdict(results), "data_source": run.data_source, "synthetic": run.synthetic,
        }  # fmt: skip
        body.pop("trades")
        body["trades"] = [{**asdict(t), "quantity": t.quantity} for t in results.trades]
        typer.echo(json.dumps(body, indent=2, default=str))
        return
    _print(run)


def _print(run: Any) -> None:
    from rich.table import Table

    from tradertape.backtest.metrics import data_warning
    from tradertape.domain.money import inr

    r = run.results
    console.print(f"[bold]{r.name}[/] · {r.underlying} · {r.resolution} · {r.start} → {r.end}")
    if run.synthetic:
        console.print(f"[bold yellow]{data_warning(run.data_source)}[/]")
    table = Table(show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rom = "—" if r.return_on_margin is None else f"{r.return_on_margin:,.2f} %"
    for label, value in (
        ("Gross P&L", inr(r.gross)),
        ("Slippage", inr(r.slippage)),
        ("Charges", inr(r.charges)),
        ("Net P&L", inr(r.net)),
        ("Final equity", inr(r.final_equity)),
        ("Max drawdown", f"{r.max_drawdown:,.2f} %"),
        ("Peak margin", inr(r.margin_peak)),
        ("Return on margin", rom),
        ("Entries", str(r.trade_sets)),
        ("Leg trades", str(len(r.trades))),
        ("Winning entries", f"{r.win_rate:,.2f} %"),
    ):
        table.add_row(label, value)
    console.print(table)
    worst = ", ".join(f"{p.day} {inr(p.pnl)}" for p in r.worst_days[:3])
    console.print(f"worst days: {worst}")
