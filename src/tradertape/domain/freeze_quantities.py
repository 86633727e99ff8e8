"""NSE's F&O quantity freeze limits: an order for more than an underlying's limit is
rejected by the exchange, so it must be sliced (`oms.slicing`).

The shipped figures (``data/instruments/freeze_quantities.csv``, with the date they are
of) cover the index underlyings only; NSE's published list (every F&O underlying, stocks
included) is loaded with ``tradertape instruments import-freeze FILE`` and overrides them.
A figure older than NSE's last revision we know of (`LAST_KNOWN_REVISION`) is flagged
stale wherever it is shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from tradertape.errors import InvalidField

# NSE's last revision of the index freeze limits we know of: its circular of 31 October 2025,
# effective 3 November 2025 (BANKNIFTY 600, NIFTY 1800, FINNIFTY 1800, MIDCPNIFTY 2800,
# NIFTYNXT50 600; docs/freeze-quantities.md). A figure of an earlier day may be outdated.
LAST_KNOWN_REVISION = date(2025, 11, 3)

# Header names accepted for each column: ours, and NSE's list (``SYMBOL``, ``VOL_FRZ_QTY``).
_SYMBOL = ("symbol", "underlying")
_QUANTITY = ("freeze_quantity", "vol_frz_qty", "freeze_qty", "qty_freeze")


@dataclass(frozen=True, slots=True)
class FreezeLimit:
    """An underlying's freeze quantity (units, not lots) and the day the figure is of."""

    underlying: str
    freeze_quantity: int
    as_of: date

    @property
    def stale(self) -> bool:
        """Older than NSE's last revision we know of: it may no longer be the limit."""
        return self.as_of < LAST_KNOWN_REVISION


def parse_freeze_csv(text: str, *, as_of: date | None = None) -> list[FreezeLimit]:
    """The limits of a CSV with a symbol and a freeze-quantity column (ours or NSE's
    headers, any case); an ``as_of`` column wins over the `as_of` argument. 422 naming
    ``file`` when a column is missing or a quantity is not a positive integer."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {(h or "").strip().lower(): h for h in reader.fieldnames or ()}
    symbol = next((headers[h] for h in _SYMBOL if h in headers), None)
    quantity = next((headers[h] for h in _QUANTITY if h in headers), None)
    if symbol is None or quantity is None:
        raise InvalidField("file", "needs a SYMBOL and a VOL_FRZ_QTY (or freeze_quantity) column")
    dated = headers.get("as_of")
    limits: list[FreezeLimit] = []
    for line, row in enumerate(reader, start=2):
        name = (row.get(symbol) or "").strip().upper()
        raw = (row.get(quantity) or "").strip().replace(",", "")
        if not name and not raw:
            continue
        if not raw.isdigit() or int(raw) <= 0:
            raise InvalidField(
                "file", f"line {line}: freeze quantity {raw!r} is not a positive integer"
            )
        day = as_of
        if dated is not None and (row.get(dated) or "").strip():
            day = date.fromisoformat((row.get(dated) or "").strip())
        if day is None:
            raise InvalidField("file", f"line {line}: no as_of date (pass --as-of)")
        limits.append(FreezeLimit(name, int(raw), day))
    return limits


@cache
def shipped_limits() -> dict[str, FreezeLimit]:
    """The figures shipped with the package, by underlying."""
    text = (
        files("tradertape.domain") / "data" / "instruments" / "freeze_quantities.csv"
    ).read_text(encoding="utf-8")
    return {limit.underlying: limit for limit in parse_freeze_csv(text)}
