"""`tradertape backtest walk-forward`: a strategy's grid re-chosen fold after fold, on the
data folder's candles, in this process: each fold's choice and figures, the stitched
out-of-sample curve's figures, parameter stability, the deflated Sharpe ratio and PBO."""

from __future__ import annotations

import json
from typing import Any

import typer

from tradertape.cli.common import console, service_errors

PARAM = typer.Option(
    ...,
    "--param",
    help="PATH=V1,V2,... or PATH=START:STOP:STEP (repeat for up to 4 axes), e.g. "
    "config.min_hold=5,10,20",
)
IN_SAMPLE = typer.Option(250, "--in-sample", help="trading days each fold chooses on")
OUT_OF_SAMPLE = typer.Option(60, "--out-of-sample", help="trading days each choice is scored on")
ANCHORED = typer.Option(False, "--anchored", help="grow the in-sample from the first day")
PURGE = typer.Option(0, "--purge", help="days before out-of-sample left out of in-sample")
EMBARGO = typer.Option(0, "--embargo", help="first out-of-sample days left unscored")
SEARCH = typer.Option(
    "grid", "--search", help="grid, random (with --samples) or bayes (with --trials)"
)
SAMPLES = typer.Option(None, "--samples", help="random search: variants drawn from the grid")
TRIALS = typer.Option(None, "--trials", help="bayes: trials per fold (Optuna's TPE)")
SEED = typer.Option(0, "--seed", help="random or bayes search: the seed")
OBJECTIVE = typer.Option(
    "sharpe", "--objective", help="sharpe, sortino, calmar, cagr, total_return"
)
BLOCKS = typer.Option(10, "--pbo-blocks", help="CSCV blocks (even, 2 to 16)")


def _parameter(text: str) -> dict[str, Any]:
    from tradertape.errors import InvalidField

    path, _, values = text.partition("=")
    try:
        if ":" in values:
            start, stop, step = (float(v) for v in values.split(":"))
            return {"path": path, "start": start, "stop": stop, "step": step}
        return {"path": path, "values": [float(v) for v in values.split(",")]}
    except ValueError:
        raise InvalidField("--param", f"{text!r}: PATH=V1,V2 or PATH=START:STOP:STEP") from None


def walk_forward(  # noqa: PLR0913 - one option per request field
    strategy: str = typer.Option(..., "--strategy", help="a built-in, a JSON document or an id"),
    universe: str = typer.Option("nifty_100", "--universe"),
    start: str = typer.Option(..., "--from", help="first date (YYYY-MM-DD)"),
    end: str = typer.Option(..., "--to", help="last date (YYYY-MM-DD)"),
    param: list[str] = PARAM,
    in_sample: int = IN_SAMPLE,
    out_of_sample: int = OUT_OF_SAMPLE,
    anchored: bool = ANCHORED,
    purge: int = PURGE,
    embargo: int = EMBARGO,
    search: str = SEARCH,
    samples: int | None = SAMPLES,
    trials: int | None = TRIALS,
    seed: int = SEED,
    objective: str = OBJECTIVE,
    pbo_blocks: int = BLOCKS,
    capital: float = typer.Option(1_000_000.0, "--capital", help="starting capital, ₹"),
    max_positions: int = typer.Option(10, "--max-positions"),
    interval: str = typer.Option("day", "--interval", help="day, or an intraday interval"),
    as_json: bool = typer.Option(False, "--json", help="print the folds and verdict as JSON"),
) -> None:
    """Walk-forward a strategy's parameters: per fold the in-sample best, scored out of sample."""
    from pydantic import ValidationError

    from tradertape.backtest.walk_forward import run_serially
    from tradertape.backtest.walk_forward_request import WalkForwardRequest
    from tradertape.backtest.walk_forward_search import search_serially
    from tradertape.candles import CandleStore
    from tradertape.cli.backtest import _document
    from tradertape.errors import InvalidField
    from tradertape.services.research.walk_forwards import prepare
    from tradertape.settings import Settings

    with service_errors():
        store = CandleStore.in_data_folder(Settings().data_dir)
        document = _document(strategy)
        fields = {
            "strategy": document,
            "universe": universe,
            "start_date": start,
            "end_date": end,
            "starting_capital": capital,
            "max_positions": max_positions,
            "interval": interval,
            "parameters": [_parameter(p) for p in param],
            "in_sample_days": in_sample,
            "out_of_sample_days": out_of_sample,
            "anchored": anchored,
            "purge_days": purge,
            "embargo_days": embargo,
            "search": search,
            "samples": samples,
            "trials": trials,
            "seed": seed,
            "objective": objective,
            "pbo_blocks": pbo_blocks,
        }
        try:
            request = WalkForwardRequest.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidField(where, first["msg"]) from None
        body = document.model_dump(mode="json")
        market, spec, verdict = prepare(store, request, body, limit=100_000)
        if not as_json:
            console.print(
                f"{len(spec.folds)} folds × {spec.width} variants ({spec.size * 2} backtests) …",
                highlight=False,
            )
        run = run_serially if spec.trials is None else search_serially
        folds, summary = run(market, spec, verdict)
    if as_json:
        for fold in folds:
            fold.pop("returns", None)
        typer.echo(json.dumps({"folds": folds, "summary": summary}, indent=2))
        return
    _print(folds, summary, objective)


def _figure(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.2f}{suffix}"


def _print(folds: list[dict[str, Any]], summary: dict[str, Any], objective: str) -> None:
    from rich.table import Table

    table = Table(title=f"Walk-forward, chosen by in-sample {objective}")
    for name in ("fold", "in-sample", "out-of-sample", "chosen", "IS Sharpe", "OOS Sharpe"):
        table.add_column(name)
    for fold in folds:
        inside, outside = fold["in_sample"] or {}, fold["out_of_sample"] or {}
        params = ", ".join(f"{k}={v:g}" for k, v in (fold["params"] or {}).items())
        table.add_row(
            str(fold["index"] + 1),
            f"{fold['in_start']} → {fold['in_end']}",
            f"{fold['out_start']} → {fold['out_end']}",
            params or "—",
            _figure(inside.get("sharpe")),
            _figure(outside.get("sharpe")),
        )
    console.print(table)
    stitched = summary["stitched"]
    drawdown = _figure(stitched["max_drawdown"], " %")
    console.print(
        f"stitched out-of-sample: return {_figure(stitched['total_return'], ' %')}, "
        f"Sharpe {_figure(stitched['sharpe'])}, max drawdown {drawdown}",
        highlight=False,
    )
    dsr, pbo = summary["deflated_sharpe"], summary["pbo"]
    if dsr is not None:
        console.print(
            f"deflated Sharpe ratio: {dsr['dsr']:.3f} (the chance its Sharpe beats the best of "
            f"{dsr['trials']} variants by luck alone)",
            highlight=False,
        )
    if pbo is not None:
        console.print(
            f"probability of backtest overfitting: {pbo['pbo']:.3f} (share of {pbo['splits']} "
            "CSCV splits whose in-sample best fell in the bottom half out of sample)",
            highlight=False,
        )
    for row in summary["stability"]:
        console.print(
            f"{row['path']}: chosen {', '.join(f'{v:g}' for v in row['chosen'])} "
            f"(spread {row['std']:g}, {row['mode']:g} in {row['mode_share']:.0%} of folds)",
            highlight=False,
        )
