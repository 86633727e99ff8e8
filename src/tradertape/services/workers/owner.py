"""A worker run as an order owner (`oms.owners`): its run book (or its part of the live
book), its own risk rules beside the account's, the run's lock, and no fill on the bell
(the run's timeline tells its author: `order_journal`, `live_journal`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from sqlalchemy.orm import Session

from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy, GttTriggered, OmsEvent, OrderFilled
from tradertape.services.workers.access import run_locks


class WorkerRunPolicy(DeskPolicy):
    """A worker run's orders: its intents', exits' and triggers'."""

    kind: ClassVar[OwnerKind] = OwnerKind.WORKER_RUN

    def locks(self, db: Session, owners: Sequence[Owner]) -> Iterable[str]:
        return run_locks(db, (o.id for o in owners if o.id is not None))

    def tells(self, event: OmsEvent, *, placed_now: bool) -> bool:
        # Its fills are its timeline's; a broker's refusal and a trigger fired are real
        # money without a person watching, so the bell tells those.
        if isinstance(event, OrderFilled):
            return False
        return isinstance(event, GttTriggered) or super().tells(event, placed_now=placed_now)


POLICY = WorkerRunPolicy()
