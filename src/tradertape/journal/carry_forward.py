"""A year's income by head after the Act's set-offs, its tax at special rates, and the losses
carried forward (Schedules CG, BP, CYLA, BFLA, CFL and SI): the one computation every view reads.

Each financial year, in order from the first with a round trip, on the income lines the
journal sees: business other than speculative (F&O, Schedule BP A), speculative business
(intraday equity, BP B), income from other sources (buyback proceeds taxed as dividend from
1 October 2024), and capital gains at each special rate (STCG u/s 111A at 15 % / 20 %, LTCG
u/s 112A at 10 % / 12.5 %):

1. **Within a head (s.70).** The F&O loss against the speculative income (Schedule BP E);
   a short-term capital loss against short-term gains, then long-term (s.70(2)); a long-term
   loss against long-term gains only (s.70(3)), before the short-term loss takes what
   long-term gains are left (so what is carried is the loss more places can use). A
   speculative loss is set off against nothing else (s.73(1)).
2. **Across heads (s.71, Schedule CYLA).** The F&O loss left against the year's income under
   any other head but salary (s.71(2A)): income from other sources and capital gains. A
   capital loss is never set off against another head (s.71(3)); nor a speculative loss.
3. **Losses brought forward (s.72–74, Schedule BFLA)**, each kind oldest year first: a
   speculative loss only against speculative income (s.73(2)); a business loss against
   business income, F&O first, then speculative (s.72(1)); a short-term capital loss against
   short-term gains, then long-term; a long-term loss only against long-term gains (s.74(1)).
   The short-term loss meets the short-term gains before the long-term loss meets the
   long-term ones, and the short-term loss then takes what long-term gains are left.
4. **The s.112A exemption** (₹1,00,000; ₹1,25,000 from FY 2024-25) against the long-term
   gains left, those taxed at the higher rate first.
5. **What is left** is carried forward (Schedule CFL) for the years the Act allows after the
   assessment year it was computed in: a speculative loss 4 (s.73(4)), a business loss 8
   (s.72(3)), a capital loss 8 (s.74(1)). A loss still there after its last year lapses.

**The order where the Act leaves a choice: the income taxed at the highest rate first.**
Set-off is not optional (a loss that can be set off this year must be), but which income a
loss meets, among the lines it may meet, is the filer's choice in Schedules CG and CYLA.
Every choice is made so the income left is the lowest taxed: slab income first (ranked at
the top slab, 30 %: the journal cannot see the rest of the filer's income, and an F&O
trader's usually puts them there), then STCG u/s 111A at 20 %, at 15 %, then LTCG u/s 112A at
12.5 %, at 10 %. Every STCG rate is above every LTCG rate, and the exemption can cover only
long-term gains, so taking the short-term gains first, and the exemption from the highest
long-term rate left, leaves the least tax: the exemption is used where it saves most.

Out of scope: salary and house property (s.71(2A), s.71B), other income the journal cannot
see, surcharge, cess, rebate, and whether a return was filed by the due date (s.80).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from tradertape.domain.money import paise
from tradertape.journal.schedule_bp import schedule_bp
from tradertape.journal.tax import LTCG, STCG, TaxYear, ltcg_exemption

ZERO = Decimal(0)
SPECULATIVE = "speculative"
BUSINESS = "business"  # non-speculative
STCL = "stcl"
LTCL = "ltcl"
OTHER_SOURCES = "other_sources"
KINDS = (BUSINESS, SPECULATIVE, STCL, LTCL)  # Schedule CFL's order
YEARS = {SPECULATIVE: 4, BUSINESS: 8, STCL: 8, LTCL: 8}
SLAB_RANK = Decimal("0.30")  # slab income ranked at the top slab when choosing what to set off


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
    """A year's net capital gains at one rate, before any set-off (a loss negative)."""

    kind: str  # stcg | ltcg
    rate: Decimal
    net: Decimal  # after the transfer expenses


@dataclass(frozen=True, slots=True)
class YearIncome:
    """What one year's return has, by head, before any set-off."""

    fy: str
    business: Decimal  # Schedule BP A: F&O net profit (a loss negative)
    speculative: Decimal  # Schedule BP B
    gains: tuple[Gains, ...] = ()
    other_sources: Decimal = ZERO  # buyback proceeds taxed as dividend

    @classmethod
    def of(cls, year: TaxYear) -> YearIncome:
        bp = schedule_bp(year)
        gains = tuple(Gains(b.kind, b.rate, b.net) for b in year.buckets)
        return cls(year.fy, bp.business_income, bp.speculative_income, gains, year.buyback_dividend)


