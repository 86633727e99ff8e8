"""A model portfolio as an order owner (`oms.owners`): its portfolio book (or its part of
its broker's live book), its own risk rules, the portfolio's lock (`oms.portfolio_lock`:
its fills are booked to it under it, `fills.PortfolioFills`), and neither its fills nor
its fired stops on the bell: they are told as a position opened or closed, with its P&L
(`positions`). A broker's refusal of its order is told (nobody else tells it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from sqlalchemy.orm import Session

from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy, GttTriggered, OmsEvent, OrderFilled, portfolio_lock


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
