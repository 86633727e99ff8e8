"""Tax P&L per financial year from round trips: facts to check with a tax adviser, not advice.

Each round trip falls in the financial year (1 April – 31 March) of its transfer (its close):

- **Speculative business**: equity bought and sold the same day (s.43(5)); turnover is the
  sum of each trip's absolute profit or loss.
- **Non-speculative business**: F&O (s.43(5) proviso (d)); turnover likewise.
- **Short-term capital gains** (s.111A): listed equity held 12 months or less.
- **Long-term capital gains** (s.112A): held more than 12 months. For a share acquired on or
  before 31 January 2018 the cost is the higher of its actual cost and the lower of its fair
  market value that day and the sale value (s.55(2)(ac)); an ISIN without a value in the
  FMV file is listed in ``unmatched_isins`` and its actual cost is used. Each such sale is a
  line of Schedule 112A (`journal.schedule_112a`).
- **Buybacks**: until 30 September 2024 the holder's gain was exempt (s.10(34A)); from
  1 October 2024 the whole price is a deemed dividend (income from other sources) and the
  shares' cost a capital loss (s.46A), short or long term by holding.

Rates by transfer date (Finance (No. 2) Act 2024): STCG 15 % before 23 July 2024, 20 % from
then; LTCG 10 % before, 12.5 % from then. The s.112A exemption is ₹1,00,000 a year until
FY 2023-24 and ₹1,25,000 from FY 2024-25 (`ltcg_exemption`). The set-offs, the exemption
and the tax they leave are computed once, over the years, in `journal.carry_forward`; this
module gives each year's figures before them. A capital gain is after the expenditure on
the transfer (s.48): the trip's charges other than STT (`journal.transfer_expenses`), each
trip's figures taken to the paisa as the return holds them; STT is not deductible and is
reported as ``charges_not_deducted``.
Business income (intraday, F&O) is before charges here; its charges, STT included, are the
business's expenses (`journal.schedule_bp`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tradertape.domain.money import paise
from tradertape.journal.pnl import RoundTrip
from tradertape.journal.schedule_112a import Row112A, Sale, rows, sale
from tradertape.journal.transfer_expenses import transfer_expenses

ZERO = Decimal(0)
RATE_CHANGE = date(2024, 7, 23)
BUYBACK_AS_DIVIDEND = date(2024, 10, 1)
GRANDFATHER_DAY = date(2018, 1, 31)
SPECULATIVE = "speculative"
NON_SPECULATIVE = "non_speculative"
STCG = "stcg"
LTCG = "ltcg"
BUYBACK_EXEMPT = "buyback_exempt"


def fy_of(day: date) -> str:
    """``2024-25`` for any day from 1 April 2024 to 31 March 2025."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class YearPnl:
    """The realised P&L of the round trips closed in one financial year."""

    fy: str
    realised: Decimal
    charges: Decimal
    trips: int

    @property
    def net(self) -> Decimal:
        return self.realised - self.charges


def by_financial_year(trips: Iterable[RoundTrip]) -> list[YearPnl]:
    """Realised P&L, charges and count per financial year of the close, newest year first."""
    realised: dict[str, Decimal] = defaultdict(Decimal)
    charges: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for trip in trips:
        fy = fy_of(trip.closed)
        realised[fy] += trip.pnl
        charges[fy] += trip.charges
        count[fy] += 1
    return [YearPnl(fy, realised[fy], charges[fy], count[fy]) for fy in sorted(count, reverse=True)]


def fy_bounds(fy: str) -> tuple[date, date]:
    """The first and last day of a financial year written ``2024-25``."""
    start = int(fy[:4])
    if fy != f"{start}-{(start + 1) % 100:02d}":
        raise ValueError(f"{fy!r} is not a financial year like 2024-25")
    return date(start, 4, 1), date(start + 1, 3, 31)


def stcg_rate(transfer: date) -> Decimal:
    return Decimal("0.15") if transfer < RATE_CHANGE else Decimal("0.20")


def ltcg_rate(transfer: date) -> Decimal:
    return Decimal("0.10") if transfer < RATE_CHANGE else Decimal("0.125")


def ltcg_exemption(fy: str) -> Decimal:
    return Decimal(125_000) if int(fy[:4]) >= 2024 else Decimal(100_000)


def long_term(opened: date, closed: date) -> bool:
    """Held more than 12 months: sold after the first anniversary of the purchase."""
    try:
        anniversary = opened.replace(year=opened.year + 1)
    except ValueError:  # 29 February
        anniversary = date(opened.year + 1, 3, 1)
    return closed > anniversary


@dataclass(slots=True)
class Business:
    """Speculative or non-speculative business income of the year."""

    pnl: Decimal = ZERO
    turnover: Decimal = ZERO
    charges: Decimal = ZERO
    trips: int = 0


