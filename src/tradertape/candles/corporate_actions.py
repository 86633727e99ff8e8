"""Splits and bonus issues, and the backward adjustment of daily candles for them.

A bhavcopy prints the prices that traded that day, so a 1:5 split shows as an 80% fall on its
ex-date. Adjusting divides every price *before* the ex-date by the action's factor and
multiplies those days' volumes by it, so the series reads as if today's share count had always
been outstanding, the way brokers' historical charts show it.

The file format (docs/bhavcopy-import.md) is a CSV with a header::

    symbol,ex_date,kind,ratio
    INFY,2024-03-15,split,1:5      # each share becomes 5:      factor 5
    INFY,2024-06-03,bonus,1:1      # 1 new share per 1 held:    factor 2
    TCS,2024-09-02,bonus,3:2       # 3 new shares per 2 held:   factor 5/2

A split's ratio is old:new shares (``10:1`` is a consolidation, factor 1/10); a bonus ratio is
new:held, as NSE announces it. Lines starting with ``#`` and blank lines are ignored.

Factors are exact fractions. A price is divided by the product of the factors of every action
whose ex-date is after its day, once, and rounded half-up to `PRICE_DECIMALS` places (a 1:3
split leaves no 15-digit tails; four places keep precision a paisa would lose on a large
factor); a volume is rounded half-up to a whole share. Days without an action after them are
left exactly as they were.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import numpy as np

from tradertape.candles.bars import Bars
from tradertape.domain.instruments import UnknownInstrumentError, split_key
from tradertape.errors import InvalidField

PRICE_DECIMALS = 4
COLUMNS = ("symbol", "ex_date", "kind", "ratio")


class ActionKind(StrEnum):
    """The corporate actions that change the share count without changing the company."""

    SPLIT = "split"
    BONUS = "bonus"


@dataclass(frozen=True, slots=True, order=True)
class CorporateAction:
    """One split or bonus of one symbol; ``ratio`` as written (``(1, 5)`` for ``1:5``)."""

    key: str  # NSE:INFY
    ex_date: date
    kind: ActionKind
    ratio: tuple[int, int]

    @property
    def factor(self) -> Fraction:
        """How many shares one share before the ex-date is worth after it."""
        first, second = self.ratio
        if self.kind is ActionKind.SPLIT:
            return Fraction(second, first)
        return Fraction(first + second, second)

    @property
    def identity(self) -> tuple[str, date, ActionKind]:
        """What makes two rows the same action (a later row corrects the ratio)."""
        return (self.key, self.ex_date, self.kind)

    def describe(self) -> str:
        """``split 1:5 ex 2024-03-15``."""
        return f"{self.kind.value} {self.ratio[0]}:{self.ratio[1]} ex {self.ex_date}"


class _BadCell(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _ratio(text: str) -> tuple[int, int]:
    first, sep, second = text.strip().partition(":")
    if not sep or not first.strip().isdigit() or not second.strip().isdigit():
        raise ValueError("is not a ratio like 1:5")
    pair = (int(first), int(second))
    if 0 in pair:
        raise ValueError("has a zero side")
    return pair


def _action(row: dict[str, str]) -> CorporateAction:
    """One action from a row, or `_BadCell` naming the column at fault."""
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    try:
        exchange, symbol = split_key(values["symbol"])
    except UnknownInstrumentError:
        raise _BadCell("symbol", f"{values['symbol']!r} has an unknown exchange") from None
    if not symbol:
        raise _BadCell("symbol", "is empty")
    try:
        ex_date = date.fromisoformat(values["ex_date"])
    except ValueError:
        raise _BadCell("ex_date", f"{values['ex_date']!r} is not a date (YYYY-MM-DD)") from None
    try:
        kind = ActionKind(values["kind"].lower())
    except ValueError:
        raise _BadCell("kind", f"{values['kind']!r} is not split or bonus") from None
    try:
        ratio = _ratio(values["ratio"])
    except ValueError as exc:
        raise _BadCell("ratio", f"{values['ratio']!r} {exc}") from None
    return CorporateAction(f"{exchange.value}:{symbol}", ex_date, kind, ratio)


def parse_corporate_actions(
    text: str, *, source: str = "corporate actions"
) -> list[CorporateAction]:
    """Actions from the CSV ``text``; an error names ``source``, the line and the column.

    A row repeating an earlier row's symbol, ex-date and kind replaces it (a correction).
    """
    lines = [
        ln if ln.strip() and not ln.lstrip().startswith("#") else "\n"
        for ln in text.splitlines(keepends=True)
    ]  # comments become blank lines, so csv's line numbers stay the file's
    reader = csv.reader(io.StringIO("".join(lines)))
    rows = ((reader.line_num, row) for row in reader if any(cell.strip() for cell in row))
    _, header = next(rows, (0, []))
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidField(missing[0], f"{source}: missing column(s) {', '.join(missing)}")
    found: dict[tuple[str, date, ActionKind], CorporateAction] = {}
    for line, row in rows:
        try:
            action = _action(dict(zip(header, row, strict=False)))
        except _BadCell as exc:
            raise InvalidField(exc.column, f"{source} line {line}: {exc.message}") from None
        found[action.identity] = action
    return sorted(found.values())


def format_corporate_actions(actions: Iterable[CorporateAction]) -> str:
    """The CSV text `parse_corporate_actions` reads back to the same actions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in sorted(actions):
        writer.writerow([a.key, a.ex_date.isoformat(), a.kind.value, f"{a.ratio[0]}:{a.ratio[1]}"])
    return out.getvalue()


def merge_actions(
    old: Iterable[CorporateAction], new: Iterable[CorporateAction]
) -> list[CorporateAction]:
    """``old`` with ``new`` added; where both have an action, ``new``'s ratio wins."""
    merged = {a.identity: a for a in old}
    merged.update({a.identity: a for a in new})
    return sorted(merged.values())


def _scaled(value: float, by: Fraction, places: int) -> float:
    """``value × by`` rounded half-up to ``places`` decimals, computed exactly."""
    exact = Fraction(Decimal(repr(value))) * by * 10**places
    return float(math.floor(exact + Fraction(1, 2)) / 10**places)


def adjust(bars: Bars, actions: Sequence[CorporateAction]) -> Bars:
    """Day ``bars`` of one symbol adjusted backwards for its ``actions``."""
    if not actions or not len(bars):
        return bars
    days = bars.time.astype("datetime64[D]")
    factors = [Fraction(1)] * len(bars)
    for action in actions:
        before = int(np.searchsorted(days, np.datetime64(action.ex_date, "D"), side="left"))
        for i in range(before):
            factors[i] *= action.factor
    touched = [i for i, f in enumerate(factors) if f != 1]
    if not touched:
        return bars
    columns = {
        name: getattr(bars, name).copy() for name in ("open", "high", "low", "close", "volume")
    }
    for i in touched:
        inverse = 1 / factors[i]
        for name in ("open", "high", "low", "close"):
            columns[name][i] = _scaled(float(columns[name][i]), inverse, PRICE_DECIMALS)
        columns["volume"][i] = _scaled(float(columns["volume"][i]), factors[i], 0)
    return Bars(time=bars.time, **columns)
