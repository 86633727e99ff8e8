"""Tradebooks and ledgers the agent forwards (its Uploads page), scaled when obfuscation is on.

The cloud reads Zerodha, Upstox and Groww tradebooks and Zerodha ledgers, as XLSX or CSV,
by finding a header row among the first rows. The agent finds that row the same way, by
column names, and multiplies the figures below it by its factor before the file leaves the
machine:

- a quantity (``Quantity``) and a price (``Price``) by the factor;
- a trade's value (Groww's ``Value``: quantity × price) by the factor squared, so the price
  the cloud derives from it is scaled like every other price;
- a ledger's money (``Debit``, ``Credit``, ``Net Balance``) by the factor.

Everything else (names, dates, ids, the preamble with the client id) goes as it was. A
scaled file goes as CSV (the cloud reads both), so no spreadsheet library has to write a
workbook; an unscaled one goes byte for byte. A file the agent cannot read as a table is
never sent scaled-or-not by guess: with obfuscation on it is refused here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

TRADEBOOK = "tradebook"
LEDGER = "ledger"
KINDS = (TRADEBOOK, LEDGER)
#: How many rows from the top a header may be (a Console XLSX has a preamble).
HEADER_SCAN = 30
#: Largest file the agent forwards (the cloud's own limit is 50 MB).
MAX_BYTES = 50 * 1024 * 1024

#: Normalised column name → the power of the factor it is scaled by, per kind.
SCALES: dict[str, dict[str, int]] = {
    TRADEBOOK: {
        "quantity": 1,
        "qty": 1,
        "price": 1,
        "trade_price": 1,
        "average_price": 1,
        "value": 2,
        "trade_value": 2,
        "amount": 2,
        "net_amount": 2,
    },
    LEDGER: {"debit": 1, "credit": 1, "net_balance": 1, "balance": 1, "amount": 1},
}
#: Columns that tell a header row of each kind (all of one tuple must be there).
HEADERS: dict[str, tuple[tuple[str, ...], ...]] = {
    TRADEBOOK: (("quantity", "price"), ("quantity", "value")),
    LEDGER: (("debit", "credit"),),
}
#: What a scaled column measures (a price's total means nothing; the page leaves it out).
QUANTITIES = frozenset({"quantity", "qty"})
PRICES = frozenset({"price", "trade_price", "average_price"})
#: A running balance: each row already holds the sum so far, so its figure is the last
#: row's (the closing balance), never the column's sum.
BALANCES = frozenset({"net_balance", "balance"})
_XLSX = b"PK\x03\x04"


class StatementError(ValueError):
    """The file cannot be forwarded; the message is the user's."""


def norm(cell: Any) -> str:
    """A header cell as the cloud compares it: lower case, words joined by ``_``."""
    if not isinstance(cell, str):
        return ""
    return re.sub(r"[^a-z0-9]+", "_", cell.lower()).strip("_")


def _number(cell: Any) -> Decimal | None:
    """A figure cell's exact value (None: empty or words)."""
    if cell is None or isinstance(cell, bool | datetime | date | time):
        return None
    if isinstance(cell, float):
        return Decimal(repr(cell))
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    text = str(cell).strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def plain(value: Decimal) -> str:
    """An exact decimal as text without an exponent (``100``, ``0.137``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def read_rows(filename: str, content: bytes) -> list[list[Any]]:
    """The first sheet of an XLSX workbook, or a CSV's rows."""
    if not content.strip():
        raise StatementError(f"{filename}: the file is empty")
    if content.startswith(_XLSX):
        from openpyxl import load_workbook  # only for a workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise StatementError(f"{filename}: not a workbook the agent can read ({exc})") from None
        try:
            sheet = book.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementError(f"{filename}: neither an XLSX workbook nor a UTF-8 CSV") from None
    return [list(row) for row in csv.reader(io.StringIO(text))]


def find_header(rows: list[list[Any]], kind: str) -> tuple[int, list[str]]:
    """The header row's index and its normalised names."""
    for index, row in enumerate(rows[:HEADER_SCAN]):
        names = [norm(cell) for cell in row]
        present = set(names)
        if any(all(c in present for c in wanted) for wanted in HEADERS[kind]):
            return index, names
    what = "quantity and price (or value)" if kind == TRADEBOOK else "debit and credit"
    raise StatementError(
        f"no {kind} header ({what}) in the first {HEADER_SCAN} rows: is it a {kind}?"
    )


@dataclass
class Column:
    """One scaled column: its header, the power of the factor, and its totals (a running
    balance's: its closing figure, the last row's)."""

    name: str
    power: int
    real: Decimal = Decimal(0)
    sent: Decimal = Decimal(0)


@dataclass
class Prepared:
    """A file ready to forward, and what the user is shown of it."""

    filename: str
    content: bytes
    kind: str
    scaled: bool
    rows: int
    columns: list[Column] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Each scaled column's real total and the total the cloud is sent."""
        return {
            "filename": self.filename,
            "kind": self.kind,
            "scaled": self.scaled,
            "rows": self.rows,
            "columns": [
                {
                    "name": c.name,
                    "measure": measure(c.name),
                    "real_total": plain(c.real),
                    "sent_total": plain(c.sent),
                }
                for c in self.columns
            ],
        }


def measure(name: str) -> str:
    """``quantity``, ``price``, ``balance`` (a running balance: its total is the closing
    figure) or ``money``: what a scaled column holds."""
    if name in QUANTITIES:
        return "quantity"
    if name in BALANCES:
        return "balance"
    return "price" if name in PRICES else "money"


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, float):
        return plain(Decimal(repr(cell)))
    if isinstance(cell, Decimal):
        return plain(cell)
    return str(cell)


def _csv(rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell_text(c) for c in row])
    return out.getvalue().encode()


def _scale(rows: list[list[Any]], columns: dict[int, Column], factor: Decimal | None) -> int:
    """Scale `columns` of `rows` in place (each by its power of `factor`; None: only
    total them); the number of rows with a figure."""
    body = 0
    for row in rows:
        touched = False
        for i, column in columns.items():
            value = _number(row[i]) if i < len(row) else None
            if value is None:
                continue
            sent = value if factor is None else value * factor**column.power
            if column.name in BALANCES:  # the closing balance: the last row's
                column.real, column.sent = value, sent
            else:
                column.real += value
                column.sent += sent
            row[i] = sent
            touched = True
        body += 1 if touched else 0
    return body


def prepare(filename: str, content: bytes, kind: str, factor: Decimal | None) -> Prepared:
    """`content` as it goes to the cloud: scaled by `factor` (a CSV), or as it is (None).
    Either way the columns that would be scaled are totalled for the user."""
    if kind not in KINDS:
        raise StatementError(f"kind: one of {', '.join(KINDS)}")
    if len(content) > MAX_BYTES:
        raise StatementError(f"{filename}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    name = PurePath(filename.replace("\\", "/")).name or "upload"
    try:
        rows = read_rows(name, content)
        header, names = find_header(rows, kind)
    except StatementError:
        if factor is not None:
            raise  # never sent unscaled when the user asked for scaling
        return Prepared(name, content, kind, scaled=False, rows=0)  # the cloud will say why
    scales = SCALES[kind]
    columns = {i: Column(n, scales[n]) for i, n in enumerate(names) if n in scales}
    body = _scale(rows[header + 1 :], columns, factor)
    if factor is None:
        return Prepared(name, content, kind, False, body, list(columns.values()))
    stem = PurePath(name).stem or kind
    return Prepared(f"{stem}.csv", _csv(rows), kind, True, body, list(columns.values()))
