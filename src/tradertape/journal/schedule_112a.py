"""Schedule 112A as the return takes it: long-term gains on listed equity, a row per ISIN.

**Rows.** A row per ISIN per *rate period* (sold before 23 July 2024, taxed at 10 %, or on or
after it, at 12.5 %: the AY 2025-26 form asks for them apart) and per acquisition (``BE``: on
or before 31 January 2018, grandfathered; ``AE``: after). Two further splits keep the form's
own arithmetic equal to each sale's, and only where it would otherwise differ:

- *Grandfathered rows* carry the form's formulae: column 9 is the lower of 6 and 11, column 7
  the higher of 8 and 9, per row. Added over sales where one sale's FMV is below its price and
  another's above (or one's cost above its FMV and another's below), the row's lower-of and
  higher-of would lose what each sale has a right to (s.55(2)(ac) is per share). Such an
  ISIN gets a row per side, so a row's formulae give exactly the sum of its sales'.
- *Column 6 is column 4 × column 5* on the form, with the price in paise: 700 shares sold
  for ₹11,70,000 have no such price (₹1,671.428…). The row is then two: the quantity at the
  price one paisa below and the rest one paisa above, in the proportion that adds up to the
  consideration exactly (400 × ₹1,671.42 + 300 × ₹1,671.43). The cost, FMV and expenses are
  shared between the two so each keeps its side of the lower-of and higher-of.

A share acquired after 31 January 2018 has no FMV columns; the utility takes column 6 whole
for it (columns 4, 5, 9, 10 and 11 blank), so such a row is never split by price.

**Columns** (amounts to the paisa): 4 units, 5 sale price per unit, 6 full value of the
consideration, 7 cost of acquisition without indexation (the higher of 8 and 9), 8 cost of
acquisition, 9 the lower of 6 and 11, 10 FMV per unit on 31 January 2018, 11 the total FMV
(4 × 10), 12 expenditure wholly and exclusively in connection with the transfer (the
charges other than STT, `journal.transfer_expenses`), 13 total deductions (7 + 12), 14 the
balance (6 − 13).

**The utility's CSV** (`utility_csv`): the income-tax department's offline utility imports
Schedule 112A from a CSV of its own template, a header row then a row per line. The
headers are its (`HEADERS`, with ``Share/Unit Transferred(1b)`` only for FY 2024-25, the one
year with the two rate periods), codes ``BE``/``AE`` in columns 1a and 1b.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from tradertape.domain.money import PAISA, paise

ZERO = Decimal(0)
BEFORE = "BE"  # acquired on or before 31 January 2018 / sold before 23 July 2024
AFTER = "AE"

HEADER_1A = "Share/Unit acquired(1a)"
HEADER_1B = "Share/Unit Transferred(1b)"
HEADERS = [
    "ISIN Code(2)",
    "Name of the Share/Unit(3)",
    "No. of Shares/Units(4)",
    "Sale-price per Share/Unit(5)",
    "Full Value of Consideration(Total Sale Value)(6) = 4 * 5",
    "Cost of acquisition without indexation(7)",
    "Cost of acquisition(8)",
    "If the long term capital asset was acquired before 01.02.2018(9)",
    "Fair Market Value per share/unit as on 31st January,2018(10)",
    "Total Fair Market Value of capital asset as per section 55(2)(ac)(11) = 4 * 10",
    "Expenditure wholly and exclusively in connection with transfer(12)",
    "Total deductions(13) = 7 + 12",
    "Balance(14) = 6 - 13",
]


@dataclass(frozen=True, slots=True)
class Sale:
    """One long-term sale (a round trip) as the schedule takes it, amounts to the paisa."""

    isin: str | None
    name: str
    grandfathered: bool  # acquired on or before 31 January 2018
    sold_before_rate_change: bool  # transferred before 23 July 2024
    units: Decimal
    consideration: Decimal
    actual_cost: Decimal
    fmv_per_unit: Decimal | None  # known only for a grandfathered share in the FMV file
    expenses: Decimal

    @property
    def fmv_total(self) -> Decimal | None:
        if not self.grandfathered or self.fmv_per_unit is None:
            return None
        return self.fmv_per_unit * self.units

    @property
    def lower(self) -> Decimal | None:
        """Column 9: the lower of the consideration and the total FMV."""
        total = self.fmv_total
        return None if total is None else min(total, self.consideration)

    @property
    def cost(self) -> Decimal:
        """Column 7: the higher of the actual cost and column 9."""
        lower = self.lower
        return self.actual_cost if lower is None else max(self.actual_cost, lower)

    @property
    def balance(self) -> Decimal:
        """Column 14: the gain (or loss) after the cost and the transfer expenses."""
        return self.consideration - self.cost - self.expenses


def sale(
    *,
    isin: str | None,
    name: str,
    grandfathered: bool,
    sold_before_rate_change: bool,
    units: Decimal,
    consideration: Decimal,
    actual_cost: Decimal,
    fmv_per_unit: Decimal | None,
    expenses: Decimal,
) -> Sale:
    """A `Sale` with its amounts and its FMV rounded to the paisa (as the form holds them)."""
    return Sale(
        isin=isin,
        name=name,
        grandfathered=grandfathered,
        sold_before_rate_change=sold_before_rate_change,
        units=units,
        consideration=paise(consideration),
        actual_cost=paise(actual_cost),
        fmv_per_unit=None if fmv_per_unit is None or not grandfathered else paise(fmv_per_unit),
        expenses=paise(expenses),
    )


@dataclass(frozen=True, slots=True)
class Row112A:
    """One line of Schedule 112A; the columns' numbers in the comments."""

    acquired: str  # 1a: BE on or before 31 January 2018, AE after
    transferred: str  # 1b: BE before 23 July 2024, AE on or after
    isin: str | None  # 2
    name: str  # 3
    units: Decimal  # 4 (the utility takes none for an AE row)
    sale_price: Decimal | None  # 5, per unit; None for an AE row
    consideration: Decimal  # 6 = 4 × 5
    cost: Decimal  # 7 = higher of 8 and 9
    actual_cost: Decimal  # 8
    lower_of_fmv_and_sale: Decimal | None  # 9 = lower of 6 and 11
    fmv_per_unit: Decimal | None  # 10
    fmv_total: Decimal | None  # 11 = 4 × 10
    expenditure: Decimal  # 12
    deductions: Decimal  # 13 = 7 + 12
    balance: Decimal  # 14 = 6 − 13

    @property
    def before_2018(self) -> bool:
        return self.acquired == BEFORE


