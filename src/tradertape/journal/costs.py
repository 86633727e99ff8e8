"""Charges of trades that came without them (uploads): from the ledger where it settles
their day, else from the project's charges schedule.

**The ledger.** A Zerodha ledger's Book Voucher lines settle a trade day per segment (the
cost centre says which: ``NSE-EQ - Z``, ``NSE-F&O - Z``); one whose particulars carry the
trade date (``2024-04-02`` or ``02/04/2024``) is read as that day's settlement, as is a
"DP Charges … on DD/MM/YYYY" line. The day's charges are what it settled (debit less
credit) less the trades' net value: each trade keeps its charges as the schedule prices them
(below) and the difference the ledger shows is shared among them by value (`from_ledger`).

**The schedule.** A statement row carries no charges. Each account's rows of one day are
priced as the paper exchange and the live ledger price their fills, by the one function
`domain.charge_day.charge_fill` on the broker's schedule in force that day: fed to the day's
contract notes in time order, each row is charged the difference it makes to them. So a row
only moves its own note (one per exchange and segment: a NIFTY future never takes a share
sale's STT or DP charge), brokerage is capped per order (an option's ₹20 stays with it), DP
is charged once per ISIN sold from demat, and delivery is decided by quantity: of a stock
bought and sold the same day, the quantity traded both ways is intraday and only the rest is
delivery (`domain.day_netting`). A row is priced as F&O by its kind (an option's symbol ends
in CE or PE), as equity intraday when its product is MIS, else as equity delivery (the
netting finds the day trades). The STT inside each row's charges is kept apart too: s.48
deducts the rest (`journal.transfer_expenses`).

A row whose quantity is not whole (an obfuscated upload), whose price is nil, whose day is
before the first schedule or whose exchange the schedule has no rates for (currency and
commodity: CDS, MCX) cannot be priced and gets none.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tradertape.domain.charge_day import ChargeDay, charge_fill
from tradertape.domain.charge_notes import charges_note
from tradertape.domain.charges import Exchange, Fill, Segment, Side, schedules_of
from tradertape.journal.trades import JournalTrade, in_time

ZERO = Decimal(0)
_EXCHANGES = {"NSE": Exchange.NSE, "BSE": Exchange.BSE, "NFO": Exchange.NSE, "BFO": Exchange.BSE}


def _segment(trade: JournalTrade) -> Segment:
    if trade.segment == "FO":
        return Segment.OPTIONS if trade.symbol.endswith(("CE", "PE")) else Segment.FUTURES
    return Segment.EQUITY_INTRADAY if trade.product == "MIS" else Segment.EQUITY_DELIVERY


def _priceable(trade: JournalTrade) -> bool:
    return (
        trade.charges is None
        and trade.price > 0
        and trade.quantity == trade.quantity.to_integral_value()
        and trade.exchange in _EXCHANGES
        and trade.day >= schedules_of(trade.broker)[0].valid_from
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    """A row's charges as its contract note would carry them, the STT among them, and why
    they are uneven where they are (`domain.charge_notes`, as a booked fill's)."""

    charges: Decimal
    stt: Decimal
    note: str | None = None


# the broker, the day, its fills in time order and their symbols
_Day = tuple[str, date, tuple[Fill, ...], tuple[str, ...]]


class _DayCharges:
    """Days already priced, by what was priced: a day's charges are a pure function of its
    fills, date and broker, so a journal recomputed after an upload prices only the days the
    upload changed. Bounded; the oldest priced day goes first."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.kept: OrderedDict[_Day, tuple[Estimate, ...]] = OrderedDict()
        self.lock = threading.Lock()

    def priced(self, key: _Day) -> tuple[Estimate, ...]:
        with self.lock:
            found = self.kept.get(key)
        if found is not None:
            return found
        found = _price(*key)
        with self.lock:
            self.kept[key] = found
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return found


def _price(
    broker: str, day: date, fills: tuple[Fill, ...], symbols: tuple[str, ...]
) -> tuple[Estimate, ...]:
    """Each fill charged what it adds to the day's notes, in the given order."""
    note = ChargeDay(day, schedules=schedules_of(broker))
    traded: dict[tuple[str, Segment], Decimal] = defaultdict(Decimal)
    out = []
    for fill, symbol in zip(fills, symbols, strict=True):
        order = (fill.order_id, fill.segment)  # an order id reused across segments: apart
        charged = charge_fill(note, fill, order_value_before=traded[order])
        traded[order] += fill.value
        why = charges_note(note, charged.day, fill, symbol)
        note = charged.day
        out.append(Estimate(charged.charges, charged.stt, why))
    return tuple(out)


_PRICED_DAYS = _DayCharges()


def forget_priced() -> None:
    """Forget every day priced so far."""
    with _PRICED_DAYS.lock:
        _PRICED_DAYS.kept.clear()


def as_fill(trade: JournalTrade, row: int) -> Fill:
    """How the charges schedule sees a row (`row`: its index, the order id of last resort)."""
    return Fill(
        order_id=trade.order_id or trade.trade_id or f"row{row}",
        segment=_segment(trade),
        side=Side.BUY if trade.side == "buy" else Side.SELL,
        quantity=int(trade.quantity),
        price=trade.price,
        exchange=_EXCHANGES[trade.exchange],
        instrument=trade.isin or trade.symbol,
    )


def estimate(trades: Sequence[JournalTrade]) -> dict[int, Estimate]:
    """Charges (and their STT) by index in `trades` for those without their own: each
    account's day priced as its contract notes, at its broker, in time order."""
    days: dict[tuple[str, str, date], list[int]] = defaultdict(list)
    for i in sorted(range(len(trades)), key=lambda i: in_time(trades[i])):
        trade = trades[i]
        if _priceable(trade):
            days[trade.broker, trade.account, trade.day].append(i)
    out: dict[int, Estimate] = {}
    for (broker, _, day), rows in days.items():
        fills = tuple(as_fill(trades[i], i) for i in rows)
        symbols = tuple(trades[i].symbol for i in rows)
        out.update(zip(rows, _PRICED_DAYS.priced((broker, day, fills, symbols)), strict=True))
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
    trades: Sequence[JournalTrade],
    settlements: Sequence[Settlement],
    estimated: Mapping[int, Estimate] | None = None,
) -> dict[int, Decimal]:
    """Charges by index in `trades` where a ledger settles their day: the settlement less
    the trades' net value (buys less sells). Each trade keeps its `estimated` charges (its
    own note's, as the schedule prices it) and what the ledger settled beyond them, or short
    of them, is shared by value. A day whose difference is negative or implausible is left
    to the schedule."""
    known = estimated or {}
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
        own = {i: known[i].charges for i in indices if i in known}
        rest = charges - sum(own.values(), ZERO)
        for i in indices:
            out[i] = own.get(i, ZERO) + rest * trades[i].value / turnover
    return out
