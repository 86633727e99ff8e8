"""Issue 63's check, held: a three-year Zerodha Console tradebook (the equity file and the
F&O file as Console gives them) with a NIFTY call left to expire, read through the HTTP API,
gives each financial year's F&O turnover and P&L, speculative P&L, STCG u/s 111A, LTCG
u/s 112A, the set-offs (s.70, s.71, s.72-74), the tax at special rates and the losses
carried forward that a calculator written here, apart from the product, gives to the rupee.

The calculator below shares nothing with the product but the rates: it reads Zerodha's
published schedule from `domain.charge_rates` (its tables, not its functions) and works
each contract note, each round trip and each year's set-off from Zerodha's rate card and
the Income-tax Act's text. The year-by-year arithmetic is in the comments above `_compute`.

F&O turnover, as the project defines it (docs/journal.md) after the ICAI Guidance Note on
Tax Audit under s.44AB (2022 revision): the sum of the round trips' absolute P&L before
charges, favourable and unfavourable alike; an option sold adds no premium to it. The
expired call's round trip counts |-₹3,000| (out of the money) or |-₹487.50| (exercised).

Where paisa can differ (so both sides are compared in whole rupees, though today they agree
to the paisa): the calculator prices each contract note whole (its STT to the rupee, its
total to the paisa once) and gives a round trip its notes; the product charges each row the
difference it makes to its day's note and shares a row's charges among the lots FIFO takes
from it by quantity. Where one note holds two round trips (LT's day: 40 shares day-traded,
60 delivered) the calculator gives the 60 what they would cost alone and the day trade the
rest, the product 60 % of the buy's charge: each rounded to the paisa on its own, the two can
part by a paisa, and an STT rounded on a part rather than on the note by under a rupee.
Tax is per line to the paisa (Schedule SI), added.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_xlsx
from tradertape.domain.charge_rates import SCHEDULES, ChargeSchedule
from tradertape.runtime import Runtime

# --- the tradebook ------------------------------------------------------------------------
# A row per trade, each its own order but one (a futures sale filled in two trades); a note
# per day and segment, holding one order except on the intraday days (a buy and a sale of
# one stock). Console writes an option held to expiry as a buy with no closing row:
# NIFTY24DEC24000CE below.

_EQ_ISIN = {
    "HDFCBANK": "INE040A01034",
    "INFY": "INE009A01021",
    "TCS": "INE467B01029",
    "RELIANCE": "INE002A01018",
    "ITC": "INE154A01025",
    "WIPRO": "INE075A01022",
    "ICICIBANK": "INE090A01021",
    "SBIN": "INE062A01020",
    "TATASTEEL": "INE081A01020",
    "TATAMOTORS": "INE155A01022",
    "LT": "INE018A01030",
}


def _eq(symbol: str, day: str, side: str, quantity: int, price: str, n: int) -> Fill:
    time = "14:30:00" if side == "sell" else "09:30:00"
    return Fill(
        symbol, day, side, quantity, price, f"E{n}", str(1100000000000000000 + n), time,
        isin=_EQ_ISIN[symbol],
    )  # fmt: skip


def _fo(
    symbol: str,
    expiry: str,
    day: str,
    side: str,
    quantity: int,
    price: str,
    n: int,
    order: int = 0,
) -> Fill:
    return Fill(
        symbol, day, side, quantity, price, f"F{n}", str(1200000000000000000 + (order or n)),
        segment="FO", exchange="NFO", expiry=expiry,
    )  # fmt: skip


EQUITY = [
    _eq("HDFCBANK", "2022-04-20", "buy", 50, "1400", 1),
    _eq("INFY", "2022-05-10", "buy", 100, "1500", 2),
    _eq("TCS", "2022-06-01", "buy", 10, "3200", 3),
    _eq("RELIANCE", "2022-09-12", "buy", 50, "2500", 4),  # intraday: FY 2022-23
    _eq("RELIANCE", "2022-09-12", "sell", 50, "2520", 5),
    _eq("TCS", "2022-11-15", "sell", 10, "3400", 6),  # short-term, 15 %
    _eq("ITC", "2022-12-01", "buy", 500, "250", 7),
    _eq("LT", "2023-01-16", "buy", 100, "2100", 21),  # 40 day-traded, 60 delivered
    _eq("LT", "2023-01-16", "sell", 40, "2115", 22),
    _eq("LT", "2023-03-01", "sell", 60, "2150", 23),  # short-term, 15 %
    _eq("WIPRO", "2023-05-02", "buy", 200, "400", 8),
    _eq("HDFCBANK", "2023-08-01", "sell", 50, "1650", 9),  # long-term, 10 %; a future bought too
    _eq("WIPRO", "2023-10-03", "sell", 200, "430", 10),  # short-term, 15 %
    _eq("ICICIBANK", "2023-12-05", "buy", 200, "1000", 11),  # intraday: FY 2023-24
    _eq("ICICIBANK", "2023-12-05", "sell", 200, "1010", 12),
    _eq("TATASTEEL", "2024-04-15", "buy", 1000, "160", 13),
    _eq("SBIN", "2024-05-06", "buy", 100, "800", 14),
    _eq("ITC", "2024-06-10", "sell", 500, "450", 15),  # long-term, before 23 July: 10 %
    _eq("TATASTEEL", "2024-06-20", "sell", 1000, "150", 16),  # short-term loss, 15 %
    _eq("TATAMOTORS", "2024-07-01", "buy", 100, "1000", 17),  # intraday loss: FY 2024-25
    _eq("TATAMOTORS", "2024-07-01", "sell", 100, "995", 18),
    _eq("INFY", "2024-08-20", "sell", 100, "1900", 19),  # long-term, after 23 July: 12.5 %
    _eq("SBIN", "2024-09-16", "sell", 100, "820", 20),  # short-term, after 23 July: 20 %
]
FO = [
    _fo("NIFTY22JULFUT", "2022-07-28", "2022-07-04", "buy", 50, "16000", 1),
    _fo("NIFTY22JULFUT", "2022-07-28", "2022-07-20", "sell", 50, "16500", 2),
    _fo("NIFTY22AUG17000CE", "2022-08-25", "2022-08-01", "buy", 50, "100", 3),
    _fo("NIFTY22AUG17000CE", "2022-08-25", "2022-08-10", "sell", 50, "150", 4),
    _fo("NIFTY23AUGFUT", "2023-08-31", "2023-08-01", "buy", 100, "19500", 5),
    # one sale order of 100 filled in two trades: brokerage ₹20 once, not per trade
    _fo("NIFTY23AUGFUT", "2023-08-31", "2023-08-17", "sell", 60, "19100", 6),
    _fo("NIFTY23AUGFUT", "2023-08-31", "2023-08-17", "sell", 40, "19105", 14, order=6),
    _fo("NIFTY23SEP19800PE", "2023-09-28", "2023-09-04", "buy", 50, "80", 7),
    _fo("NIFTY23SEP19800PE", "2023-09-28", "2023-09-12", "sell", 50, "60", 8),
    _fo("NIFTY24OCTFUT", "2024-10-31", "2024-10-01", "buy", 25, "25000", 9),
    _fo("NIFTY24OCTFUT", "2024-10-31", "2024-10-10", "sell", 25, "25400", 10),
    _fo("NIFTY24NOV24000PE", "2024-11-28", "2024-11-04", "buy", 25, "100", 11),
    _fo("NIFTY24NOV24000PE", "2024-11-28", "2024-11-07", "sell", 25, "140", 12),
    _fo("NIFTY24DEC24000CE", "2024-12-26", "2024-12-10", "buy", 25, "120", 13),  # expires
]
# NIFTY 50 closed at 23,750.20 on 26-Dec-2024: the 24000 call expired out of the money
# (entered through the route). The second case imports a made-up close of 24,100.50 as the
# Benchmark's index history: the call then expires in the money and is exercised.
EXPIRY = "2024-12-26"
SETTLEMENTS = [("entered", "23750.20"), ("imported", "24100.50")]
YEARS = ("2022-23", "2023-24", "2024-25")

# --- the independent calculator -----------------------------------------------------------

PAISA, RUPEE, ZERO = Decimal("0.01"), Decimal("1"), Decimal(0)


def _paise(x: Decimal) -> Decimal:
    return x.quantize(PAISA, rounding=ROUND_HALF_UP)


def _rupees(x: Decimal | str) -> Decimal:
    return Decimal(x).quantize(RUPEE, rounding=ROUND_HALF_UP)


def _rates(day: date) -> ChargeSchedule:
    """Zerodha's schedule in force on `day`: the last one starting on or before it."""
    return [s for s in SCHEDULES if s.valid_from <= day][-1]


