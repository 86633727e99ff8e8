"""Corporate actions the journal applies to held lots before FIFO matching.

The file (``data/corporate_actions.csv`` ships with TraderTape; a user's own file in the same
layout is read after it, a row with the same symbol, date and kind replacing the shipped
one) is a CSV::

    symbol,ex_date,kind,ratio,new_symbol,cost_share,price
    INFY,2024-03-15,split,1:5,,,            # old:new shares, as the candle adjuster reads it
    TCS,2024-06-03,bonus,1:1,,,             # new:held, as NSE announces a bonus
    HDFC,2023-07-13,merger,25:42,HDFCBANK,, # held:new — 42 HDFCBANK for 25 HDFC
    RIL,2023-07-20,demerger,1:1,JIOFIN,0.0447,  # held:new child; cost_share to the child
    TCS,2023-12-01,buyback,1:10,,,4150      # accepted:held, tendered at ``price``

Kinds, and what each does to the lots held the day before its ``ex_date``:

- ``split``: each lot's quantity × new/old; cost and acquisition date unchanged.
- ``bonus``: a new lot of the bonus shares, cost nil, acquired on the ex-date (Income-tax
  Act s.55(2)(aa): a bonus share's cost is nil and its holding starts at allotment).
- ``merger``: the lot becomes the new symbol's, quantity × new/held; cost and date carried
  (s.47(vii), s.49(1)).
- ``demerger``: a child lot of quantity × new/held, with ``cost_share`` of the parent lot's
  cost and its acquisition date; the parent keeps the rest of the cost (s.49(2C), (2D)).
- ``buyback``: accepted/held of each account's holding (rounded down to a whole share) is
  sold at ``price`` on the ex-date, a round trip of kind ``buyback``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from pathlib import Path

COLUMNS = ("symbol", "ex_date", "kind", "ratio", "new_symbol", "cost_share", "price")
SHIPPED = "corporate_actions.csv"


class Kind(StrEnum):
    SPLIT = "split"
    BONUS = "bonus"
    MERGER = "merger"
    DEMERGER = "demerger"
    BUYBACK = "buyback"


class BadActionsFile(ValueError):  # noqa: N818 - reads as the answer
    """A row of an actions file that cannot be read; the message names line and column."""


@dataclass(frozen=True, slots=True)
class Action:
    """One corporate action of one symbol (bare NSE symbol, no exchange)."""

    symbol: str
    ex_date: date
    kind: Kind
    ratio: tuple[int, int]
    new_symbol: str | None = None
    cost_share: Decimal | None = None
    price: Decimal | None = None

    @property
    def identity(self) -> tuple[str, date, Kind]:
        return (self.symbol, self.ex_date, self.kind)


def _symbol(text: str) -> str:
    return text.strip().upper().rpartition(":")[2]


def _ratio(text: str) -> tuple[int, int]:
    first, sep, second = text.strip().partition(":")
    if not sep or not first.strip().isdigit() or not second.strip().isdigit():
        raise ValueError(f"{text!r} is not a ratio like 1:5")
    pair = (int(first), int(second))
    if 0 in pair:
        raise ValueError(f"{text!r} has a zero side")
    return pair


def _decimal(text: str, column: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{column} {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{column} {text!r} is not a number at or above zero")
    return value


def _row(values: dict[str, str]) -> Action:
    kind = Kind(values["kind"].strip().lower())
    action = Action(
        symbol=_symbol(values["symbol"]),
        ex_date=date.fromisoformat(values["ex_date"].strip()),
        kind=kind,
        ratio=_ratio(values["ratio"]),
        new_symbol=_symbol(values.get("new_symbol") or "") or None,
        cost_share=_decimal(values.get("cost_share") or "", "cost_share"),
        price=_decimal(values.get("price") or "", "price"),
    )
    if kind in (Kind.MERGER, Kind.DEMERGER) and not action.new_symbol:
        raise ValueError(f"a {kind} needs new_symbol")
    if kind is Kind.DEMERGER and (action.cost_share is None or action.cost_share > 1):
        raise ValueError("a demerger needs cost_share between 0 and 1")
    if kind is Kind.BUYBACK and not action.price:
        raise ValueError("a buyback needs its price")
    return action


def parse_actions(text: str, *, source: str = "corporate actions") -> list[Action]:
    """The actions of a CSV; a later row with the same symbol, date and kind replaces one."""
    lines = [
        ln.split("#", 1)[0] if not ln.lstrip().startswith("#") else "\n"
        for ln in text.splitlines(keepends=True)
    ]
    reader = csv.reader(io.StringIO("\n".join(ln.rstrip("\n") for ln in lines)))
    rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0][1]]
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        raise BadActionsFile(f"{source}: missing column(s) {', '.join(missing)}")
    found: dict[tuple[str, date, Kind], Action] = {}
    for line, row in rows[1:]:
        values = dict(zip(header, (c.strip() for c in row), strict=False))
        try:
            action = _row(values)
        except (ValueError, KeyError) as problem:
            raise BadActionsFile(f"{source} line {line}: {problem}") from None
        found[action.identity] = action
    return sorted(found.values(), key=lambda a: (a.ex_date, a.symbol, a.kind.value))


def shipped_actions() -> list[Action]:
    """The actions TraderTape ships."""
    text = resources.files("tradertape.journal").joinpath("data", SHIPPED).read_text("utf-8")
    return parse_actions(text, source=SHIPPED)


def load_actions(extra: Path | None = None) -> list[Action]:
    """The shipped actions, with a user's file (if it exists) read over them."""
    actions = {a.identity: a for a in shipped_actions()}
    if extra is not None and extra.is_file():
        for action in parse_actions(extra.read_text("utf-8"), source=str(extra)):
            actions[action.identity] = action
    return sorted(actions.values(), key=lambda a: (a.ex_date, a.symbol, a.kind.value))
