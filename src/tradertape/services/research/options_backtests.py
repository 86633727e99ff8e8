"""Options backtests for the CLI and the API: read a strategy document, pick the chains it
runs on, run it, and answer its results.

The chains: ``synthetic`` (a seeded random walk priced by Black-76, labelled as simulated),
or ``import``: NSE's F&O bhavcopies imported into the data folder (`candles.fo_store.FoStore`,
through `backtest.options.imported.ImportedChains`). An imported run needs every NSE trading
day of the range (the calendar's published, non-provisional days) stored for the underlying:
a gap is refused naming the underlying and the missing dates, never run over silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from tradertape.backtest.options.chain import ChainSource, MinuteSource
from tradertape.backtest.options.engine import NoData, OptionsBacktester
from tradertape.backtest.options.results import OptionResults, summarize
from tradertape.backtest.options.strategy import OptionStrategy, first_error
from tradertape.backtest.options.sweep import chains_for
from tradertape.candles.fo_minutes import FoMinuteStore
from tradertape.candles.fo_store import FoStore
from tradertape.domain.calendar import OutsideCalendarError
from tradertape.domain.calendar_data import nse_calendar
from tradertape.errors import InvalidField

DataChoice = Literal["synthetic", "import"]
IMPORT_HINT = "import NSE's F&O bhavcopies with `tradertape data import-fo-bhavcopy`"
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
    data_dir: Path | None = None,
) -> OptionsRun:
    """Backtest `strategy` from `start` to `end` on the chosen chains (``import``: those
    imported into `data_dir`)."""
    check_span(start, end)
    require_data(strategy, start, end, data=data, data_dir=data_dir)
    source, minutes = chains_for(strategy, start, end, data=data, seed=seed, data_dir=data_dir)
    return OptionsRun(
        run_on(strategy, source, minutes, start, end, data=data),
        data_source=data,
        synthetic=data == "synthetic",
    )


def check_span(start: date, end: date) -> None:
    """Refuse a range that ends before it starts, or spans more than `MAX_DAYS`."""
    if end < start:
        raise InvalidField("end_date", "must not be before start_date")
    if (end - start).days > MAX_DAYS:
        raise InvalidField("end_date", f"a run spans at most {MAX_DAYS} days")


def require_data(
    strategy: OptionStrategy,
    start: date,
    end: date,
    *,
    data: DataChoice,
    data_dir: Path | None,
) -> None:
    """Refuse (422) chains the run cannot have: an unknown choice, imported days or minutes
    missing, synthetic chains of another underlying than NIFTY."""
    if data == "import":
        if data_dir is None:  # pragma: no cover - every caller passes its data folder
            raise InvalidField("data", "no data folder to read imported bhavcopies from")
        store = FoStore.in_data_folder(data_dir)
        require_days(store, strategy.underlying, start, end, data_dir)
        if strategy.resolution == "minute":
            minute_store = FoMinuteStore.in_data_folder(data_dir)
            require_minutes(minute_store, store, strategy.underlying, start, end)
    elif data == "synthetic":
        if strategy.underlying != "NIFTY":
            raise InvalidField(
                "strategy.underlying", "synthetic chains are made for NIFTY only (its weeklies)"
            )
    else:
        raise InvalidField("data", f"unknown data {data!r}")


def run_on(
    strategy: OptionStrategy,
    source: ChainSource,
    minutes: MinuteSource | None,
    start: date,
    end: date,
    *,
    data: DataChoice,
) -> OptionResults:
    """One run's results on chains already built (a gap in them: 422 naming ``data`` for
    imported chains, ``start_date`` for synthetic ones)."""
    try:
        run = OptionsBacktester(strategy, source, minutes).run(start, end)
    except NoData as exc:
        raise InvalidField("data" if data == "import" else "start_date", str(exc)) from None
    return summarize(run)


def missing_days(
    stored: list[date], start: date, end: date, data_dir: Path | None = None
) -> list[date]:
    """NSE's trading days from `start` to `end` that `stored` lacks (published calendar days
    only: a provisional or uncovered weekday may be a holiday nobody listed yet)."""
    calendar = nse_calendar(data_dir)
    have = set(stored)
    out: list[date] = []
    day = start
    while day <= end:
        try:
            trades = not calendar.is_provisional(day) and calendar.is_trading_day(day)
        except OutsideCalendarError:
            trades = False
        if trades and day not in have:
            out.append(day)
        day += timedelta(days=1)
    return out


def require_minutes(
    minutes: FoMinuteStore, chains: FoStore, underlying: str, start: date, end: date
) -> None:
    """Refuse (``data``) a minute run over days whose index minutes are not imported (the
    strikes are chosen on the index's minute at the entry)."""
    have = set(minutes.days(underlying))
    lacking = [d for d in chains.trading_days(underlying, start, end) if d not in have]
    if lacking:
        shown = ", ".join(d.isoformat() for d in lacking[:5])
        more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
        raise InvalidField(
            "data",
            f"no imported {underlying} minute candles on {shown}{more}: import the index's and "
            "the contracts' minutes (`tradertape data import-fo-minutes`)",
        )


def require_days(
    store: FoStore, underlying: str, start: date, end: date, data_dir: Path | None
) -> None:
    """Refuse (``data``) a range the store does not hold whole for `underlying`."""
    stored = store.trading_days(underlying, start, end)
    if not stored:
        raise InvalidField(
            "data", f"no imported {underlying} F&O bhavcopy from {start} to {end}: {IMPORT_HINT}"
        )
    gone = missing_days(stored, start, end, data_dir)
    if gone:
        span = f"on {gone[0]}" if len(gone) == 1 else f"from {gone[0]} to {gone[-1]}"
        raise InvalidField(
            "data",
            f"{underlying} F&O bhavcopies missing {span} ({len(gone)} trading day(s) not "
            f"imported): {IMPORT_HINT}",
        )