@dataclass(frozen=True)
class Row:
    symbol: str
    day: date
    side: str
    quantity: int
    price: Decimal
    fo: bool

    @property
    def value(self) -> Decimal:
        return self.price * self.quantity

    @property
    def option(self) -> bool:
        return self.symbol.endswith(("CE", "PE"))


@dataclass(frozen=True)
class Note:
    """One contract note's charges: the total to the paisa, and its STT (whole rupees)."""

    total: Decimal
    stt: Decimal


def _kind(row: Row) -> str:
    """How a row is priced when nothing nets it: option, future or delivery."""
    return "options" if row.option else "futures" if row.fo else "delivery"


def _note(items: list[tuple[Row, str]]) -> Note:
    """A contract note from Zerodha's rate card (zerodha.com/charges), each row priced as
    its kind ("delivery", "intraday", "futures", "options"):

    brokerage per order: delivery ₹0; intraday and futures 0.03 % or ₹20, the lower;
    options a flat ₹20 (an order part day-traded pays the intraday rule on that part, and
    delivery's ₹0 on the rest). STT: delivery 0.1 % both sides; intraday 0.025 % on the
    sale; futures and options on the sale (0.01/0.05 % to FY 2022-23, 0.0125/0.0625 % from
    1-Apr-2023, 0.02/0.1 % from 1-Oct-2024), the note's STT rounded to the rupee. NSE's
    transaction charge and IPFT levy, SEBI's ₹10/crore, stamp duty on the buy; GST 18 % on
    brokerage, transaction charges, IPFT and SEBI's fee; DP ₹13 + GST per stock sold from
    demat. Everything but STT and DP is summed unrounded and the note rounded once.
    """
    r = _rates(items[0][0].day)
    brokerage = txn = ipft = sebi = stamp = stt_raw = dp = Decimal(0)
    for row, kind in items:
        v = row.value
        rule = getattr(r.brokerage, kind)
        if kind == "options":
            brokerage += rule.cap  # flat ₹20
        elif kind != "delivery":
            brokerage += min(v * rule.pct, rule.cap)
        stt_raw += v * getattr(r.stt_buy if row.side == "buy" else r.stt_sell, kind)
        txn += v * getattr(r.txn_nse, kind)
        ipft += v * getattr(r.ipft_nse, kind)
        sebi += v * r.sebi
        stamp += v * getattr(r.stamp_buy, kind) if row.side == "buy" else 0
        if kind == "delivery" and row.side == "sell":
            dp += _paise(r.dp_base * (1 + r.gst))
    stt = _rupees(stt_raw)
    gst = (brokerage + txn + ipft + sebi) * r.gst
    return Note(_paise(brokerage + txn + ipft + sebi + stamp + gst + stt + dp), stt)


