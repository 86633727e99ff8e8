"""A worker run as an order owner (`services.owner_packages`).

Its policy: its run book (or its part of the live book), its own risk rules beside the
account's, the run's lock, and no fill on the bell (the run's timeline tells its author).
Its placing commands: `placement` (an intent's order), `exits`, `orders` (its cancel and
modify), `gtt` (its live triggers). Its followers: `order_journal` (a placement's outcome,
a run's own command) and `live_journal` (a live order's booked reports), for an option
run's legs too (an option run is a worker run). Its reads for routes: `views`,
`timeline`, `pnl`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from sqlalchemy.orm import Session

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy, GttTriggered, OmsEvent, OrderFilled
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage, OwnerSample
from tradertape.services.risk.exposure import RiskScope
from tradertape.services.workers.access import run_locks
from tradertape.services.workers.live_journal import LiveRunJournal
from tradertape.services.workers.order_journal import RunOrderJournal

#: The owner kinds of a worker run's orders (an option run is one too).
RUNS = (OwnerKind.WORKER_RUN, OwnerKind.OPTION_RUN)


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


def followers(kit: FollowerKit) -> list[Following]:
    """A run's timeline entry of each placement and own command (before the audit trail
    and the bell, in the order's transaction), and of a live order's booked reports."""
    return [
        Following(RUNS, RunOrderJournal(clock=kit.clock), first=True),
        Following(RUNS, LiveRunJournal()),
    ]


SAMPLE = OwnerSample(
    source="worker",
    attribution={"run_pk": 41, "role": "entry", "intent_key": "k"},
    owner=Owner(OwnerKind.WORKER_RUN, 41),
    book=books.run_book(41),
    scope=RiskScope(worker_run_id=41),
)
"""An order as its placer tags it, and its owner, paper book and risk scope (the
conformance test's)."""
PACKAGE = OwnerPackage(POLICY, followers, sample=SAMPLE)
