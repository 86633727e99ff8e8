"""`data import|synth|info|fetch-history`: the candle store from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tradertape.cli.common import build_runtime, console, iso_day, service_errors
from tradertape.domain.brokers import listed
from tradertape.domain.market import Interval
from tradertape.domain.money import group_indian

if TYPE_CHECKING:
    from tradertape.candles.populate import Progress
    from tradertape.candles.store import CandleStore, SeriesInfo
    from tradertape.domain.brokers import BrokerName
    from tradertape.runtime import Runtime
    from tradertape.services.brokers import history as broker_history

data_app = typer.Typer(
    help="Candle data: import files, generate synthetic history, show coverage.",
    no_args_is_help=True,
)

FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help=".csv or .parquet")
SYMBOL = typer.Option(None, "--symbol", help="e.g. NSE:INFY (default: the file's name)")
INTERVAL = typer.Option(Interval.DAY, "--interval", help="day or minute")
REPLACE = typer.Option(
    False,
    "--replace",
    help="drop the stored series first (needed when it holds another source, e.g. synthetic)",
)
UNIVERSE = typer.Option("nifty_500", "--universe", help="e.g. nifty_50, nifty_100, nifty_500")
FROM = typer.Option("2018-01-01", "--from", help="first date (YYYY-MM-DD)")
TO = typer.Option("today", "--to", help="last date: YYYY-MM-DD or 'today' (last closed session)")
SEED = typer.Option(None, "--seed", help="random seed of the simulated market")


def _date(option: str, text: str) -> date:
    return iso_day(option, text)


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A rich progress bar fed by ``(stage, done, total)`` callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

    labels = {
        "generate": "generating synthetic history",
        "write": "writing candle files",
        "read": "reading bhavcopy files",
        "fetch": "fetching broker history",
    }
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


@data_app.command("import")
def import_file(
    file: Path = FILE,
    symbol: str | None = SYMBOL,
    interval: Interval = INTERVAL,
    replace: bool = REPLACE,
) -> None:
    """Import candles from a CSV (Kite historical shape) or Parquet file; all or nothing."""
    from tradertape.candles.bars import CandleSource
    from tradertape.candles.importer import read_candle_file
    from tradertape.errors import InvalidField

    with service_errors():
        runtime = build_runtime()
        store = runtime.candles
        wanted = symbol or file.stem
        instrument = store.catalog.find(wanted)
        if instrument is None:
            raise InvalidField("--symbol", f"unknown instrument '{wanted}'")
        imported = read_candle_file(file, interval)
        if not len(imported.bars):
            raise InvalidField("file", f"{file.name} holds no candles")
        before = store.info(instrument.key, interval)
        info = store.write(
            instrument.key,
            interval,
            imported.bars,
            source=CandleSource.IMPORT,
            origin=imported.origin,
            replace=replace,
        )
    console.print(
        f"imported {len(imported.bars)} {interval.value} candles of {info.key} from {file.name}"
    )
    if before is not None and replace:
        console.print(f"  replaced the stored {before.source.value} series ({before.rows} candles)")
    console.print(f"  series: {info.first} → {info.last}, {info.rows} candles ({info.source})")


BHAVCOPIES = typer.Argument(
    None,
    exists=True,
    dir_okay=False,
    readable=True,
    help="bhavcopy .csv or .zip files (none: only apply --corporate-actions to stored days)",
)
ACTIONS = typer.Option(
    None,
    "--corporate-actions",
    exists=True,
    dir_okay=False,
    readable=True,
    help="CSV of splits and bonuses: symbol,ex_date,kind,ratio (docs/bhavcopy-import.md)",
)


@data_app.command("import-bhavcopy")
def import_bhavcopy(
    files: list[Path] | None = BHAVCOPIES,
    corporate_actions: Path | None = ACTIONS,
    replace: bool = REPLACE,
) -> None:
    """Import NSE equity bhavcopies (old cm…bhav.csv or UDiFF), adjusted for splits/bonuses."""
    import time

    from tradertape.candles.bhavcopy_import import import_bhavcopies, read_actions_file
    from tradertape.errors import InvalidField
    from tradertape.services.market.instruments import build_catalog

    with service_errors():
        if not files and corporate_actions is None:
            raise InvalidField("FILES", "give bhavcopy files, --corporate-actions, or both")
        runtime = build_runtime()
        with runtime.db.session() as db:
            catalog = build_catalog(db)
        actions = read_actions_file(corporate_actions) if corporate_actions else []
        started = time.perf_counter()
        with progress_bar() as report:
            done = import_bhavcopies(
                runtime.candles,
                files or [],
                catalog=catalog,
                actions=actions,
                replace=replace,
                progress=report,
            )
    seconds = time.perf_counter() - started
    span = f" ({done.first} → {done.last})" if done.days else ""
    console.print(
        f"{done.files} files, {done.days} days{span}, "
        f"{done.symbols} symbols, {done.bars} bars written ({done.new_bars} new), "
        f"{done.skipped_rows} rows skipped, in {seconds:.1f} s"
    )
    for reason, count in sorted(done.skipped.items()):
        console.print(f"  skipped {count} rows: {reason.value}")
    if done.adjusted:
        console.print(
            f"  adjusted for splits/bonuses: {len(done.adjusted)} series "
            f"({', '.join(done.adjusted[:10])}{', …' if len(done.adjusted) > 10 else ''}); "
            f"{done.actions} corporate actions known"
        )
    if done.renamed:
        console.print(f"  {done.renamed} rows filed under the catalog's symbol for their ISIN")
    if done.replaced:
        console.print(f"  replaced {done.replaced} series of another source")
    if done.unknown:
        names = ", ".join(done.unknown[:10]) + (", …" if len(done.unknown) > 10 else "")
        console.print(
            f"  {len(done.unknown)} symbols are not in the instrument catalog ({names}): "
            "their history is stored; `tradertape instruments import` of a Kite dump makes "
            "them tradable"
        )


FO_PATHS = typer.Argument(
    ...,
    exists=True,
    readable=True,
    help="F&O bhavcopies: .csv or .zip files, or folders of them (a year at once)",
)


@data_app.command("import-fo-bhavcopy")
def import_fo_bhavcopy(paths: list[Path] = FO_PATHS) -> None:
    """Import NSE F&O bhavcopies (UDiFF BhavCopy_NSE_FO_… or legacy fo…bhav.csv); a day
    imported again replaces itself."""
    import time

    from tradertape.candles.fo_bhavcopy import files_in
    from tradertape.candles.fo_import import import_fo_bhavcopies
    from tradertape.candles.fo_store import FoStore

    with service_errors():
        runtime = build_runtime()
        store = FoStore.in_data_folder(runtime.settings.data_dir)
        files = files_in(paths)
        started = time.perf_counter()
        with progress_bar() as report:
            done = import_fo_bhavcopies(store, files, progress=report)
    seconds = time.perf_counter() - started
    span = f" ({done.first} → {done.last})" if done.days else ""
    layouts = ", ".join(f"{n} {k}" for k, n in done.formats.items())
    console.print(
        f"{done.files} files ({layouts}), {len(done.days)} days{span}, "
        f"{len(done.underlyings)} underlyings, {group_indian(str(done.rows))} contracts stored "
        f"in {seconds:.1f} s"
    )
    if done.replaced_days:
        console.print(f"  {done.replaced_days} underlying-days were stored already: replaced")
    if done.skipped:
        console.print(f"  skipped {done.skipped} rows of another instrument type")
    console.print(f"  F&O store: {store.root}")


MINUTE_FILES = typer.Argument(
    ...,
    exists=True,
    dir_okay=False,
    readable=True,
    help="minute candles of one contract each (.csv, .parquet or .json), named by its symbol",
)
MINUTE_SYMBOL = typer.Option(
    None,
    "--symbol",
    help="the contract of a single file (NIFTY24D1924000CE, NIFTY24DECFUT, NIFTY 50); "
    "default: each file's name",
)


@data_app.command("import-fo-minutes")
def import_fo_minutes(files: list[Path] = MINUTE_FILES, symbol: str | None = MINUTE_SYMBOL) -> None:
    """Import minute candles of index options, futures and indices (a broker's historical
    candles) for minute-resolution options backtests; a contract's day imported again
    replaces itself."""
    from tradertape.candles.fo_minutes import FoMinuteStore, import_minute_file
    from tradertape.candles.fo_store import FoStore
    from tradertape.errors import InvalidField

    with service_errors():
        if symbol is not None and len(files) > 1:
            raise InvalidField("--symbol", "names the contract of one file: give one file")
        runtime = build_runtime()
        minutes = FoMinuteStore.in_data_folder(runtime.settings.data_dir)
        chains = FoStore.in_data_folder(runtime.settings.data_dir)
        done = [import_minute_file(minutes, chains, path, symbol) for path in files]
    for path, one in zip(files, done, strict=True):
        span = f"{one.days[0]} → {one.days[-1]}" if one.days else "no session minutes"
        console.print(
            f"{path.name}: {one.contract.label()}, {group_indian(str(one.bars))} minutes "
            f"on {len(one.days)} days ({span})"
        )
        if one.outside_session:
            console.print(f"  left out {one.outside_session} bars outside 09:15-15:29 IST")
    console.print(f"  minute store: {minutes.root}")


@data_app.command("synth")
def synth(
    universe: str = UNIVERSE, start: str = FROM, end: str = TO, seed: int | None = SEED
) -> None:
    """Generate synthetic daily history for a universe and its indices (idempotent)."""
    import time

    from tradertape.candles.populate import last_completed_session, synthesize
    from tradertape.candles.synthetic import DEFAULT_SEED, SyntheticMarket
    from tradertape.domain.instruments import UnknownUniverseError
    from tradertape.errors import InvalidField

    with service_errors():
        runtime = build_runtime()
        store = runtime.candles
        try:
            members = [i.key for i in store.catalog.universe(universe)]
        except UnknownUniverseError as exc:
            raise InvalidField("--universe", str(exc)) from exc
        first = _date("--from", start)
        closed = last_completed_session(store.calendar, runtime.clock.now())
        last = closed if end == "today" else _date("--to", end)
        market = SyntheticMarket(store.catalog, store.calendar, seed=seed or DEFAULT_SEED)
        if first < market.epoch:
            raise InvalidField("--from", f"synthetic history starts at {market.epoch}")
        if last > closed:
            raise InvalidField("--to", f"{last} is after the last closed session ({closed})")
        if first > last:
            raise InvalidField("--to", f"{last} is before --from ({first})")
        started = time.perf_counter()
        with progress_bar() as report:
            done = synthesize(store, market, members, first, last, progress=report)
    seconds = time.perf_counter() - started
    console.print(
        f"synthetic {universe} {done.first} → {done.last} ({market.origin}): "
        f"{done.written} series written, {done.complete} already complete, "
        f"{done.real} with real data left alone, in {seconds:.1f} s"
    )


def _row(info: SeriesInfo) -> list[str]:
    return [
        info.interval.value,
        info.source.value,
        str(info.first),
        str(info.last),
        group_indian(str(info.rows)),
        group_indian(str(info.files)),
    ]


@data_app.command("info")
def info(
    symbol: str | None = typer.Argument(None, help="e.g. NSE:INFY; omit for a summary"),
) -> None:
    """Show what candles are stored: one instrument in detail, or a summary."""
    with service_errors():
        store = build_runtime().candles
        if symbol is None:
            _summary(store)
        else:
            _detail(store, symbol)


def _detail(store: CandleStore, symbol: str) -> None:
    from rich.table import Table

    from tradertape.candles.store import canonical_key
    from tradertape.domain.instruments import UnknownInstrumentError
    from tradertape.errors import InvalidField

    instrument = store.catalog.find(symbol)
    try:
        key = instrument.key if instrument else canonical_key(symbol)
    except UnknownInstrumentError:
        key = symbol
    found = [i for i in (store.info(key, iv) for iv in Interval) if i is not None]
    if instrument is None and not found:  # a bhavcopy stores symbols the catalog lacks
        raise InvalidField("symbol", f"unknown instrument '{symbol}'")
    if not found:
        console.print(f"no candles stored for {key} (in {store.root})")
        return
    table = Table("interval", "source", "first", "last", "candles", "files", title=key)
    for item in found:
        table.add_row(*_row(item))
    console.print(table)
    for item in found:
        console.print(f"  {item.interval.value}: {item.origin}")


def _summary(store: CandleStore) -> None:
    from rich.table import Table

    table = Table("interval", "source", "series", "first", "last", "candles")
    for interval in Interval:
        groups: dict[str, list[SeriesInfo]] = {}
        for item in store.inventory(interval):
            groups.setdefault(item.source.value, []).append(item)
        for source, items in sorted(groups.items()):
            table.add_row(
                interval.value,
                source,
                str(len(items)),
                min(str(i.first) for i in items),
                max(str(i.last) for i in items),
                group_indian(str(sum(i.rows for i in items))),
            )
    console.print(f"candle store: {store.root}")
    console.print(table if table.rows else "no candles stored yet")


HISTORY_SYMBOLS = typer.Argument(..., help="instruments, e.g. NSE:INFY RELIANCE")
HISTORY_BROKER = typer.Option("kite", "--broker", help=listed(names=True))
HISTORY_FROM = typer.Option(..., "--from", help="first date (YYYY-MM-DD)")
HISTORY_USER = typer.Option(
    None, "--user", help="whose broker session (default: the first admin with a live one)"
)


@data_app.command("fetch-history")
def fetch_history(
    symbols: list[str] = HISTORY_SYMBOLS,
    broker: str = HISTORY_BROKER,
    start: str = HISTORY_FROM,
    end: str = TO,
    interval: Interval = INTERVAL,
    user: str | None = HISTORY_USER,
    replace: bool = REPLACE,
) -> None:
    """Fetch history from a connected broker into the candle store (source 'broker')."""
    from tradertape.services.brokers import history as broker_history

    with (
        service_errors(),
        _broker_history(broker, start, end, user) as (runtime, session),
        progress_bar() as report,
    ):
        reports = broker_history.fetch_history(
            runtime.candles,
            session.adapter,
            broker=session.broker,
            keys=symbols,
            start=session.start,
            end=session.end,
            interval=interval,
            replace=replace,
            progress=report,
        )
    for item in reports:
        console.print(
            f"{item.key}: {item.received} {interval.value} candles in {item.requests} "
            f"request(s), {item.added} new; series {item.series.first} → {item.series.last}, "
            f"{item.series.rows} candles ({item.series.source})"
        )


FO_SYMBOLS = typer.Argument(
    ..., help="index options, futures or indices, e.g. NIFTY24D1924000CE NIFTY24DECFUT 'NIFTY 50'"
)


@data_app.command("fetch-fo-minutes")
def fetch_fo_minutes(
    symbols: list[str] = FO_SYMBOLS,
    broker: str = HISTORY_BROKER,
    start: str = HISTORY_FROM,
    end: str = TO,
    user: str | None = HISTORY_USER,
) -> None:
    """Fetch minute candles of index options, futures and indices from a connected broker
    (the contracts it still serves) into the options backtester's minute store, as
    `import-fo-minutes` stores a file of them."""
    from tradertape.candles.fo_minutes import FoMinuteStore
    from tradertape.candles.fo_store import FoStore
    from tradertape.services.brokers import history as broker_history

    with service_errors(), _broker_history(broker, start, end, user) as (runtime, session):
        minutes = FoMinuteStore.in_data_folder(runtime.settings.data_dir)
        with progress_bar() as report:
            done = broker_history.fetch_fo_minutes(
                minutes,
                FoStore.in_data_folder(runtime.settings.data_dir),
                session.adapter,
                broker=session.broker,
                symbols=symbols,
                start=session.start,
                end=session.end,
                progress=report,
            )
    for one in done:
        span = f"{one.days[0]} → {one.days[-1]}" if one.days else "no session minutes"
        console.print(
            f"{one.contract.label()}: {group_indian(str(one.bars))} minutes on "
            f"{len(one.days)} days ({span})"
        )
    console.print(f"  minute store: {minutes.root}")


@dataclass(frozen=True, slots=True)
class _HistorySession:
    """A fetch's broker, dates and adapter on a stored session."""

    broker: BrokerName
    start: date
    end: date
    adapter: Any