def _exercise(settled: Row) -> Note:
    """A long index option exercised at expiry (Zerodha's "charges on exercised options"):
    STT on the intrinsic value at the exercise rate (0.125 %), to the rupee, and ₹20 of
    brokerage with 18 % GST; no transaction charge, SEBI fee or stamp duty. Out of the money
    it is not exercised and nothing is charged."""
    if settled.value == 0:
        return Note(Decimal(0), Decimal(0))
    r = _rates(settled.day)
    stt = _rupees(settled.value * r.stt_exercise)
    brokerage = r.brokerage.options.cap
    return Note(_paise(stt + brokerage * (1 + r.gst)), stt)


@dataclass(frozen=True)
class Trip:
    symbol: str
    kind: str  # "fo", "speculative", "stcg", "ltcg"
    sold: date
    buy: Decimal
    sell: Decimal
    charges: Decimal
    stt: Decimal

    @property
    def pnl(self) -> Decimal:
        return self.sell - self.buy


def fy_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _trips(fills: list[Fill], settlement: Decimal) -> list[Trip]:
    """Each symbol's buy and its sale (one each in this book), or the buy and its expiry.

    An index option held to expiry is cash-settled at its intrinsic value from the
    underlying's close (NSE's final settlement price): a 24000 call at 23,750.20 is worth
    max(0, 23,750.20 - 24,000) = 0, so the 25 calls bought for ₹3,000 close at ₹0 on the
    expiry day; nothing is exercised, so no exercise STT, and no brokerage on nothing. At
    24,100.50 it is exercised: 25 × ₹100.50 = ₹2,512.50 received (`_exercise`)."""
    # an order Console lists as several trades (one row per fill) is one order on the note
    orders: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        orders[f.order_id].append(f)
    by_symbol: dict[str, list[Row]] = defaultdict(list)
    for same in orders.values():
        f = same[0]
        quantity = sum(x.quantity for x in same)
        value = sum((x.quantity * Decimal(x.price) for x in same), ZERO)
        row = Row(
            f.symbol,
            date.fromisoformat(f.day),
            f.side,
            quantity,
            value / quantity,
            f.segment == "FO",
        )
        assert row.value == value  # the average price is exact in this book
        by_symbol[f.symbol].append(row)
    expiry_of = {f.symbol: date.fromisoformat(f.expiry) for f in fills if f.expiry}
    trips = []
    for symbol, rows in by_symbol.items():
        buy = next(r for r in rows if r.side == "buy")
        sales = [r for r in rows if r.side == "sell"]
        if not sales:  # held to expiry: the option's strike is in its symbol
            strike = Decimal(symbol[-7:-2])
            value = max(settlement - strike, Decimal(0))
            sale = Row(symbol, expiry_of[symbol], "sell", buy.quantity, value, True)
            trips.append(_trip(buy, sale, [_note([(buy, "options")]), _exercise(sale)]))
            continue
        bought = _note([(buy, _kind(buy))])
        for sale in sales:
            if sale.day == buy.day and not buy.fo:
                # a day trade (docs/journal.md, "Charges of uploaded trades"): of a stock
                # bought and sold the same day the quantity traded both ways is intraday, the
                # rest of the buy delivery, all on one note; the delivered rest keeps what it
                # would cost alone (its own STT and stamp), the day trade the rest of the note
                day_buy = replace(buy, quantity=sale.quantity)
                buy = replace(buy, quantity=buy.quantity - sale.quantity)
                items = [(day_buy, "intraday"), (sale, "intraday")]
                day = _note([*items, (buy, "delivery")] if buy.quantity else items)
                bought = _note([(buy, "delivery")]) if buy.quantity else Note(ZERO, ZERO)
                share = Note(day.total - bought.total, day.stt - bought.stt)
                trips.append(_trip(day_buy, sale, [share], intraday=True))
            else:
                assert sale.quantity == buy.quantity
                trips.append(_trip(buy, sale, [bought, _note([(sale, _kind(sale))])]))
    return trips


