"""AMFI's daily NAV file (``NAVAll.txt``, from amfiindia.com) read into rows.

Its lines are ``Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme
Name;Net Asset Value;Date`` under a header line, separated by section titles (the scheme
category, the fund house) that have no semicolons. A NAV of ``N.A.`` is skipped; an ISIN of
``-`` is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

HEADER = "scheme code"
LIMIT = Decimal(10) ** 9  # no NAV comes near: a larger one is a broken line


class BadNavFile(ValueError):  # noqa: N818 - reads as the answer
    """The file is not AMFI's NAV layout; the message names the line."""


@dataclass(frozen=True, slots=True)
class Nav:
    amfi: str
    isin: str | None
    isin_reinvest: str | None
    scheme: str
    nav: Decimal
    day: date


def _isin(cell: str) -> str | None:
    cell = cell.strip().upper()
    return cell if len(cell) == 12 and cell.isalnum() else None


def _day(cell: str) -> date | None:
    for layout in ("%d-%b-%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cell.strip(), layout).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


def parse_navs(text: str) -> tuple[list[Nav], int]:
    """The NAV rows and how many lines were skipped (``N.A.``, a bad date)."""
    lines = text.splitlines()
    start = next(
        (i for i, ln in enumerate(lines[:50]) if ln.strip().lower().startswith(HEADER)), None
    )
    if start is None:
        raise BadNavFile("no 'Scheme Code;…;Net Asset Value;Date' header: not AMFI's NAVAll.txt")
    found: list[Nav] = []
    skipped = 0
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if ";" not in line:
            continue  # a section title or a blank line
        cells = line.split(";")
        if len(cells) < 6:
            raise BadNavFile(f"line {number}: {len(cells)} fields, six expected")
        code, payout, reinvest, scheme, value, when = (c.strip() for c in cells[:6])
        day = _day(when)
        try:
            nav = Decimal(value)
        except InvalidOperation:
            nav = Decimal(0)
        if not code.isdigit() or day is None or not nav.is_finite() or not 0 < nav < LIMIT:
            skipped += 1
            continue
        found.append(Nav(code, _isin(payout), _isin(reinvest), scheme[:500], nav, day))
    return found, skipped
