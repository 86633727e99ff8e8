"""`calendar import` and `calendar status`: NSE's holiday list beyond the shipped years."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from tradertape.cli.common import console, err_console

calendar_app = typer.Typer(help="The NSE trading calendar.", no_args_is_help=True)


@calendar_app.command("import")
def calendar_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="NSE's CSV or JSON list"),
) -> None:
    """Load NSE's published holiday list (each year in the file replaces that year).

    NSE's holidays page: its CSV download (``Sr. No,Date,Day,Description`` with dates like
    26-Jan-2027) or the JSON it reads (``{"CM": [{"tradingDate": "26-Jan-2027",
    "description": "Republic Day"}, ...]}``); or a CSV ``date,description`` with ISO dates.
    Holidays on a weekend are skipped (closed anyway). Kept in the data folder; every process
    started afterwards uses it, and its days are no longer provisional.
    """
    from tradertape.domain.calendar_data import import_holidays
    from tradertape.domain.holiday_file import parse_holiday_file
    from tradertape.settings import Settings

    settings = Settings()
    try:
        parsed = parse_holiday_file(file.read_text(encoding="utf-8"))
        years = import_holidays(settings.ensure_data_dir(), parsed.holidays)
    except (ValueError, UnicodeDecodeError) as exc:
        message = escape(f"{file}: {exc}")
        err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    rows = parsed.holidays
    imported = sorted({d.year for d in rows})
    console.print(
        f"imported {len(rows)} holidays for {', '.join(map(str, imported))} "
        f"(imported years now: {', '.join(map(str, years))}); restart running servers",
        highlight=False,
    )
    if parsed.weekend:
        skipped = ", ".join(f"{d} {n}" for d, n in sorted(parsed.weekend.items()))
        console.print(f"skipped {len(parsed.weekend)} on a weekend: {skipped}", highlight=False)
    _status(settings.data_dir)


@calendar_app.command("status")
def calendar_status() -> None:
    """What the calendar covers, and whether it needs next year's list."""
    from tradertape.settings import Settings

    _status(Settings().data_dir)


def _status(data_dir: Path) -> None:
    from datetime import datetime

    from tradertape.domain.calendar_data import calendar_warning, nse_calendar
    from tradertape.ports.clock import IST

    calendar = nse_calendar(data_dir)
    console.print(
        f"holidays known from {calendar.first_day} to {calendar.last_day}; weekdays after it "
        f"are provisional trading days (until {calendar.provisional_until})",
        highlight=False,
    )
    warning = calendar_warning(calendar, datetime.now(IST).date())
    if warning:
        err_console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