def _trip(buy: Row, sale: Row, notes: list[Note], *, intraday: bool = False) -> Trip:
    # a listed share is long-term when held more than 12 months (s.2(42A) proviso)
    long_term = sale.day > buy.day.replace(year=buy.day.year + 1)
    kind = "fo" if buy.fo else "speculative" if intraday else "ltcg" if long_term else "stcg"
    return Trip(
        buy.symbol,
        kind,
        sale.day,
        buy.value,
        sale.value,
        sum((n.total for n in notes), ZERO),
        sum((n.stt for n in notes), ZERO),
    )


NEW_RATES = date(2024, 7, 23)  # Finance (No. 2) Act 2024: 111A 15 → 20 %, 112A 10 → 12.5 %


def _rate(trip: Trip) -> Decimal:
    if trip.kind == "stcg":
        return Decimal("0.20") if trip.sold >= NEW_RATES else Decimal("0.15")
    return Decimal("0.125") if trip.sold >= NEW_RATES else Decimal("0.10")


@dataclass
class Line:
    """One income line of a year: its net, what each set-off took from its income (a loss
    line takes nothing: `unabsorbed` is what is left of its loss), and its exemption."""

    head: str  # "business", "speculative", "stcg", "ltcg"
    rate: Decimal | None
    net: Decimal
    within_head: Decimal = Decimal(0)
    across_heads: Decimal = Decimal(0)
    brought_forward: Decimal = Decimal(0)
    exemption: Decimal = Decimal(0)
    unabsorbed: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.unabsorbed = max(-self.net, Decimal(0))

    @property
    def left(self) -> Decimal:
        """The income left after the set-offs (nil on a loss line)."""
        if self.net <= 0:
            return Decimal(0)
        return self.net - self.within_head - self.across_heads - self.brought_forward

    def absorb(self, loss: Line, field: str) -> None:
        """Set what is left of `loss`'s loss off against this line's income left."""
        used = min(loss.unabsorbed, self.left)
        setattr(self, field, getattr(self, field) + used)
        loss.unabsorbed -= used