@dataclass(slots=True)
class GainsBucket:
    """Capital gains at one rate: the trips transferred while it applied."""

    kind: str  # stcg | ltcg
    rate: Decimal
    gains: Decimal = ZERO
    losses: Decimal = ZERO
    trips: int = 0
    expenses: Decimal = ZERO  # the transfer expenses deducted from its gains and losses (s.48)
    consideration: Decimal = ZERO  # full value of the consideration (Schedule CG)
    cost: Decimal = ZERO  # cost of acquisition without indexation (Schedule CG)

    @property
    def net(self) -> Decimal:
        """Consideration − cost − expenses: the gains less the losses."""
        return self.gains - self.losses


@dataclass(slots=True)
class TaxYear:
    """A financial year's tax P&L."""

    fy: str
    speculative: Business = field(default_factory=Business)
    non_speculative: Business = field(default_factory=Business)
    buckets: list[GainsBucket] = field(default_factory=list)
    buyback_dividend: Decimal = ZERO
    buyback_exempt_gain: Decimal = ZERO
    charges_not_deducted: Decimal = ZERO
    unmatched_isins: list[str] = field(default_factory=list)
    schedule_112a: list[Row112A] = field(default_factory=list)
    lines: list[tuple[RoundTrip, str, Decimal]] = field(default_factory=list)  # trip, head, gain

    def bucket(self, kind: str, rate: Decimal) -> GainsBucket:
        for b in self.buckets:
            if (b.kind, b.rate) == (kind, rate):
                return b
        made = GainsBucket(kind, rate)
        self.buckets.append(made)
        self.buckets.sort(key=lambda b: (b.kind != STCG, b.rate))
        return made


def _gain(
    trip: RoundTrip,
    year: TaxYear,
    head: str,
    consideration: Decimal,
    cost: Decimal,
    expenses: Decimal,
) -> None:
    """The trip's gain, `consideration` − `cost` − `expenses`, into its rate's bucket."""
    gain = consideration - cost - expenses
    year.lines.append((trip, head, gain))
    rate = stcg_rate(trip.closed) if head == STCG else ltcg_rate(trip.closed)
    bucket = year.bucket(head, rate)
    bucket.trips += 1
    bucket.expenses += expenses
    bucket.consideration += consideration
    bucket.cost += cost
    if gain >= 0:
        bucket.gains += gain
    else:
        bucket.losses -= gain


def tax_year(
    trips: Iterable[RoundTrip], fy: str, *, fmv: Mapping[str, Decimal] | None = None
) -> TaxYear:
    """The tax P&L of `fy` from every round trip (those closed in other years are skipped)."""
    start, end = fy_bounds(fy)
    year = TaxYear(fy)
    sales: list[Sale] = []
    unmatched: set[str] = set()
    for trip in trips:
        if start <= trip.closed <= end:
            _classify(trip, year, fmv or {}, sales, unmatched)
    year.unmatched_isins = sorted(unmatched)
    year.schedule_112a = rows(sales)
    return year


def _classify(
    trip: RoundTrip,
    year: TaxYear,
    values: Mapping[str, Decimal],
    sales: list[Sale],
    unmatched: set[str],
) -> None:
    if trip.segment == "FO":
        _business(year.non_speculative, trip)
        year.lines.append((trip, NON_SPECULATIVE, trip.pnl))
        return
    if trip.intraday:
        _business(year.speculative, trip)
        year.lines.append((trip, SPECULATIVE, trip.pnl))
        return
    expenses = paise(transfer_expenses(trip))
    year.charges_not_deducted += trip.charges - expenses
    held_long = trip.direction == "long" and long_term(trip.opened, trip.closed)
    head = LTCG if held_long else STCG
    if trip.kind == "buyback":
        if trip.closed < BUYBACK_AS_DIVIDEND:
            year.buyback_exempt_gain += trip.pnl
            year.lines.append((trip, BUYBACK_EXEMPT, trip.pnl))
        else:
            year.buyback_dividend += trip.close_value
            _gain(trip, year, head, ZERO, paise(trip.open_value), ZERO)  # its cost a loss
        return
    if head == STCG:
        _gain(trip, year, head, paise(trip.sell_value), paise(trip.buy_value), expenses)
        return
    grandfathered = trip.opened <= GRANDFATHER_DAY
    fmv_unit = values.get(trip.isin or "") if grandfathered else None
    if grandfathered and fmv_unit is None:
        unmatched.add(trip.isin or f"(no ISIN) {trip.symbol}")
    line = sale(
        isin=trip.isin,
        name=trip.symbol,
        grandfathered=grandfathered,
        sold_before_rate_change=trip.closed < RATE_CHANGE,
        units=trip.quantity,
        consideration=trip.close_value,
        actual_cost=trip.open_value,
        fmv_per_unit=fmv_unit,
        expenses=expenses,
    )
    sales.append(line)
    _gain(trip, year, head, line.consideration, line.cost, expenses)


def _business(business: Business, trip: RoundTrip) -> None:
    business.pnl += trip.pnl
    business.turnover += abs(trip.pnl)
    business.charges += trip.charges
    business.trips += 1