@dataclass(slots=True)
class Line:
    """One income line of the year and what each set-off took from it."""

    head: str  # business | speculative | other_sources | stcg | ltcg
    rate: Decimal | None  # the special rate; None: taxed at the filer's slab
    net: Decimal  # the year's net before any set-off (a loss negative)
    within_head: Decimal = ZERO  # the year's losses of the same head (s.70)
    across_heads: Decimal = ZERO  # the year's business loss (s.71, Schedule CYLA)
    brought_forward: Decimal = ZERO  # earlier years' losses (s.72–74, Schedule BFLA)
    exemption: Decimal = ZERO  # s.112A

    @property
    def income(self) -> Decimal:
        return max(self.net, ZERO)

    @property
    def after_current(self) -> Decimal:
        """Left after the year's own losses: Schedule CYLA's last column."""
        return self.income - self.within_head - self.across_heads

    @property
    def left(self) -> Decimal:
        """Left after every set-off: Schedule BFLA's last column."""
        return self.after_current - self.brought_forward

    @property
    def taxable(self) -> Decimal:
        return self.left - self.exemption

    @property
    def tax(self) -> Decimal | None:
        """Taxable × the special rate to the paisa, before surcharge and cess; None for slab
        income."""
        return None if self.rate is None else paise(self.taxable * self.rate)

    @property
    def rank(self) -> Decimal:
        return SLAB_RANK if self.rate is None else self.rate


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
    """One year's income by head after its set-offs, and what it carries forward."""

    fy: str
    lines: list[Line] = field(default_factory=list)
    business_loss: Decimal = ZERO  # the year's F&O loss (Schedule BP A, as a positive amount)
    brought_forward: list[Loss] = field(default_factory=list)  # earlier years' losses
    made: list[Loss] = field(default_factory=list)  # this year's losses left after its own
    carried_forward: list[Loss] = field(default_factory=list)  # to the next year
    lapsed: list[Loss] = field(default_factory=list)  # left after their last year

    def line(self, head: str, rate: Decimal | None = None) -> Line:
        for x in self.lines:
            if (x.head, x.rate) == (head, rate):
                return x
        return Line(head, rate, ZERO)

    def gains(self) -> list[Line]:
        """The capital gains lines, short-term first, the lower rate first (the form's order)."""
        found = [x for x in self.lines if x.head in (STCG, LTCG)]
        return sorted(found, key=lambda x: (x.head != STCG, x.rate))

    @property
    def business(self) -> Decimal:
        return self.line(BUSINESS).net

    @property
    def speculative(self) -> Decimal:
        return self.line(SPECULATIVE).net

    @property
    def business_set_off(self) -> Decimal:
        """Schedule BP E: the year's F&O loss set off against its speculative income."""
        return self.line(SPECULATIVE).within_head

    @property
    def business_chargeable(self) -> Decimal:
        """Schedule BP D: income chargeable under the head, after E."""
        business, speculative = self.line(BUSINESS), self.line(SPECULATIVE)
        return business.income + speculative.income - speculative.within_head

    @property
    def business_across_heads(self) -> Decimal:
        """Schedule CYLA: the year's F&O loss set off against other heads (s.71)."""
        return sum((x.across_heads for x in self.lines), ZERO)

    @property
    def business_left(self) -> Decimal:
        """F&O income after every set-off."""
        return self.line(BUSINESS).left

    @property
    def speculative_left(self) -> Decimal:
        return self.line(SPECULATIVE).left

    @property
    def exemption(self) -> Decimal:
        """The s.112A exemption used."""
        return sum((x.exemption for x in self.lines), ZERO)

    @property
    def special_rate_tax(self) -> Decimal:
        """Tax on the capital gains at their special rates after every set-off and the
        exemption (Schedule SI), before surcharge and cess: the one tax every page shows."""
        return sum((x.tax for x in self.lines if x.tax is not None), ZERO)

    @property
    def slab_income(self) -> Decimal:
        """Income left to be taxed at the filer's slab: business and other sources."""
        return sum((x.left for x in self.lines if x.rate is None), ZERO)


Column = Literal["within_head", "across_heads", "brought_forward"]


def _take(amount: Decimal, lines: Iterable[Line], column: Column) -> Decimal:
    """Set `amount` off against `lines` in their order, adding to `column`; what it took."""
    taken = ZERO
    for line in lines:
        used = min(amount - taken, line.left)
        if used > 0:
            setattr(line, column, getattr(line, column) + used)
            taken += used
    return taken


