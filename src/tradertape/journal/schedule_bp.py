"""The trading business in ITR-3: Part A-P&L's no-accounts case and Schedule BP.

A trader who keeps no regular books reports each business in Part A-P&L's *no accounts case*:
its turnover, gross profit, expenses and net profit, one line for the business other than
speculative (F&O, s.43(5) proviso (d)) and one for the speculative activity (intraday
equity). Here, for each (from `journal.tax`):

- turnover: the ICAI Guidance Note's, the sum of the round trips' absolute P&L;
- gross profit: the round trips' P&L before charges;
- expenses: every charge of the trips, STT included (deductible for business income,
  s.36(1)(xv));
- net profit: gross profit less expenses.

Schedule BP then takes the net profits: **A** the net profit or loss from business other than
speculative, **B** the income from speculative business (a loss goes to Schedule CFL as a
speculative loss: it is set off against nothing but speculative income, s.73), **E** the
current year's non-speculative loss set off against the speculative income (intra-head, s.70),
and **D** the income chargeable under the head. E and D, the non-speculative loss left after E
set off against the year's other heads except salary (Schedule CYLA, s.71), and what is left
of it carried forward (Schedule CFL) are `journal.carry_forward`'s, which computes every
set-off once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradertape.domain.money import paise
from tradertape.journal.tax import Business, TaxYear

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class NoAccountsCase:
    """One business in Part A-P&L's no-accounts case, to the paisa."""

    turnover: Decimal
    gross_profit: Decimal
    expenses: Decimal
    trips: int

    @property
    def net_profit(self) -> Decimal:
        return self.gross_profit - self.expenses


def no_accounts_case(business: Business) -> NoAccountsCase:
    """A business's line from its round trips (`journal.tax.Business`)."""
    return NoAccountsCase(
        turnover=paise(business.turnover),
        gross_profit=paise(business.pnl),
        expenses=paise(business.charges),
        trips=business.trips,
    )


@dataclass(frozen=True, slots=True)
class ScheduleBp:
    """A year's business figures as ITR-3 takes them."""

    fy: str
    non_speculative: NoAccountsCase  # F&O
    speculative: NoAccountsCase  # intraday equity

    @property
    def business_income(self) -> Decimal:
        """Schedule BP A: net profit or loss from business other than speculative."""
        return self.non_speculative.net_profit

    @property
    def speculative_income(self) -> Decimal:
        """Schedule BP B: income from speculative business (a loss goes to Schedule CFL)."""
        return self.speculative.net_profit

    @property
    def turnover(self) -> Decimal:
        """Both businesses' turnover: what s.44AB's audit threshold looks at."""
        return self.non_speculative.turnover + self.speculative.turnover


def schedule_bp(year: TaxYear) -> ScheduleBp:
    """The year's ITR-3 business figures."""
    return ScheduleBp(
        fy=year.fy,
        non_speculative=no_accounts_case(year.non_speculative),
        speculative=no_accounts_case(year.speculative),
    )
