"""`instruments import|show|search`: the catalog from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from tradertape.cli.common import build_runtime, console, service_errors

instruments_app = typer.Typer(
    help="Instruments: import a Kite dump, look symbols up in any broker's format.",
    no_args_is_help=True,
)


@instruments_app.command("import")
def import_dump(
    file: Path = typer.Argument(..., help="a Kite instruments CSV (GET /instruments)"),
) -> None:
    """Load a Kite instruments dump into the catalog (all rows or none)."""
    from tradertape.services.market.instruments import import_kite_csv

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        report = import_kite_csv(db, file, clock=runtime.clock)
    console.print(
        f"read {report.rows_read} rows: [green]{report.new} new[/green], "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )
    table = Table("segment", "rows")
    for segment, count in report.segments.items():
        table.add_row(segment, str(count))
    for exchange, count in report.skipped.items():
        table.add_row(f"{exchange} (skipped: exchange not traded)", str(count), style="dim")
    console.print(table)


@instruments_app.command("import-freeze")
def import_freeze(
    file: Path = typer.Argument(
        ..., help="NSE's F&O quantity-freeze list as CSV (SYMBOL, VOL_FRZ_QTY)"
    ),
    as_of: str | None = typer.Option(
        None, help="the day the list is of (YYYY-MM-DD); default today"
    ),
) -> None:
    """Load NSE's freeze quantities; orders above them are sliced or refused."""
    from datetime import date

    from tradertape.services.market.freeze_quantities import import_freeze_csv

    runtime = build_runtime()
    day = date.fromisoformat(as_of) if as_of else None
    with service_errors(), runtime.db.session() as db:
        limits = import_freeze_csv(db, file, as_of=day, clock=runtime.clock)
    console.print(f"stored {len(limits)} freeze quantities")
    stale = sorted({limit.as_of for limit in limits if limit.stale})
    if stale:
        console.print(
            f"[yellow]warning: figures of {', '.join(map(str, stale))} are older than NSE's"
            " last revision we know of (2025-11-03): they may no longer be the limits[/yellow]"
        )


@instruments_app.command("show")
def show(
    symbol: str = typer.Argument(..., help="NSE:RELIANCE, NSE_EQ|INE002A01018 or NSE-WIPRO"),
) -> None:
    """Show one instrument and its Kite, Upstox and Groww identifiers."""
    from tradertape.domain.symbols import broker_symbols
    from tradertape.services.market import instruments

    runtime = build_runtime()
    with service_errors(), runtime.db.session() as db:
        instrument = instruments.lookup(instruments.build_catalog(db), symbol)
    ids = broker_symbols(instrument)
    table = Table("field", "value", show_header=False)
    rows = {
        "kite": ids.kite,
        "upstox": ids.upstox or "(none: ISIN or exchange token unknown)",
        "groww": ids.groww.groww_symbol if ids.groww else "(none)",
        "groww trading_symbol": ids.groww.trading_symbol if ids.groww else "",
        "groww exchange/segment": f"{ids.groww.exchange} {ids.groww.segment}" if ids.groww else "",
        "name": instrument.name,
        "type": instrument.instrument_type.value,
        "segment": instrument.segment,
        "instrument token": str(instrument.instrument_token),
        "exchange token": _text(instrument.exchange_token),
        "isin": _text(instrument.isin),
        "sector": _text(instrument.sector),
        "lot size": str(instrument.lot_size),
        "tick size": str(instrument.tick_size),
        "expiry": _text(instrument.expiry),
        "strike": _text(instrument.strike),
        "underlying": _text(instrument.underlying),
    }
    for field, value in rows.items():
        table.add_row(field, value)
    console.print(table)


@instruments_app.command("search")
def search(
    text: str = typer.Argument(..., help="start of a symbol or of a word of the name"),
    limit: int = typer.Option(20, "--limit", min=1, max=500),
) -> None:
    """Find instruments by symbol or name prefix."""
    from tradertape.services.market.instruments import build_catalog

    runtime = build_runtime()
    with runtime.db.session() as db:
        found = build_catalog(db).search(text, limit=limit)
    if not found:
        console.print(f"no instrument matches {escape(repr(text))}")
        return
    table = Table("key", "name", "type", "lot", "expiry", "sector")
    for i in found:
        table.add_row(
            i.key,
            i.name,
            i.instrument_type.value,
            str(i.lot_size),
            _text(i.expiry),
            _text(i.sector),
        )
    console.print(table)


def _text(value: object) -> str:
    return "" if value is None else str(value)
