"""Losses carried forward by kind and year (Schedule CFL), and set off in the years after.

Each financial year, in order from the first with a round trip:

1. **The year's own set-offs** (Schedule BP E and Schedule CG's intra-head set-off, s.70): a
   non-speculative business loss against the speculative income; a short-term capital loss
   against the short-term gains, then the long-term; a long-term loss only against
   long-term gains. Gains taxed at a higher rate absorb a loss first.
2. **Losses brought forward** (Schedule BFLA), each kind oldest year first, against what the
   year has left: a speculative loss only against speculative income (s.73(2)); a
   non-speculative business loss against business income, F&O first, then speculative
   (s.72); a short-term capital loss against short-term gains, then long-term; a long-term
   loss only against long-term gains (s.74). The short-term loss meets the short-term gains
   before the long-term loss meets the long-term ones, and the short-term loss then takes
   what long-term gains are left.
3. **What is left** is carried forward (Schedule CFL) for the years the Act allows after the
   assessment year it was computed in: a speculative loss 4 (s.73(4)), a non-speculative
   business loss 8 (s.72(3)), a capital loss 8 (s.74(1)). A loss still there after its last
   year lapses.

What this cannot see: a non-speculative business loss may also be set off against the
year's other income except salary (Schedule CYLA, s.71(2A)), which would leave less to carry;
and a loss is carried forward only when the return of its year was filed by the due date
(s.80). The s.112A exemption applies to the long-term gains left after the set-offs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradertape.journal.schedule_bp import schedule_bp
from tradertape.journal.tax import LTCG, STCG, TaxYear, ltcg_exemption

ZERO = Decimal(0)
SPECULATIVE = "speculative"
BUSINESS = "business"  # non-speculative
STCL = "stcl"
LTCL = "ltcl"
KINDS = (BUSINESS, SPECULATIVE, STCL, LTCL)  # Schedule CFL's order
YEARS = {SPECULATIVE: 4, BUSINESS: 8, STCL: 8, LTCL: 8}


def _start(fy: str) -> int:
    return int(fy[:4])


def fy_named(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def assessment_year(fy: str) -> str:
    """The assessment year of a financial year: 2025-26 for FY 2024-25."""
    return fy_named(_start(fy) + 1)


def last_year(kind: str, fy: str) -> str:
    """The last financial year a loss of `kind` made in `fy` may be set off in."""
    return fy_named(_start(fy) + YEARS[kind])


@dataclass(frozen=True, slots=True)
class Gains:
    """Capital gains at one rate: their net before, and what the set-offs took."""

    kind: str  # stcg | ltcg
    rate: Decimal
    net: Decimal  # the year's net (after the transfer expenses); a loss is negative
    set_off: Decimal = ZERO  # losses of this year and brought forward set off against it

    @property
    def left(self) -> Decimal:
        return max(self.net, ZERO) - self.set_off


@dataclass(frozen=True, slots=True)
class YearIncome:
    """What one year's return has to set losses against, before any set-off."""

    fy: str
    business: Decimal  # Schedule BP A: F&O net profit (a loss negative)
    speculative: Decimal  # Schedule BP B
    gains: tuple[Gains, ...] = ()

    @classmethod
    def of(cls, year: TaxYear) -> YearIncome:
        bp = schedule_bp(year)
        gains = tuple(Gains(b.kind, b.rate, b.net) for b in year.buckets)
        return cls(year.fy, bp.business_income, bp.speculative_income, gains)


@dataclass(slots=True)
class Loss:
    """A loss of one kind made in one year: how much of it a year brought forward and set off."""

    kind: str
    fy: str  # the year it was made
    amount: Decimal  # at the start of the year asked about (the year's own: as made)
    set_off: Decimal = ZERO  # in the year asked about

    @property
    def left(self) -> Decimal:
        return self.amount - self.set_off

    @property
    def last_fy(self) -> str:
        return last_year(self.kind, self.fy)


@dataclass(slots=True)
class SetOffYear:
    """One year's set-offs and what it carries forward (Schedules BP E, CG, BFLA and CFL)."""

    fy: str
    business: Decimal  # Schedule BP A
    speculative: Decimal  # Schedule BP B
    business_set_off: Decimal = ZERO  # the year's F&O loss set off against speculative income
    gains: list[Gains] = field(default_factory=list)
    brought_forward: list[Loss] = field(default_factory=list)  # earlier years' losses
    made: list[Loss] = field(default_factory=list)  # this year's losses left after its own
    carried_forward: list[Loss] = field(default_factory=list)  # to the next year
    lapsed: list[Loss] = field(default_factory=list)  # left after their last year
    business_left: Decimal = ZERO  # F&O income after every set-off
    speculative_left: Decimal = ZERO

    @property
    def exemption(self) -> Decimal:
        """The s.112A exemption used by the long-term gains left after the set-offs."""
        return min(ltcg_exemption(self.fy), sum((g.left for g in self.ltcg()), ZERO))

    def ltcg(self) -> list[Gains]:
        return [g for g in self.gains if g.kind == LTCG]

    def exemption_of(self, gains: Gains) -> Decimal:
        """The exemption against one rate's long-term gains, the higher rate first."""
        left = ltcg_exemption(self.fy)
        for g in sorted(self.ltcg(), key=lambda g: g.rate, reverse=True):
            used = min(left, g.left)
            if g is gains:
                return used
            left -= used
        return ZERO

    def taxable(self, gains: Gains) -> Decimal:
        return gains.left - (self.exemption_of(gains) if gains.kind == LTCG else ZERO)


