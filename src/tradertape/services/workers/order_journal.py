"""A run's placed orders on its timeline, from the OMS's events.

`RunOrderJournal` watches the OMS's events (`OrderEvents.watch`: in the transaction that
records them) and writes one ``order.updated`` entry for each order a run's intent or exit
placed, paper or live alike, when the placement's outcome is recorded: a paper order's
acceptance and immediate fills (or its refusal) in the intent's own transaction, a live
order's acceptance or refusal when its broker answers (or, if the answer was lost, when
`LiveOrders.resolve_unsent` settles it). The entry says how the placement left the order,
in the worker contract's two shapes: a paper order's average price, a live order's broker
id.

Such an order names its run (``run_pk``) and what it is to the run (`ROLE`) in its
attribution, and is placed with source ``worker``; an option run's legs (journalled by
`options.follow.OptionLegJournal` with their leg ids, from the same events) and a
trigger's orders (source ``gtt``) carry no role. A live order's later reports are
`live_journal`'s.

A run's live trigger that fires places its order at the broker, which the OMS adopts
(source ``gtt``, the trigger's attribution and its ``gtt_id``): its acceptance is the
entry, under the run's lock (no ledger lock is held yet), with role ``gtt``; the link that
makes it the run's order is `gtt.link_adopted`'s.

A run's own cancel or modify (`services.workers.orders`) names the run and the action in
the command (`requested_by`, `asked_by`); the first change it recorded is journalled as
one ``order.updated`` entry saying the action and the status it left: a paper order's at
once, a live one's when the broker's answer is booked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun
from tradertape.domain.money import shown_float
from tradertape.domain.owners import owner_from, run_of, run_owner, tags_of
from tradertape.oms import BROKER as PAPER
from tradertape.oms import UNPLACED, OmsEvent, OrderUpdate
from tradertape.ports.clock import Clock
from tradertape.services.workers import timeline
from tradertape.services.workers.access import held_run, lock_run

#: The attribution key of an intent's or exit's order: ``entry``, ``exit``, ``protection``.
ROLE = "role"
WORKER = "worker"  # the source of a worker run's orders


ACTION = "action"  # what a run's own command did to its order: ``cancel``, ``modify``
GTT_SOURCE = "gtt"  # the source of an order a trigger placed
GTT_ROLE = "gtt"  # what a fired trigger's order is to its run


def asked_by(run: WorkerRun, action: str) -> dict[str, Any]:
    """What a run's command on one of its orders names itself (`requested_by`): the run as
    an owner's tags (`domain.owners.tags_of`), and the action."""
    return {**tags_of(run_owner(run.id)), ACTION: action}


class RunOrderJournal:
    """Writes a run's ``order.updated`` entry for each order it placed (module docstring)."""

    def __init__(self, *, clock: Clock) -> None:
        """`clock`: the timeline's (wall) time, as the run's other entries are stamped."""
        self._clock = clock

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        """The entry for the events of one order, if they are its placement by a run, a
        run's own cancel or modify, or a run's fired trigger's adopted order."""
        first = events[0]
        if not isinstance(first, OrderUpdate):
            return
        if first.requested_by is not None:
            self._asked(db, first.requested_by, events[-1])
            return
        if first.previous_status != UNPLACED:
            return  # not the placement's outcome: a report's booking is `live_journal`'s
        run_pk, role = run_of(first.owner), first.attribution.get(ROLE)
        if first.source == GTT_SOURCE and first.broker != PAPER and run_pk is not None:
            self._fired(db, run_pk, events[-1])
            return
        if first.source != WORKER or run_pk is None or not isinstance(role, str):
            return
        run = held_run(db, run_pk)
        last = events[-1]
        if run is None or not isinstance(last, OrderUpdate):
            return
        paper = last.broker == PAPER
        payload: dict[str, Any] = {"order_id": last.order_id}
        if not paper:
            payload["broker_order_id"] = last.broker_order_id
        payload |= {"status": last.status, "filled_quantity": last.filled_quantity}
        if paper:
            payload["average_price"] = shown_float(last.average_price)
        payload |= {"role": role, "idempotency_key": last.attribution.get("intent_key")}
        timeline.record(
            db,
            run,
            kind="execution",
            source="paper_oms" if paper else "live_oms",
            event_type="order.updated",
            now=self._clock.now(),
            summary=f"{last.transaction_type} {last.quantity} {last.tradingsymbol}: {last.status}",
            payload=payload,
            related=("order", last.order_id),
        )

    def _asked(self, db: Session, by: Mapping[str, Any], last: OmsEvent) -> None:
        """The entry of a run's cancel or modify, for the first change it recorded."""
        run_pk, action = run_of(owner_from(None, by)), by.get(ACTION)
        if not isinstance(run_pk, int) or not isinstance(action, str):
            return
        run = db.get(WorkerRun, run_pk)
        if run is None or not isinstance(last, OrderUpdate):
            return
        timeline.record(
            db,
            run,
            kind="execution",
            source="paper_oms" if last.broker == PAPER else "live_oms",
            event_type="order.updated",
            now=self._clock.now(),
            summary=f"{action} {last.order_id}: {last.status}",
            payload={"order_id": last.order_id, "status": last.status, ACTION: action},
            related=("order", last.order_id),
        )

    def _fired(self, db: Session, run_pk: int, last: OmsEvent) -> None:
        """The entry of a run's fired live trigger, its order adopted just now."""
        gtt_id = last.attribution.get("gtt_id") if isinstance(last, OrderUpdate) else None
        run = db.get(WorkerRun, run_pk)
        if run is None or gtt_id is None or not isinstance(last, OrderUpdate):
            return
        lock_run(db, run)
        timeline.record(
            db,
            run,
            kind="execution",
            source="live_oms",
            event_type="order.updated",
            now=last.ts_init,
            summary=f"GTT {gtt_id} fired: {last.transaction_type} {last.quantity} "
            f"{last.tradingsymbol}: {last.status}",
            payload={
                "order_id": last.order_id,
                "broker_order_id": last.broker_order_id,
                "status": last.status,
                "filled_quantity": last.filled_quantity,
                "role": GTT_ROLE,
                "gtt_id": gtt_id,
            },
            related=("order", last.order_id),
        )