@dataclass
class Year:
    fy: str
    fo_turnover: Decimal
    fo_pnl: Decimal
    fo_charges: Decimal
    spec_turnover: Decimal
    spec_pnl: Decimal
    spec_charges: Decimal
    lines: list[Line]
    tax: Decimal
    carried: dict[tuple[str, str], Decimal]  # (kind, fy of the loss) → left to carry
    brought_forward_used: dict[tuple[str, str], Decimal]


def _by_rate(lines: list[Line], head: str) -> list[Line]:
    """The lines of a head, highest rate first (the order that leaves the least tax)."""
    return sorted((x for x in lines if x.head == head), key=lambda x: -(x.rate or 0))


def _lines(trips: list[Trip]) -> list[Line]:
    """A year's income lines: F&O and intraday net of their charges (every charge, STT
    included, is a business expense: s.36(1)(xv)), and capital gains per head and rate."""
    fo = [t for t in trips if t.kind == "fo"]
    spec = [t for t in trips if t.kind == "speculative"]
    lines = [
        Line("business", None, sum((t.pnl - t.charges for t in fo), Decimal(0))),
        Line("speculative", None, sum((t.pnl - t.charges for t in spec), Decimal(0))),
    ]
    # s.48: the gain is after the expenditure on the transfer, the charges but STT (STT is
    # not deductible in computing capital gains: s.48's fourth proviso)
    gains: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for t in trips:
        if t.kind in ("stcg", "ltcg"):
            gains[(t.kind, _rate(t))] += t.pnl - (t.charges - t.stt)
    return lines + [Line(head, rate, net) for (head, rate), net in gains.items()]


def _set_off(
    lines: list[Line], carried: dict[tuple[str, str], Decimal], fy: str
) -> tuple[dict[tuple[str, str], Decimal], Decimal]:
    """The Act's set-offs on a year's `lines` (changed in place) and on `carried` (the
    losses brought forward, reduced by what is set off); what each brought-forward loss
    set off, and the tax at special rates."""
    biz, spc = lines[0], lines[1]
    stcg, ltcg = _by_rate(lines, "stcg"), _by_rate(lines, "ltcg")
    # s.70: a loss within its head. An F&O loss against speculative income (s.73(1) bars the
    # converse); a short-term capital loss against short-term, then long-term gains (highest
    # rate first); a long-term loss against long-term gains only.
    spc.absorb(biz, "within_head")
    for loss in [*stcg, *ltcg]:
        for other in ltcg if loss.head == "ltcg" else [*stcg, *ltcg]:
            other.absorb(loss, "within_head")
    # s.71: the F&O loss left against the other heads (capital gains here), highest rate
    # first; a speculative or capital loss never crosses heads (s.71(3), s.73(1)).
    for line in [*stcg, *ltcg]:
        line.absorb(biz, "across_heads")
    # s.72-73: losses brought forward, oldest first: a business loss against business income
    # (F&O, then speculative), never capital gains; a speculative loss against speculative
    # income only. None lapses within these three years (4 and 8 years: s.73(4), s.72(3)).
    used: dict[tuple[str, str], Decimal] = {}
    for (kind, year), amount in sorted(carried.items(), key=lambda kv: kv[0][1]):
        assert kind in ("business", "speculative")  # no capital loss is carried in this book
        brought = Line(kind, None, -amount)
        for line in [biz, spc] if kind == "business" else [spc]:
            line.absorb(brought, "brought_forward")
        used[(kind, year)] = amount - brought.unabsorbed
        carried[(kind, year)] = brought.unabsorbed
    # s.112A: ₹1,00,000 of long-term gains exempt (₹1,25,000 from FY 2024-25), placed where it
    # saves most: the higher rate first. Tax per line to the paisa (Schedule SI).
    exempt = Decimal(125000) if fy >= "2024-25" else Decimal(100000)
    for line in ltcg:
        line.exemption = min(exempt, line.left)
        exempt -= line.exemption
    taxed = [*stcg, *ltcg]
    tax = sum((_paise((x.left - x.exemption) * (x.rate or 0)) for x in taxed), Decimal(0))
    # what is left of the year's own losses is carried forward (Schedule CFL)
    for line in lines:
        if line.unabsorbed > 0:
            carried[(line.head, fy)] = line.unabsorbed
    return used, tax