class _Pots:
    """The year's incomes left to absorb losses, as cells set-offs draw on."""

    def __init__(self, income: YearIncome) -> None:
        self.business = max(income.business, ZERO)
        self.speculative = max(income.speculative, ZERO)
        self.gains = {(g.kind, g.rate): [max(g.net, ZERO), ZERO] for g in income.gains}

    def _gains(self, kind: str) -> list[list[Decimal]]:
        found = [(rate, cell) for (k, rate), cell in self.gains.items() if k == kind]
        return [cell for _, cell in sorted(found, key=lambda rc: rc[0], reverse=True)]

    def take_gains(self, amount: Decimal, kinds: tuple[str, ...]) -> Decimal:
        """Set `amount` off against gains of `kinds`, higher rates first; what it took."""
        taken = ZERO
        for kind in kinds:
            for cell in self._gains(kind):
                used = min(amount - taken, cell[0])
                cell[0] -= used
                cell[1] += used
                taken += used
        return taken

    def take_business(self, amount: Decimal, *, speculative_too: bool) -> Decimal:
        used = min(amount, self.business)
        self.business -= used
        if speculative_too:
            more = min(amount - used, self.speculative)
            self.speculative -= more
            used += more
        return used

    def take_speculative(self, amount: Decimal) -> Decimal:
        used = min(amount, self.speculative)
        self.speculative -= used
        return used


def _own_set_offs(income: YearIncome, pots: _Pots) -> tuple[Decimal, dict[str, Decimal]]:
    """The year's own losses set off within their heads; the F&O loss set against speculative
    income, and each kind's loss left."""
    made = dict.fromkeys(KINDS, ZERO)
    business_loss = max(-income.business, ZERO)
    business_set_off = pots.take_speculative(business_loss)
    made[BUSINESS] = business_loss - business_set_off
    made[SPECULATIVE] = max(-income.speculative, ZERO)
    short = sum((-g.net for g in income.gains if g.kind == STCG and g.net < 0), ZERO)
    long = sum((-g.net for g in income.gains if g.kind == LTCG and g.net < 0), ZERO)
    made[STCL] = short - pots.take_gains(short, (STCG, LTCG))
    made[LTCL] = long - pots.take_gains(long, (LTCG,))
    return business_set_off, made


def _brought_forward(losses: list[Loss], pots: _Pots) -> None:
    """Earlier years' losses set off against what the year has left, oldest first a kind."""

    def each(kind: str) -> list[Loss]:
        return sorted((x for x in losses if x.kind == kind), key=lambda x: _start(x.fy))

    for loss in each(SPECULATIVE):
        loss.set_off += pots.take_speculative(loss.left)
    for loss in each(BUSINESS):
        loss.set_off += pots.take_business(loss.left, speculative_too=True)
    for loss in each(STCL):
        loss.set_off += pots.take_gains(loss.left, (STCG,))
    for loss in each(LTCL):
        loss.set_off += pots.take_gains(loss.left, (LTCG,))
    for loss in each(STCL):
        loss.set_off += pots.take_gains(loss.left, (LTCG,))


def set_off_year(years: Iterable[YearIncome], fy: str) -> SetOffYear:
    """The set-offs of `fy` and its Schedule CFL, from every year's income up to it."""
    known: Mapping[str, YearIncome] = {y.fy: y for y in years}
    target = _start(fy)
    first = min((_start(y) for y in known), default=target)
    pool: list[Loss] = []
    result = SetOffYear(fy, ZERO, ZERO)
    for start in range(min(first, target), target + 1):
        name = fy_named(start)
        income = known.get(name) or YearIncome(name, ZERO, ZERO)
        pots = _Pots(income)
        business_set_off, made = _own_set_offs(income, pots)
        brought = [Loss(x.kind, x.fy, x.left) for x in pool]
        _brought_forward(brought, pots)
        own = [Loss(kind, name, amount) for kind, amount in made.items() if amount > 0]
        carried = [x for x in brought if x.left > 0 and _start(x.last_fy) > start] + own
        if start == target:
            result = SetOffYear(
                fy=name,
                business=income.business,
                speculative=income.speculative,
                business_set_off=business_set_off,
                gains=[
                    Gains(g.kind, g.rate, g.net, pots.gains[g.kind, g.rate][1])
                    for g in income.gains
                ],
                brought_forward=brought,
                made=own,
                carried_forward=[Loss(x.kind, x.fy, x.left) for x in carried],
                lapsed=[x for x in brought if x.left > 0 and _start(x.last_fy) <= start],
                business_left=pots.business,
                speculative_left=pots.speculative,
            )
        pool = [Loss(x.kind, x.fy, x.left) for x in carried]
    return result
