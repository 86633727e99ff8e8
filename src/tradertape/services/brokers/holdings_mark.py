"""A broker's holdings at one mark: every figure of a row from the row's own average and
last price, so the rows add up to the page's totals (issue 64).

Kite computes a holding's ``pnl`` against its full-precision average (``1416.6666…``) and
answers the average to the paisa beside it, counts T1 shares in the P&L but not in
``quantity``, and its day change can be of an earlier quote than ``last_price``. The
Holdings page showed ``Qty. 10 · Avg. 1,416.67 · LTP 1,402.70 · P&L −167.64`` (12 held,
two of them T1) under totals that no sum of the rows gave. Here each row's ``pnl`` is
(last − average shown) × (quantity + T1) to the paisa and its day change is last − close,
so the summary (the sums of the rows) is what the rows say.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tradertape.domain.money import paise

_PERCENT = Decimal("0.01")


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def held(row: dict[str, Any]) -> int:
    """The units a holding row holds: settled and T1."""
    return int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)


def at_one_mark(row: dict[str, Any]) -> dict[str, Any]:
    """`row` with its average to the paisa and its P&L and day change at its last price."""
    average, last = _number(row.get("average_price")), _number(row.get("last_price"))
    if average is None or last is None or not last:
        return row  # no mark to hold it at: as the broker wrote it
    shown = paise(average)
    marked = {**row, "average_price": float(shown), "pnl": float(paise((last - shown) * held(row)))}
    close = _number(row.get("close_price"))
    if close:
        change = last - close
        marked["day_change"] = float(change)
        percentage = (change / close * 100).quantize(_PERCENT, rounding=ROUND_HALF_UP)
        marked["day_change_percentage"] = float(percentage)
    return marked


def holdings_at_one_mark(rows: Any) -> Any:
    """Each holding row of a broker's answer `at_one_mark` (anything else as it is)."""
    if not isinstance(rows, list):
        return rows
    return [at_one_mark(r) if isinstance(r, dict) else r for r in rows]