# The years, by hand (each round trip's charges are its buy's and sale's notes, `_note`;
# e.g. TCS bought 2022-06-01, 10 @ ₹3,200 = ₹32,000: STT ₹32, NSE 0.00345 % ₹1.104, SEBI
# ₹0.032, IPFT ₹0.000032, stamp 0.015 % ₹4.80, GST 18 % of ₹1.136032 = ₹0.204486: ₹38.14;
# sold 2022-11-15 @ ₹3,400: STT ₹34, NSE ₹1.173, SEBI ₹0.034, IPFT ₹0.000034, GST ₹0.217286,
# DP ₹15.34: ₹50.76; ₹88.90 in all, ₹22.90 of it deductible under s.48):
#
# FY 2022-23. F&O: future +25,000, call +2,500: P&L ₹27,500, turnover ₹27,500, charges
#   ₹186.46 + ₹59.18: net ₹27,254.36. Intraday: RELIANCE +₹1,000 (charges ₹93.46) and LT's
#   40 day-traded of 100 bought, +₹600: the day's note (STT 0.025 % of ₹84,600 + 0.1 % of
#   the 60 delivered, ₹126: ₹147.15, ₹147) less what the 60 cost alone, ₹77.78; ₹1,600
#   gross, net ₹1,428.76. STCG 111A at 15 %: TCS 2,000 - 22.90 = ₹1,977.10 and LT's 60,
#   3,000 - (299.92 - 255 of STT) = ₹2,955.08: ₹4,932.18, tax ₹739.83 (739.827).
#   No losses: nothing set off, nothing carried.
# FY 2023-24. F&O: future -39,800 (100 bought at ₹19,500; one sale order filled 60 at
#   ₹19,100 and 40 at ₹19,105, so ₹20 of brokerage on it, not ₹40), put -1,000: P&L
#   -₹40,800, turnover ₹40,800, charges ₹417.67 + ₹53.45: net -₹41,271.12. Intraday
#   ICICIBANK +₹2,000 - ₹120.42 = ₹1,879.58.
#   STCG 15 %: WIPRO 6,000 - (200.04 - 166) = ₹5,965.96. LTCG 10 %: HDFCBANK 12,500 -
#   (185.10 - 153) = ₹12,467.90. s.70: the F&O loss takes the ₹1,879.58 of speculative
#   income; s.71: then ₹5,965.96 of STCG (15 %) and ₹12,467.90 of LTCG (10 %). Carried as
#   a business loss: 41,271.12 - 1,879.58 - 5,965.96 - 12,467.90 = ₹20,957.68. No tax.
# FY 2024-25. F&O: future +10,000, put +1,000, the expired call -3,000 (bought ₹3,000,
#   settled at 0): P&L ₹8,000, turnover ₹14,000, charges ₹215.39 + ₹53.80 + ₹24.95 (the
#   call's buy; nothing on an expiry worthless): net ₹7,705.86. Intraday TATAMOTORS -₹500 -
#   ₹83.25 = -₹583.25, carried as a speculative loss (s.73). STCG: TATASTEEL at 15 %
#   -10,000 - 51.85 = -₹10,051.85; SBIN at 20 % 2,000 - 33.88 = ₹1,966.12. LTCG: ITC at
#   10 % 1,00,000 - 48.41 = ₹99,951.59; INFY at 12.5 % 40,000 - 51.79 = ₹39,948.21.
#   s.70: the short-term loss takes the ₹1,966.12 at 20 %, then ₹8,085.73 at 12.5 %.
#   s.72: FY 2023-24's ₹20,957.68 takes the ₹7,705.86 of F&O income; ₹13,251.82 carried on.
#   s.112A: ₹1,25,000 exempt: ₹31,862.48 at 12.5 % and ₹93,137.52 at 10 %; taxable
#   ₹6,814.07 at 10 %: ₹681.41 at special rates.