def _highest_first(lines: Iterable[Line]) -> list[Line]:
    """Lines by the rate their income is taxed at, highest first; a short-term line before a
    long-term one at the same rate."""
    return sorted(lines, key=lambda x: (-x.rank, x.head == LTCG))


def _lines(income: YearIncome) -> list[Line]:
    lines = [
        Line(BUSINESS, None, income.business),
        Line(SPECULATIVE, None, income.speculative),
        Line(OTHER_SOURCES, None, income.other_sources),
    ]
    return lines + [Line(g.kind, g.rate, g.net) for g in income.gains]


def _of(lines: list[Line], *heads: str) -> list[Line]:
    return _highest_first(x for x in lines if x.head in heads)


def _current(income: YearIncome, lines: list[Line]) -> dict[str, Decimal]:
    """The year's own losses set off within their heads (s.70), then the business loss across
    heads (s.71); each kind's loss left to carry forward."""
    made = dict.fromkeys(KINDS, ZERO)
    business_loss = max(-income.business, ZERO)
    left = business_loss - _take(business_loss, _of(lines, SPECULATIVE), "within_head")
    across = _of(lines, OTHER_SOURCES, STCG, LTCG)
    short = sum((-g.net for g in income.gains if g.kind == STCG and g.net < 0), ZERO)
    long = sum((-g.net for g in income.gains if g.kind == LTCG and g.net < 0), ZERO)
    # as with losses brought forward: the long-term loss, which can meet nothing else, takes
    # the long-term gains before the short-term loss takes what the short-term gains leave
    short -= _take(short, _of(lines, STCG), "within_head")
    made[LTCL] = long - _take(long, _of(lines, LTCG), "within_head")
    made[STCL] = short - _take(short, _of(lines, LTCG), "within_head")
    made[BUSINESS] = left - _take(left, across, "across_heads")
    made[SPECULATIVE] = max(-income.speculative, ZERO)
    return made


def _brought_forward(losses: list[Loss], lines: list[Line]) -> None:
    """Earlier years' losses set off against what the year has left, oldest first a kind."""

    def each(kind: str) -> list[Loss]:
        return sorted((x for x in losses if x.kind == kind), key=lambda x: _start(x.fy))

    def take(loss: Loss, targets: list[Line]) -> None:
        loss.set_off += _take(loss.left, targets, "brought_forward")

    business = [x for x in lines if x.head == BUSINESS] + _of(lines, SPECULATIVE)
    for loss in each(SPECULATIVE):
        take(loss, _of(lines, SPECULATIVE))
    for loss in each(BUSINESS):
        take(loss, business)
    for loss in each(STCL):
        take(loss, _of(lines, STCG))
    for loss in each(LTCL):
        take(loss, _of(lines, LTCG))
    for loss in each(STCL):
        take(loss, _of(lines, LTCG))


def _exempt(fy: str, lines: list[Line]) -> None:
    """The s.112A exemption against the long-term gains left, the higher rate first."""
    left = ltcg_exemption(fy)
    for line in _of(lines, LTCG):
        line.exemption = min(left, line.left)
        left -= line.exemption


def set_off_year(years: Iterable[YearIncome], fy: str) -> SetOffYear:
    """The income by head, set-offs, tax at special rates and Schedule CFL of `fy`, from every
    year's income up to it."""
    known: Mapping[str, YearIncome] = {y.fy: y for y in years}
    target = _start(fy)
    first = min((_start(y) for y in known), default=target)
    pool: list[Loss] = []
    result = SetOffYear(fy)
    for start in range(min(first, target), target + 1):
        name = fy_named(start)
        income = known.get(name) or YearIncome(name, ZERO, ZERO)
        lines = _lines(income)
        made = _current(income, lines)
        brought = [Loss(x.kind, x.fy, x.left) for x in pool]
        _brought_forward(brought, lines)
        _exempt(name, lines)
        own = [Loss(kind, name, amount) for kind, amount in made.items() if amount > 0]
        carried = [x for x in brought if x.left > 0 and _start(x.last_fy) > start] + own
        if start == target:
            result = SetOffYear(
                fy=name,
                lines=lines,
                business_loss=max(-income.business, ZERO),
                brought_forward=brought,
                made=own,
                carried_forward=[Loss(x.kind, x.fy, x.left) for x in carried],
                lapsed=[x for x in brought if x.left > 0 and _start(x.last_fy) <= start],
            )
        pool = [Loss(x.kind, x.fy, x.left) for x in carried]
    return result
