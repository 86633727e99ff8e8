"""A model portfolio as an order owner (`services.owner_packages`).

Its policy: its portfolio book (or its part of its broker's live book), its own risk
rules, the portfolio's lock (`oms.portfolio_lock`: its fills are booked to it under it),
and neither its fills nor its fired stops on the bell: they are told as a position opened
or closed, with its P&L (`positions`). A broker's refusal of its order is told (nobody
else tells it). Its placing commands: `signals` (a signal's order), `stops` (its stop
triggers), `runs` (its run's exits), `reconcile`. Its follower: `fills.PortfolioFills`. Its reads
for routes: `dashboard`, `book`, `book_held`, `reconcile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from sqlalchemy.orm import Session

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy, GttTriggered, OmsEvent, OrderFilled, portfolio_lock
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage, OwnerSample
from tradertape.services.portfolios.fills import PortfolioFills
from tradertape.services.risk.exposure import RiskScope


class PortfolioPolicy(DeskPolicy):
    """A model portfolio's orders: signals, stops, agent and virtual fills."""

    kind: ClassVar[OwnerKind] = OwnerKind.PORTFOLIO

    def locks(self, db: Session, owners: Sequence[Owner]) -> Iterable[str]:
        return [portfolio_lock(o.id) for o in owners if o.id is not None]

    def tells(self, event: OmsEvent, *, placed_now: bool) -> bool:
        if isinstance(event, GttTriggered | OrderFilled):
            return False
        return super().tells(event, placed_now=placed_now)


POLICY = PortfolioPolicy()


def followers(kit: FollowerKit) -> list[Following]:
    """A portfolio's virtual and agent fills: its position and money, booked in the fill's
    transaction from its event (fills on market time, their notices on real time)."""
    fills = PortfolioFills(clock=kit.market_clock, notices=kit.clock)
    return [Following((OwnerKind.PORTFOLIO,), fills)]


SAMPLE = OwnerSample(
    source="portfolio",
    attribution={"portfolio_id": 17, "signal_id": 3},
    owner=Owner(OwnerKind.PORTFOLIO, 17),
    book=books.portfolio_book(17),
    scope=RiskScope(portfolio_id=17),
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, followers, sample=SAMPLE)
