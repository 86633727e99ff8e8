"""The bounds of what a statement may hold, and the checks a read applies to a stored row.

A statement's numbers pass the one number rule (`domain.decimal_input`) and its days fall
between `EARLIEST` and `LATEST` when it is read (`journal.statements`, `journal.cas`). Rows
stored before those checks may still hold anything, so the pages that read them skip a row
these checks refuse instead of failing the whole page (docs/limits.md, "Statement files").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradertape.domain.decimal_input import MAX_MAGNITUDE

EARLIEST = date(1990, 1, 1)
"""No statement we read is older (NSE opened in 1994); an earlier day is a broken file."""
LATEST = date(2099, 12, 31)
"""An expiry's sanity bound; a trade or ledger day is at most the day after today."""
MAX_DIGITS = 20
"""Significant digits a number may have (a spreadsheet's float has 17)."""
_LIMIT = Decimal(10) ** MAX_MAGNITUDE


def sane_day(day: date | None) -> bool:
    """None, or a day between `EARLIEST` and `LATEST`."""
    return day is None or EARLIEST <= day <= LATEST


def sane_amount(*values: Decimal | None) -> bool:
    """Each value None, or a finite number below 10^15 in size (the one number rule's)."""
    return all(v is None or (v.is_finite() and abs(v) < _LIMIT) for v in values)