def _compute(trips: list[Trip]) -> dict[str, Year]:
    """Each year in turn, with the losses carried from the years before."""
    carried: dict[tuple[str, str], Decimal] = {}
    years = {}
    for fy in YEARS:
        mine = [t for t in trips if fy_of(t.sold) == fy]
        fo = [t for t in mine if t.kind == "fo"]
        spec = [t for t in mine if t.kind == "speculative"]
        lines = _lines(mine)
        used, tax = _set_off(lines, carried, fy)
        carried = {k: v for k, v in carried.items() if v > 0}
        years[fy] = Year(
            fy,
            sum((abs(t.pnl) for t in fo), Decimal(0)),
            sum((t.pnl for t in fo), Decimal(0)),
            sum((t.charges for t in fo), Decimal(0)),
            sum((abs(t.pnl) for t in spec), Decimal(0)),
            sum((t.pnl for t in spec), Decimal(0)),
            sum((t.charges for t in spec), Decimal(0)),
            lines,
            tax,
            dict(carried),
            used,
        )
    return years


# --- the test -----------------------------------------------------------------------------


def _upload(client: TestClient) -> None:
    start, end = "2022-04-01", "2025-03-31"
    equity = zerodha_xlsx(EQUITY, segment="Equity", start=start, end=end)
    fo = zerodha_xlsx(FO, segment="Futures & Options", start=start, end=end, fo=True)
    sent = client.post(
        "/api/uploads/tradebook",
        files=[
            ("files[]", ("tradebook-ZX1234-EQ-2022-04-01-to-2025-03-31.xlsx", equity, XLSX)),
            ("files[]", ("tradebook-ZX1234-FO-2022-04-01-to-2025-03-31.xlsx", fo, XLSX)),
        ],
    )
    assert sent.status_code == 201, sent.text
    assert [f["rows_added"] for f in sent.json()["files"]] == [len(EQUITY), len(FO)]


def _figures(rows: list[dict[str, str]]) -> dict[str, str]:
    return {f"{r['schedule']}: {r['field']}": r["amount"] for r in rows}


def _income(lines: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(x["head"], x["rate"]): x for x in lines}


def _key(line: Line) -> tuple[str, str | None]:
    return (line.head, None if line.rate is None else str(line.rate))


def _schedule_cg(
    want: Year, tax: dict[str, Any], filed: dict[str, Any]
) -> dict[str, tuple[str, Decimal]]:
    """Schedule CG's gain per rate period (STCG u/s 111A and LTCG u/s 112A, Schedule 112A's
    column 14) and the Tax P&L page's tax per capital gains line, added: each as shown and
    as calculated."""
    cg = _figures(filed["capital_gains"])
    out: dict[str, tuple[str, Decimal]] = {}
    for line in want.lines:
        if line.rate is None or line.net == 0:
            continue
        old = line.rate in (Decimal("0.15"), Decimal("0.10"))
        when = "sold before 23 July 2024" if old else "sold from 23 July 2024"
        name = (
            f"Schedule CG: STCG u/s 111A at {int(line.rate * 100)} %, {when}: "
            "short-term capital gain"
            if line.head == "stcg"
            else f"Schedule CG: LTCG u/s 112A, {when} (Schedule 112A column 14)"
        )
        out[name] = (cg[name], line.net)
    page_tax = sum((Decimal(x["tax"]) for x in tax["capital_gains"]), ZERO)
    out["tax page: capital gains lines' tax"] = (str(page_tax), want.tax)
    return out


def _settle(client: TestClient, how: str, close: str) -> None:
    if how == "entered":
        body = {"underlying": "NIFTY", "expiry": EXPIRY, "price": close}
        sent = client.put("/api/journal/settlement-prices", json=body)
        assert sent.status_code == 200, sent.text
    else:  # niftyindices.com's historical CSV, as the Benchmark imports it
        history = f"Date,Open,High,Low,Close\n26-Dec-2024,1,1,1,{close}\n"
        sent = client.post(
            "/api/journal/benchmark/indices",
            files={"file": ("nifty50.csv", history.encode())},
            data={"name": "NIFTY 50"},
        )
        assert sent.status_code == 201, sent.text


