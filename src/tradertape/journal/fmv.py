"""Fair market values on 31 January 2018 by ISIN, for s.112A grandfathering (`journal.tax`).

A CSV with ``isin,symbol,fmv`` (lines starting with ``#`` ignored). The shipped file
(``data/fmv_2018.csv``) is read first, then a user's file in the same layout over it.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

SHIPPED = "fmv_2018.csv"
LIMIT = Decimal(10) ** 9


class BadFmvFile(ValueError):  # noqa: N818 - reads as the answer
    """A row that cannot be read; the message names the line."""


def parse_fmv_rows(text: str, *, source: str = "FMV file") -> list[tuple[str, str | None, Decimal]]:
    """(ISIN, symbol, FMV per share) of each row, in file order."""
    lines = [ln if not ln.lstrip().startswith("#") else "" for ln in text.splitlines()]
    reader = csv.reader(io.StringIO("\n".join(lines), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as problem:
        raise BadFmvFile(f"{source}: not a CSV file ({problem})") from None
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0][1]]
    if "isin" not in header or "fmv" not in header:
        raise BadFmvFile(f"{source}: the header needs isin and fmv")
    values: list[tuple[str, str | None, Decimal]] = []
    for line, row in rows[1:]:
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        try:
            value = Decimal(cells.get("fmv", "").replace(",", ""))
        except InvalidOperation:
            raise BadFmvFile(f"{source} line {line}: fmv {cells.get('fmv')!r}") from None
        isin = cells.get("isin", "").upper()
        if not value.is_finite() or not 0 < value < LIMIT or not isin:
            raise BadFmvFile(f"{source} line {line}: an ISIN and a positive fmv are needed")
        if len(isin) != 12 or not isin.isalnum():
            raise BadFmvFile(f"{source} line {line}: {isin!r} is not an ISIN (12 letters/digits)")
        values.append((isin, cells.get("symbol") or None, value))
    return values


def parse_fmv(text: str, *, source: str = "FMV file") -> dict[str, Decimal]:
    """ISIN → FMV per share."""
    return {isin: fmv for isin, _, fmv in parse_fmv_rows(text, source=source)}


def load_fmv(extra: Path | None = None) -> dict[str, Decimal]:
    """The shipped values, with a user's file (if it exists) over them."""
    text = resources.files("tradertape.journal").joinpath("data", SHIPPED).read_text("utf-8")
    values = parse_fmv(text, source=SHIPPED)
    if extra is not None and extra.is_file():
        values.update(parse_fmv(extra.read_text("utf-8"), source=str(extra)))
    return values
