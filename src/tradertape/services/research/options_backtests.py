"""Options backtests for the CLI and the API: read a strategy document, pick the chains it
runs on, run it, and answer its results.

The chains: ``synthetic`` (a seeded random walk priced by Black-76, labelled as simulated)
until the F&O bhavcopy store lands; it plugs in here through a thin adapter to
`backtest.options.chain.ChainSource`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from tradertape.backtest.options.engine import NoData, OptionsBacktester
from tradertape.backtest.options.results import OptionResults, summarize
from tradertape.backtest.options.strategy import OptionStrategy, first_error
from tradertape.backtest.options.synthetic import SyntheticChains
from tradertape.errors import InvalidField

DataChoice = Literal["synthetic"]
MAX_DAYS = 3 * 366  # a run's span, bounded as every other heavy request is


@dataclass(frozen=True, slots=True)
class OptionsRun:
    """A run's results and what its prices are."""

    results: OptionResults
    data_source: str  # synthetic | import
    synthetic: bool


def strategy_from_text(text: str, *, where: str = "strategy", sep: str = ".") -> OptionStrategy:
    """A document from JSON text; a bad one is an `InvalidField` naming the path in it."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise InvalidField(where, f"not JSON ({exc})") from None
    return strategy_from(body, where=where, sep=sep)


def strategy_from(body: Any, *, where: str = "strategy", sep: str = ".") -> OptionStrategy:
    """A validated document; errors name ``where.path.in.it``."""
    try:
        return OptionStrategy.model_validate(body)
    except ValidationError as exc:
        path, message = first_error(exc)
        raise InvalidField(
            f"{where}{sep}{path}" if path != "document" else where, message
        ) from None


def run_options(
    strategy: OptionStrategy,
    start: date,
    end: date,
    *,
    data: DataChoice = "synthetic",
    seed: int = 7,
) -> OptionsRun:
    """Backtest `strategy` from `start` to `end` on the chosen chains."""
    if end < start:
        raise InvalidField("end_date", "must not be before start_date")
    if (end - start).days > MAX_DAYS:
        raise InvalidField("end_date", f"a run spans at most {MAX_DAYS} days")
    if data != "synthetic":  # pragma: no cover - the only choice until the F&O store lands
        raise InvalidField("data", f"unknown data {data!r}")
    if strategy.underlying != "NIFTY":
        raise InvalidField(
            "strategy.underlying", "synthetic chains are made for NIFTY only (its weeklies)"
        )
    # the chains start earlier: the first day's open needs the previous close, and an entry
    # rule its indicators' history (a year and more)
    before = timedelta(days=400 if strategy.entry.rule is not None else 10)
    source = SyntheticChains(start - before, end + timedelta(days=10), seed=seed)
    try:
        run = OptionsBacktester(strategy, source, source).run(start, end)
    except NoData as exc:
        raise InvalidField("start_date", str(exc)) from None
    return OptionsRun(summarize(run), data_source="synthetic", synthetic=True)