@contextmanager
def _broker_history(
    broker: str, start: str, end: str, user: str | None
) -> Iterator[tuple[Runtime, _HistorySession]]:
    """The runtime and a broker's history adapter on the stored session of `user` (else the
    first admin with a live one) for ``--from``…``--to``; a session the broker refuses
    meanwhile is marked expired and the fetch ends asking for a new login."""
    from tradertape.candles.populate import last_completed_session
    from tradertape.domain.brokers import BrokerName
    from tradertape.errors import InvalidField
    from tradertape.ports.broker import SessionExpired
    from tradertape.services.brokers import history as broker_history

    try:
        chosen = BrokerName(broker)
    except ValueError:
        raise InvalidField("--broker", f"'{broker}' is not {listed(names=True)}") from None
    first = _date("--from", start)
    runtime = build_runtime()
    last = (
        last_completed_session(runtime.candles.calendar, runtime.clock.now())
        if end == "today"
        else _date("--to", end)
    )
    with runtime.db.session() as db:
        user_id, api_key, token = broker_history.session_user(
            db, credentials=runtime.brokers, broker=chosen, clock=runtime.clock, email=user
        )
    adapter = _history_connector(runtime, chosen)(api_key=api_key, access_token=token)
    try:
        yield runtime, _HistorySession(chosen, first, last, adapter)
    except SessionExpired as exc:
        with runtime.db.session() as db:
            runtime.brokers.expire(db, user_id=user_id, broker=chosen)
        raise broker_history.expired_session(chosen) from exc


def _history_connector(runtime: Runtime, broker: BrokerName) -> broker_history.Connector:
    from tradertape.domain.brokers import BrokerName
    from tradertape.services.brokers.groww_session import GrowwConnector
    from tradertape.services.brokers.kite_session import KiteConnector
    from tradertape.services.brokers.upstox_session import UpstoxConnector, stored_catalog
    from tradertape.services.market.instruments import build_catalog

    settings = runtime.settings
    if broker is BrokerName.KITE:
        return KiteConnector(root=settings.kite_root)
    if broker is BrokerName.UPSTOX:
        catalog = stored_catalog(runtime.db, build_catalog)  # imported contracts too
        return UpstoxConnector(root=settings.upstox_root, catalog=catalog)
    return GrowwConnector(root=settings.groww_root)