@pytest.mark.parametrize(("how", "close"), SETTLEMENTS)
def test_three_years_of_console_books_match_an_independent_calculator(
    client: TestClient, runtime: Runtime, how: str, close: str
) -> None:
    sign_in(client, runtime, f"console-{how}@x.in")
    _upload(client)
    _settle(client, how, close)
    expected = _compute(_trips(EQUITY + FO, Decimal(close)))

    pnl = client.get("/api/journal/pnl").json()
    assert pnl["open"] == []
    assert pnl["unrealised"] == "0.00"
    (expired,) = [t for t in pnl["round_trips"] if t["close_source"] == "expiry"]
    (call,) = [t for t in _trips(EQUITY + FO, Decimal(close)) if t.symbol == expired["symbol"]]
    assert (expired["symbol"], expired["closed"]) == ("NIFTY24DEC24000CE", EXPIRY)
    assert (Decimal(expired["pnl"]), Decimal(expired["charges"])) == (call.pnl, call.charges)

    for fy in YEARS:
        want = expected[fy]
        tax = client.get("/api/journal/tax", params={"fy": fy}).json()
        filed = client.get("/api/journal/tax/return", params={"fy": fy}).json()
        figures = _figures(filed["business"]["figures"])
        fo_note = "Part A-P&L, no accounts case: business (F&O)"
        spec_note = "Part A-P&L, no accounts case: speculative activity (intraday)"
        got: dict[str, Decimal | str] = {
            "fo turnover": tax["non_speculative"]["turnover"],
            "fo turnover (return)": figures[f"{fo_note}: Gross receipts (turnover)"],
            "fo pnl": tax["non_speculative"]["pnl"],
            "fo net (return)": figures[f"{fo_note}: Net profit"],
            "speculative turnover": tax["speculative"]["turnover"],
            "speculative pnl": tax["speculative"]["pnl"],
            "speculative net (return)": figures[
                f"{spec_note}: Net income from speculative activity"
            ],
            "special rate tax": tax["special_rate_tax"],
            "special rate tax (return)": filed["losses"]["special_rate_tax"],
        }
        expect: dict[str, Decimal | str] = {
            "fo turnover": want.fo_turnover,
            "fo turnover (return)": want.fo_turnover,
            "fo pnl": want.fo_pnl,
            "fo net (return)": want.fo_pnl - want.fo_charges,
            "speculative turnover": want.spec_turnover,
            "speculative pnl": want.spec_pnl,
            "speculative net (return)": want.spec_pnl - want.spec_charges,
            "special rate tax": want.tax,
            "special rate tax (return)": want.tax,
        }
        for page, lines in (("tax", tax["income"]), ("return", filed["losses"]["income"])):
            shown = _income(lines)
            assert set(shown) == {_key(x) for x in want.lines if x.net != 0}
            for line in want.lines:
                if _key(line) not in shown:
                    continue
                for field in (
                    "net",
                    "within_head",
                    "across_heads",
                    "brought_forward",
                    "left",
                    "exemption",
                ):
                    name = f"{page} {line.head} {line.rate} {field}"
                    got[name] = shown[_key(line)][field]
                    expect[name] = getattr(line, field)
        for name, (shown_cg, want_cg) in _schedule_cg(want, tax, filed).items():
            got[name], expect[name] = shown_cg, want_cg
        carried = {(x["kind"], x["fy"]): x["left"] for x in filed["losses"]["carried_forward"]}
        assert set(carried) == set(want.carried), fy
        for k, amount in want.carried.items():
            got[f"carried {k}"], expect[f"carried {k}"] = carried[k], amount
        brought = {(x["kind"], x["fy"]): x["set_off"] for x in filed["losses"]["brought_forward"]}
        assert set(brought) == set(want.brought_forward_used), fy
        for k, amount in want.brought_forward_used.items():
            got[f"brought forward {k}"], expect[f"brought forward {k}"] = brought[k], amount
        assert {k: _rupees(v) for k, v in got.items()} == {
            k: _rupees(v) for k, v in expect.items()
        }, fy
