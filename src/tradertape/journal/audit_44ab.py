"""Whether the trading business needs a tax audit (s.44AB), and where s.44AD comes in: a hint.

- **s.44AB(a)**: a business whose turnover passes ₹1 crore in the year has its accounts
  audited, or ₹10 crore when its cash receipts and its cash payments are each within 5 % of
  the total (the proviso). A trader's money moves through a bank and a broker, so the ₹10
  crore limit is the usual one; the caller says which applies.
- **s.44AD** (presumptive income): a resident individual's eligible business with turnover up
  to ₹2 crore (₹3 crore when cash receipts are within 5 %) may declare 6 % of the turnover
  received through banks (8 % of cash) as its profit, with no books. Declaring less than that
  (a loss, say) after having declared presumptive income in any of the five years before
  (s.44AD(4)), with total income above the basic exemption limit, needs an audit
  (s.44AB(e), s.44AD(5)), whatever the turnover.

The turnover is both businesses' (F&O and intraday), by the ICAI Guidance Note
(`journal.schedule_bp`). Facts to check with an adviser; the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradertape.domain.money import inr

CRORE = Decimal(10_000_000)
AUDIT_LIMIT = 10 * CRORE  # cash receipts and payments each within 5 %
AUDIT_LIMIT_CASH = 1 * CRORE
PRESUMPTIVE_LIMIT = 3 * CRORE  # cash receipts within 5 %
PRESUMPTIVE_LIMIT_CASH = 2 * CRORE
PRESUMPTIVE_RATE = Decimal("0.06")  # of turnover received through banks


@dataclass(frozen=True, slots=True)
class AuditHint:
    """The audit question for a year's trading turnover and declared business income."""

    turnover: Decimal
    declared: Decimal  # business income declared: Schedule BP A + B
    cash_within_limit: bool  # cash receipts and payments each within 5 % of the total

    @property
    def threshold(self) -> Decimal:
        return AUDIT_LIMIT if self.cash_within_limit else AUDIT_LIMIT_CASH

    @property
    def audit_by_turnover(self) -> bool:
        """s.44AB(a): the turnover passes the threshold."""
        return self.turnover > self.threshold

    @property
    def presumptive_limit(self) -> Decimal:
        return PRESUMPTIVE_LIMIT if self.cash_within_limit else PRESUMPTIVE_LIMIT_CASH

    @property
    def presumptive_eligible(self) -> bool:
        """The turnover is within s.44AD's limit."""
        return self.turnover <= self.presumptive_limit

    @property
    def presumptive_income(self) -> Decimal:
        """s.44AD's profit on this turnover: 6 % of it (all received through banks)."""
        return (self.turnover * PRESUMPTIVE_RATE).quantize(Decimal("0.01"))

    @property
    def below_presumptive(self) -> bool:
        """The business income declared is less than s.44AD's 6 %."""
        return self.declared < self.presumptive_income

    def words(self) -> list[str]:
        """The hint in sentences, each figure in Indian grouping."""
        limit = "₹10 crore" if self.cash_within_limit else "₹1 crore"
        why = (
            "cash receipts and payments each within 5 % of the total"
            if self.cash_within_limit
            else "cash receipts or payments over 5 % of the total"
        )
        said = [
            f"Trading turnover {inr(self.turnover)} is "
            + (
                f"over {limit} ({why}): the accounts need a tax audit under s.44AB(a) "
                "before the return is filed."
                if self.audit_by_turnover
                else f"within {limit} ({why}): no audit under s.44AB(a) for turnover alone."
            )
        ]
        presumptive = "₹3 crore" if self.cash_within_limit else "₹2 crore"
        if self.presumptive_eligible:
            said.append(
                f"Within s.44AD's {presumptive}, presumptive income "
                f"would be 6 % of the turnover, {inr(self.presumptive_income)}; the business "
                f"income here is {inr(self.declared)}"
                + (
                    ". Declaring less than 6 % after declaring presumptive income in any of "
                    "the five years before (s.44AD(4)), with total income above the basic "
                    "exemption limit, needs an audit under s.44AB(e) whatever the turnover."
                    if self.below_presumptive
                    else ", not less than 6 %."
                )
            )
        else:
            said.append(
                f"Turnover over {presumptive}: s.44AD's presumptive "
                "income is not open to this business."
            )
        return said


def audit_hint(*, turnover: Decimal, declared: Decimal, cash_within_limit: bool) -> AuditHint:
    """The hint for a year's trading turnover and the business income it declares."""
    return AuditHint(turnover=turnover, declared=declared, cash_within_limit=cash_within_limit)
