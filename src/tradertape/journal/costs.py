"""Charges of trades that came without them (uploads): from the ledger where it settles
their day, else from the project's charges schedule.

**The ledger.** A Zerodha ledger's Book Voucher lines settle a trade day per segment (the
cost centre says which: ``NSE-EQ - Z``, ``NSE-F&O - Z``); one whose particulars carry the
trade date (``2024-04-02`` or ``02/04/2024``) is read as that day's settlement, as is a
"DP Charges … on DD/MM/YYYY" line. The day's charges are what it settled (debit less
credit) less the trades' net value, shared among them by value (`from_ledger`).

**The schedule.**
A statement row carries no charges. Each account's trades of one day are priced as that
day's contract notes by `domain.charges.compute_charges` (the rates in force that day), and
the day's total is shared among its trades by value. How each is priced: F&O by its kind
(an option's symbol ends in CE or PE), equity as intraday where the day has both a buy and
a sell of the symbol, else as delivery. A trade whose quantity is not whole (an obfuscated
upload) or whose price is nil cannot be priced and gets none.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tradertape.domain.charges import Exchange, Fill, Segment, Side, compute_charges
from tradertape.journal.trades import JournalTrade

ZERO = Decimal(0)


def _segment(trade: JournalTrade, both_sides: bool) -> Segment:
    if trade.segment == "FO":
        return Segment.OPTIONS if trade.symbol.endswith(("CE", "PE")) else Segment.FUTURES
    if trade.product is not None:
        return Segment.EQUITY_INTRADAY if trade.product == "MIS" else Segment.EQUITY_DELIVERY
    return Segment.EQUITY_INTRADAY if both_sides else Segment.EQUITY_DELIVERY


def _priceable(trade: JournalTrade) -> bool:
    return (
        trade.charges is None
        and trade.price > 0
        and trade.quantity == trade.quantity.to_integral_value()
        and trade.exchange in ("NSE", "BSE", "NFO", "BFO")
    )


_Priced = tuple[str, Segment, Side, int, Decimal, Exchange, str]


class _DayCharges:
    """Day totals already priced, by what was priced: a day's charges are a pure function
    of its fills and date, so a journal recomputed after an upload prices only the days the
    upload changed. Bounded; the oldest priced day goes first."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.kept: OrderedDict[tuple[date, tuple[_Priced, ...]], Decimal] = OrderedDict()
        self.lock = threading.Lock()

    def total(self, day: date, fills: tuple[_Priced, ...]) -> Decimal:
        key = (day, fills)
        with self.lock:
            found = self.kept.get(key)
        if found is not None:
            return found
        found = _price(day, fills)
        with self.lock:
            self.kept[key] = found
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return found


def _price(day: date, priced: tuple[_Priced, ...]) -> Decimal:
    fills = [
        Fill(
            order_id=order_id,
            segment=segment,
            side=side,
            quantity=quantity,
            price=price,
            exchange=exchange,
            instrument=instrument,
        )
        for order_id, segment, side, quantity, price, exchange, instrument in priced
    ]
    try:
        return compute_charges(fills, day).total
    except ValueError:  # an order mixing segments: price each fill alone
        return sum((compute_charges([f], day).total for f in fills), ZERO)


_PRICED_DAYS = _DayCharges()


def forget_priced() -> None:
    """Forget every day priced so far."""
    with _PRICED_DAYS.lock:
        _PRICED_DAYS.kept.clear()


def estimate(trades: Sequence[JournalTrade]) -> dict[int, Decimal]:
    """Charges by index in `trades` for those without their own."""
    days: dict[tuple[str, date], list[int]] = defaultdict(list)
    for i, trade in enumerate(trades):
        if _priceable(trade):
            days[trade.account, trade.day].append(i)
    out: dict[int, Decimal] = {}
    for (_, day), indices in days.items():
        sides: dict[str, set[str]] = defaultdict(set)
        for i in indices:
            sides[trades[i].symbol].add(trades[i].side)
        priced = []
        for i in indices:
            trade = trades[i]
            priced.append(
                (
                    trade.order_id or trade.trade_id or f"row{i}",
                    _segment(trade, len(sides[trade.symbol]) == 2),
                    Side.BUY if trade.side == "buy" else Side.SELL,
                    int(trade.quantity),
                    trade.price,
                    Exchange.BSE if trade.exchange in ("BSE", "BFO") else Exchange.NSE,
                    trade.isin or trade.symbol,
                )
            )
        total = _PRICED_DAYS.total(day, tuple(priced))
        value = sum((trades[i].value for i in indices), ZERO)
        for i in indices:
            out[i] = total * trades[i].value / value if value else ZERO
    return out


# ----------------------------------------------------------------------------- the ledger

_DAY_IN_TEXT = re.compile(r"(\d{4}-\d{2}-\d{2})|(\d{2})/(\d{2})/(\d{4})")
PLAUSIBLE = Decimal("0.05")  # charges above 5 % of a day's turnover: not a settlement we read


@dataclass(frozen=True, slots=True)
class Settlement:
    """A ledger line read as (part of) one trade day's settlement of one segment."""

    account: str
    day: date
    segment: str | None  # EQ, FO, or None when the cost centre does not say
    amount: Decimal  # debit − credit: what the day's trades cost, charges included


def settlement(
    account: str, particulars: str, cost_center: str | None, voucher: str | None, amount: Decimal
) -> Settlement | None:
    """A Book Voucher (or a DP charge) whose particulars carry its trade date; else None."""
    kind = (voucher or "").lower()
    text = particulars.lower()
    if "book voucher" not in kind and not text.startswith("dp charges"):
        return None
    found = _DAY_IN_TEXT.search(particulars)
    if found is None:
        return None
    if found.group(1):
        day = date.fromisoformat(found.group(1))
    else:
        day = date(int(found.group(4)), int(found.group(3)), int(found.group(2)))
    centre = (cost_center or "").upper()
    segment = "FO" if ("F&O" in centre or "FO" in centre) else "EQ" if "EQ" in centre else None
    return Settlement(account, day, segment, amount)


def from_ledger(
    trades: Sequence[JournalTrade], settlements: Sequence[Settlement]
) -> dict[int, Decimal]:
    """Charges by index in `trades` where a ledger settles their day: the settlement less
    the trades' net value (buys less sells), shared by value. A day whose difference is
    negative or implausible is left to the schedule."""
    owed: dict[tuple[str, date, str | None], Decimal] = defaultdict(Decimal)
    for line in settlements:
        owed[line.account, line.day, line.segment] += line.amount
    groups: dict[tuple[str, date, str], list[int]] = defaultdict(list)
    for i, trade in enumerate(trades):
        if trade.charges is None:
            groups[trade.account, trade.day, trade.segment].append(i)
    out: dict[int, Decimal] = {}
    for (account, day, segment), indices in groups.items():
        key = (account, day, segment)
        if key not in owed and (account, day, None) not in owed:
            continue
        settled = owed.get(key, ZERO) + owed.get((account, day, None), ZERO)
        net = sum(
            (trades[i].value if trades[i].side == "buy" else -trades[i].value for i in indices),
            ZERO,
        )
        turnover = sum((trades[i].value for i in indices), ZERO)
        charges = settled - net
        if charges < 0 or not turnover or charges > turnover * PLAUSIBLE:
            continue
        for i in indices:
            out[i] = charges * trades[i].value / turnover
    return out