@dataclass(slots=True)
class _Group:
    sales: list[Sale]

    def total(self, pick: str) -> Decimal:
        return sum((getattr(s, pick) for s in self.sales), ZERO)


Key = tuple[bool, bool, str, str, bool, bool, Decimal]


def _key(s: Sale) -> Key:
    lower = s.lower
    fmv_side = lower is not None and lower == s.fmv_total  # the FMV is the lower of 6 and 11
    cost_side = lower is None or s.actual_cost >= lower  # the actual cost is the higher
    return (
        not s.sold_before_rate_change,
        not s.grandfathered,
        s.isin or "",
        s.name if not s.isin else "",
        fmv_side,
        cost_side,
        s.fmv_per_unit if s.fmv_per_unit is not None else Decimal(-1),  # one ISIN has one
    )


def rows(sales: Iterable[Sale]) -> list[Row112A]:
    """The schedule's rows: sales before 23 July 2024 first, grandfathered first, by ISIN."""
    groups: dict[Key, _Group] = defaultdict(lambda: _Group([]))
    for s in sales:
        groups[_key(s)].sales.append(s)
    out: list[Row112A] = []
    for key in sorted(groups):
        out.extend(_lines(groups[key]))
    return out


def _floor_shares(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` shared by weight to the paisa (floored), the last share taking what is left."""
    whole = sum(weights, ZERO)
    shares = [
        (total * w / whole).quantize(PAISA, rounding=ROUND_FLOOR) if whole else ZERO
        for w in weights[:-1]
    ]
    return [*shares, total - sum(shares, ZERO)]


def exact_prices(units: Decimal, consideration: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(units, price per unit) parts whose units × price add up to `consideration` exactly:
    one part when a price in paise does it, else two, a paisa apart. A quantity that is not
    whole takes one part at the price rounded to the paisa (not exact)."""
    if units <= 0 or units != units.to_integral_value():
        return [(units, paise(consideration / units) if units else ZERO)]
    price, left = divmod(int(consideration / PAISA), int(units))
    low = Decimal(price) * PAISA
    if not left:
        return [(units, low)]
    return [(units - left, low), (Decimal(left), low + PAISA)]


def _lines(group: _Group) -> list[Row112A]:
    first = group.sales[0]
    units = group.total("units")
    sold = group.total("consideration")
    actual = group.total("actual_cost")
    spent = group.total("expenses")
    period = BEFORE if first.sold_before_rate_change else AFTER
    if not first.grandfathered:
        return [
            Row112A(
                acquired=AFTER,
                transferred=period,
                isin=first.isin,
                name=first.name,
                units=units,
                sale_price=None,
                consideration=sold,
                cost=actual,
                actual_cost=actual,
                lower_of_fmv_and_sale=None,
                fmv_per_unit=None,
                fmv_total=None,
                expenditure=spent,
                deductions=actual + spent,
                balance=sold - actual - spent,
            )
        ]
    parts = exact_prices(units, sold)
    weights = [q for q, _ in parts]
    values = [q * price for q, price in parts]
    values[-1] += sold - sum(values, ZERO)  # nil unless the quantity is not whole
    fmv = first.fmv_per_unit
    totals = [None if fmv is None else fmv * q for q in weights]
    lowers = [None if t is None else min(t, v) for t, v in zip(totals, values, strict=True)]
    costs = _costs(actual, lowers, weights)
    expenses = _floor_shares(spent, weights)
    out = []
    for i, (q, price) in enumerate(parts):
        lower = lowers[i]
        cost = costs[i] if lower is None else max(costs[i], lower)
        out.append(
            Row112A(
                acquired=BEFORE,
                transferred=period,
                isin=first.isin,
                name=first.name,
                units=q,
                sale_price=price,
                consideration=values[i],
                cost=cost,
                actual_cost=costs[i],
                lower_of_fmv_and_sale=lower,
                fmv_per_unit=fmv,
                fmv_total=totals[i],
                expenditure=expenses[i],
                deductions=cost + expenses[i],
                balance=values[i] - cost - expenses[i],
            )
        )
    return out


def _costs(
    actual: Decimal, lowers: Sequence[Decimal | None], weights: Sequence[Decimal]
) -> list[Decimal]:
    """The actual cost shared between a row's parts so each part keeps the side of the
    higher-of (column 7) that the whole row has: each part's cost is its own column 9 plus
    (or less) its share of the gap between the row's cost and its column 9."""
    if len(weights) == 1 or any(lower is None for lower in lowers):
        return _floor_shares(actual, weights)
    known = [lower for lower in lowers if lower is not None]
    lower = sum(known, ZERO)
    if actual >= lower:  # the cost is the higher throughout: share the excess
        return [k + e for k, e in zip(known, _floor_shares(actual - lower, weights), strict=True)]
    gap = lower - actual  # column 9 is the higher: share the shortfall, no part below nil
    first = _floor_shares(gap, weights)[0]
    first = min(max(first, known[0] - actual, ZERO), gap, known[0])
    return [known[0] - first, known[1] - (gap - first)]


# ----------------------------------------------------------------------------- the utility


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _units(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _name(text: str) -> str:
    # the utility's importer has refused an ampersand in a name; a name a spreadsheet would
    # run as a formula (a hostile file's symbol "=1+2") goes behind a quote, as text
    named = text.replace("&", " and ").replace("  ", " ").strip()
    return f"'{named}" if named[:1] in ("=", "+", "-", "@") else named


def has_transfer_column(fy: str) -> bool:
    """Whether the year's template has column 1b: FY 2024-25, the year with both rates."""
    return fy == "2024-25"


def utility_row(row: Row112A, *, with_transfer: bool) -> list[str]:
    """A row's cells in the template's order (an AE row leaves 4, 5, 9, 10 and 11 blank)."""
    grandfathered = row.acquired == BEFORE
    cells = [row.acquired]
    if with_transfer:
        cells.append(row.transferred)
    cells += [
        row.isin or "",
        _name(row.name),
        _units(row.units) if grandfathered else "",
        _amount(row.sale_price) if grandfathered else "",
        _amount(row.consideration),
        _amount(row.cost),
        _amount(row.actual_cost),
        _amount(row.lower_of_fmv_and_sale) if grandfathered else "",
        _amount(row.fmv_per_unit) if grandfathered else "",
        _amount(row.fmv_total) if grandfathered else "",
        _amount(row.expenditure),
        _amount(row.deductions),
        _amount(row.balance),
    ]
    return cells


def utility_headers(fy: str) -> list[str]:
    """The template's header row for the year."""
    if has_transfer_column(fy):
        return [HEADER_1A, HEADER_1B, *HEADERS]
    return [HEADER_1A, *HEADERS]


def utility_csv(schedule: Sequence[Row112A], *, fy: str) -> bytes:
    """The schedule as the offline utility's Schedule 112A CSV: every header quoted (one
    holds a comma), then a row per line."""
    out = io.StringIO()
    out.write(",".join(f'"{h}"' for h in utility_headers(fy)) + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    with_transfer = has_transfer_column(fy)
    writer.writerows(utility_row(r, with_transfer=with_transfer) for r in schedule)
    return out.getvalue().encode()
