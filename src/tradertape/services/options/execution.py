"""An option run's entry and exit, sent leg by leg through the one order pipeline.

Paper and live go the same way: each leg is an order submitted through
`runtime.orders` (`oms.orders.OrderPipeline`) with the run's account (`account_of`),
which chooses the venue. There is no all-or-none basket at any venue.

- **Plan first.** An entry or exit is written as a plan (`plans`: its legs in sending
  order, each with its client key) and committed before any leg is sent.
- **Each leg recorded as it is sent.** A leg's order is submitted with an ``on_record``
  that writes the run's link and the leg's order id into the plan in the transaction that
  records the order, before the broker hears of it (the live book commits, then sends).
  A restart finds each leg either recorded (the live book settles a send whose outcome it
  never learnt: `LiveOrders.resolve_unsent`) or not sent at all; `advance` sends only the
  latter, and a client key already taken answers the first order: nothing goes twice.
- **One leg after another.** The next leg goes once every earlier one stands at its
  venue (working or filled); a refused leg stops the plan (the rest are ``skipped``: no
  naked short after its hedge failed); a leg whose send is still unknown holds the plan
  until the live book learns the outcome (the loop's timer resumes it).
- **Each leg's entry on the run's timeline from its events.** A leg's order carries in
  its attribution the leg (``option_leg``), its role (``option_role``) and the caller's
  source (``option_source``: ``options_runtime``, protection's), which travel on every
  event of it; `follow.OptionLegJournal`, a watcher of the OMS's events, writes the leg's
  ``order.updated`` entry when its placement's outcome is recorded (a paper leg's in the
  send's transaction, a live leg's when its broker answers or `resolve_unsent` settles
  it). Two entries stay the sender's, since no event tells them: a key already taken
  (the replay records nothing: the first order stands) and a live send whose outcome is
  not known yet (nothing is recorded until it is; its outcome's entry follows then).
- **Status follows the fills as they are booked** (`settle`, also run by
  `OptionRunFollower`, a watcher of a live report's events): ``entering`` → ``entered``
  once every leg filled; a partial entry (a leg refused, others filled) is unwound by an
  automatic exit (``on_partial_entry: unwind``, the default), or kept as
  ``partial_entry`` under the run's protection rules (``keep``); an entry of which
  nothing filled leaves the run as it was, to be entered again. An exit is ``exiting``
  until flat, then ``exited``; ``partial_exit`` when a leg was refused,
  ``cleanup_required`` when an unwind was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerOptionRun, WorkerRun, WorkerRunOrder
from tradertape.domain.order_state import MAY_FILL, PENDING
from tradertape.domain.worker_access import ExecutionMode
from tradertape.errors import NotFound, Rejected, TraderTapeError
from tradertape.oms import UNPLACED, Account, OrderUpdate, SubmitOrder
from tradertape.services.cancel_backoff import Asked, ask_cancel
from tradertape.services.options import plans
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.metrics import ENTRY, EXIT, option_orders, positions
from tradertape.services.workers import intents, live, placement, safety, timeline
from tradertape.services.workers.access import lock_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import iso

ENTERABLE = ("created", "entry_previewed")
EXITABLE = (
    *("entering", "entered", "partial_entry", "exit_previewed"),
    *("partial_exit", "exiting", "cleanup_required"),
)
# Statuses whose orders may still be sent, filled or unwound: the timer follows them.
FOLLOWED = ("entering", "partial_entry", "exiting")
# Statuses the booked fills decide (a preview's, and the pre-entry ones, are the worker's).
_SETTLED = (*FOLLOWED, "entered", "partial_exit", "cleanup_required", "exit_previewed")
# What a leg's order carries in its attribution (on every event of it), for its entry.
LEG = "option_leg"  # the leg's id
LEG_ROLE = "option_role"  # `ENTRY` or `EXIT` (not ``role``, which names an intent's order)
LEG_SOURCE = "option_source"  # the caller's source, which the entry is named by
_ROUNDS = 4  # settle → unwind → send: an entry, its unwind and a settle fit in these


def find_option(db: Session, run: WorkerRun) -> WorkerOptionRun:
    """The run's option run (404 when it has none)."""
    option = db.scalar(select(WorkerOptionRun).where(WorkerOptionRun.run_pk == run.id))
    if option is None:
        raise NotFound("Option run not found")
    return option


def evaluation_mode(run: WorkerRun) -> str:
    """``backend`` where the protection engine watches the run (paper and live), else
    ``on_demand`` (a dry run holds nothing)."""
    return "on_demand" if run.execution_mode == ExecutionMode.DRY_RUN.value else "backend"


def mirror(run: WorkerRun, option: WorkerOptionRun) -> None:
    """Copy what the safety check needs into the worker run (under its lock)."""
    state = dict(run.runtime_state)
    state["options_run"] = {
        "status": option.status,
        "triggered": bool(option.protection_state.get("triggered")),
        "matched_rule": (option.protection_state.get("matched_rule") or {}).get("key"),
        "evaluation_mode": evaluation_mode(run),
    }
    run.runtime_state = state


def account_of(workers: WorkerContext, db: Session, run: WorkerRun, *, opening: bool) -> Account:
    """The account the run's legs go to: the paper account, or the run's Kite account.

    A live leg that opens risk needs both switches, the scope's Kite session and the live
    desk (403/503/409 in the worker contract's words); one that closes risk only the
    session (an exit removes risk).
    """
    account = placement.run_account(run)
    if not workers.orders.traits(account).needs_switches:
        return account
    if opening:
        live.require_live(workers, db, run)
    else:
        live.require_account(workers, db, run.user_id, run.account_scope)
        live.require_live_wired(workers, run)
    return account


@dataclass(frozen=True, slots=True)
class Done:
    """What `perform` did: its result, and whether it answered an earlier key (None: a dry
    run, which changed nothing)."""

    result: dict[str, Any]
    deduped: bool | None


def perform(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    *,
    action: str,
    body: dict[str, Any],
    mode: ExecutionMode,
    source: str = "options_runtime",
) -> Done:
    """Enter or exit the locked run's option run: the worker's path and the protection
    engine's. Commits as its legs go; a refusal before the plan is written changes nothing."""
    entering = action == "enter"
    held = positions(db, run, market)
    legs = (
        plans.entry_legs(option) if entering else plans.exit_legs(option, held, _covering(db, run))
    )
    key = plans.action_key(option, action, body.get("idempotency_key"), [f for _, f in legs])
    if intents.stored_result(db, run, key) is not None:  # this key's action: carry it on
        db.commit()
        advance(workers, market, db, run, option, source=source)
        db.refresh(option)
        return Done(_result_of(db, run, option, key), True)
    if not entering and option.exit and not option.exit.get("done"):
        db.commit()  # an exit under way: carry it on rather than send a second one
        advance(workers, market, db, run, option, source=source)
        db.refresh(option)
        return Done(_result_of(db, run, option, str(option.exit["idempotency_key"])), True)
    allowed = ENTERABLE if entering else EXITABLE
    if option.status not in allowed:
        raise Rejected(
            409,
            "OPTION_RUN_STATUS_CONFLICT",
            f"an option run that is {option.status} cannot {action}",
            strategy_run_id=run.run_key,
            status=option.status,
        )
    now = workers.clock.now()
    if body.get("safety_token") is not None:
        safety.verify(workers, run, body["safety_token"], now)
    orders = [plans.worker_order(fields) for _, fields in legs]
    if mode is ExecutionMode.DRY_RUN:
        return Done(_dry_run(workers, db, run, orders, key, body, entering), None)
    account = account_of(workers, db, run, opening=entering)
    working = _working_entries(db, run) if not entering else []
    if not orders and not working:
        raise Rejected(
            409, "OPTION_RUN_FLAT", "nothing is open to exit", strategy_run_id=run.run_key
        )
    # Each order checked against the exchange's rules (a 422 naming the leg, nothing
    # stored); market hours are the broker's to judge for a live order.
    session = workers.orders.traits(account).judges_session
    intents.priced_legs(workers, db, orders, intent_type=intents.PLACE_BASKET, session=session)
    request = {"options_action": action, **{k: v for k, v in body.items() if k != "safety_token"}}
    intent_pk = intents.claim_key(db, run, key, intents.PLACE_BASKET, request, now)
    if entering:
        _start_entry(db, run, option, key, legs, intent_pk, now, source)
    else:
        reason = str((body.get("metadata") or {}).get("source") or "worker")
        _start_exit(db, run, option, key, reason, intent_pk, working, now, source)
    if intent_pk is not None:
        intents.store_result(db, intent_pk, _result_of(db, run, option, key))
    db.commit()
    advance(workers, market, db, run, option, source=source)
    db.refresh(option)
    return Done(_result_of(db, run, option, key), False)


def _dry_run(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    orders: list[intents.WorkerOrder],
    key: str,
    body: dict[str, Any],
    entering: bool,
) -> dict[str, Any]:
    intent = intents.Intent(
        intent_type=intents.PLACE_BASKET,
        idempotency_key=key,
        orders=orders,
        request={},
        metadata=body.get("metadata") or {},
        role=ENTRY if entering else EXIT,
    )
    outcome, _ = intents.execute(
        workers, db, run, intent, ExecutionMode.DRY_RUN, workers.clock.now()
    )
    result: dict[str, Any] = outcome["result"]
    return result


def _record(
    run: WorkerRun, key: str, intent_pk: int | None, now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "mode": run.execution_mode,
        "intent_type": intents.PLACE_BASKET,
        "basket_execution_id": plans.basket_id(run, key),
        "intent_pk": intent_pk,
        "started_at": iso(now),
        "done": False,
        **extra,
    }


def _start_entry(
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    key: str,
    legs: list[tuple[dict[str, Any], dict[str, Any]]],
    intent_pk: int | None,
    now: datetime,
    source: str,
) -> None:
    option.entry = _record(
        run, key, intent_pk, now, plan=plans.plan(run, key, legs), status_before=option.status
    )
    _set_status(db, run, option, "entering", now, source, f"entry of {len(legs)} legs planned")


def _start_exit(
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    key: str,
    reason: str,
    intent_pk: int | None,
    working: list[Order],
    now: datetime,
    source: str,
) -> None:
    """Write the exit: the entry's unsent legs skipped, its working orders to cancel, then
    the legs that flatten what is held (planned once the cancels are done)."""
    if option.entry and not option.entry.get("done"):
        steps = [
            {**s, "skipped": s["skipped"] or s.get("order_id") is None}
            for s in option.entry["plan"]
        ]
        option.entry = {**option.entry, "plan": steps, "done": True}
    option.exit = _record(
        run,
        key,
        intent_pk,
        now,
        reason=reason,
        cancels=[o.order_id for o in working],
        cancelled=[],
        plan=None,
    )
    _set_status(db, run, option, "exiting", now, source, f"exit ({reason}) started")


def _working_entries(db: Session, run: WorkerRun) -> list[Order]:
    """The entry orders that may still trade: working at their venue, or sent with the
    outcome not known yet (an exit cancels them first, the latter once the venue has it)."""
    return [
        order
        for order, role in option_orders(db, run)
        if role == ENTRY and plans.order_state(order) in plans.OPEN_STATES
    ]


def _covering(db: Session, run: WorkerRun) -> dict[str, int]:
    """Signed quantity the run's exit orders still working will trade, per contract."""
    out: dict[str, int] = {}
    for order, role in option_orders(db, run):
        if role != EXIT or plans.order_state(order) not in plans.OPEN_STATES:
            continue
        left = order.quantity - (order.filled_quantity or 0)
        out[order.tradingsymbol] = out.get(order.tradingsymbol, 0) + (
            left if order.transaction_type == "BUY" else -left
        )
    return out


def _set_status(
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    status: str,
    now: datetime,
    source: str,
    why: str,
) -> None:
    before = option.status
    option.status = status
    option.updated_at = now
    mirror(run, option)
    if before != status:
        timeline.record(
            db,
            run,
            kind="execution",
            source=source,
            event_type="options.status_changed",
            now=now,
            summary=f"option run {before} → {status}: {why}",
            payload={"from": before, "status": status, "why": why},
        )


# -- advancing ----------------------------------------------------------------------------


def advance(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    *,
    source: str = "options_runtime",
) -> None:
    """Send what the run's plans still owe, book what the broker says of it now, follow
    the fills with the status, and unwind a partial entry. Commits; takes the run's lock
    for each step (nothing of the caller's may be pending)."""
    for _ in range(_ROUNDS):
        _send_due(workers, market, db, run, option, source)
        live.refresh(workers, db, run)  # the broker's word on the legs just sent (live only)
        db.commit()
        lock_run(db, run)
        db.refresh(option)
        now = workers.clock.now()
        unwind = settle(db, market, run, option, now, source)
        if unwind:
            key = f"options-unwind:{option.id}:{option.entry.get('basket_execution_id')}"
            _start_exit(db, run, option, key, plans.UNWIND, None, [], now, source)
            option.exit = {**option.exit, "cancels": _ids(_working_entries(db, run))}
        db.commit()
        if not unwind:
            return


def _ids(orders: list[Order]) -> list[str]:
    return [o.order_id for o in orders]


def _send_due(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    source: str,
) -> None:
    """Send the legs the active plan owes, one per transaction, until it waits or ends."""
    while True:
        lock_run(db, run)
        db.refresh(option)
        phase = "exit" if option.exit else "entry" if option.entry else None
        record = getattr(option, phase) if phase is not None else {}
        if phase is None or record.get("done"):
            db.rollback()
            return
        now = workers.clock.now()
        if phase == "exit" and record["cancels"] and _cancel_due(workers, db, run, option, now):
            continue
        if record["plan"] is None:  # each cancel asked: what is held now is what exits
            _plan_exit(workers, market, db, run, option)
            continue
        orders = plans.planned_orders(db, [record])
        move, index = _next_move(record, orders)
        if move == "done" and record.get("follow"):  # an exit's: what a stuck order filled
            if _follow_up(workers, market, db, run, option):
                continue
            return  # a cancel still owed: the timer looks again
        if move == "wait" or (move == "halt" and record.get("cancels")):
            db.rollback()  # a send's outcome unknown, or a halted exit's cancel still owed
            return
        if move == "send":
            if not _send_next(workers, db, run, option, phase, index, source):
                return
            continue
        _finish(db, run, option, phase, orders, move == "halt", now, source)
        db.commit()


def _send_next(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    phase: str,
    index: int,
    source: str,
) -> bool:
    """Send the plan's leg `index` to the run's account; False when the exit has no
    session to send by (the timer tries again). An entry without one skips its rest."""
    try:
        account = account_of(workers, db, run, opening=phase == "entry")
    except Rejected as exc:
        if phase == "exit":
            db.rollback()
            return False
        _skip_rest(option, phase, str(exc))
        return True
    _send(workers, db, run, option, phase, index, account, source)
    return True


def _next_move(record: dict[str, Any], orders: dict[str, Order]) -> tuple[str, int]:
    """``send`` (the leg's index), ``wait`` (a send's outcome unknown), ``halt`` (a leg
    failed: the rest are skipped) or ``done``."""
    for index, step in enumerate(record["plan"]):
        if step["skipped"]:
            continue
        order = orders.get(step.get("order_id") or "")
        if order is None:
            return "send", index
        state = plans.order_state(order)
        if state == "sent":
            return "wait", index
        if state in ("rejected", "cancelled"):
            return "halt", index
    return "done", -1


def _skip_rest(option: WorkerOptionRun, phase: str, reason: str) -> None:
    record = getattr(option, phase)
    steps = [
        {**s, "skipped": True, "error": reason} if s.get("order_id") is None else s
        for s in record["plan"]
    ]
    setattr(option, phase, {**record, "plan": steps})


def _finish(
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    phase: str,
    orders: dict[str, Order],
    halted: bool,
    now: datetime,
    source: str,
) -> None:
    record = getattr(option, phase)
    if halted:
        _skip_rest(option, phase, "an earlier leg was not placed")
        record = getattr(option, phase)
    setattr(option, phase, {**record, "done": True, "finished_at": iso(now)})
    result = _public(db, option, phase, orders)
    if record.get("intent_pk") is not None:
        intents.store_result(db, record["intent_pk"], result)
    timeline.record(
        db,
        run,
        kind="execution",
        source=source,
        event_type="basket.status_changed",
        now=now,
        summary=f"option {phase} of {len(record['plan'])} legs sent: {result['status']}",
        payload={"status": result["status"], "all_or_none": False, "errors": result["errors"]},
        related=("basket_execution", str(record["basket_execution_id"])),
        basket_execution_id=str(record["basket_execution_id"]),
    )


def _cancel_due(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    now: datetime,
) -> bool:
    """Do the exit's next owed cancel that is due: drop one whose order ended however it
    ended, or ask one whose back-off allows (`cancel_backoff.ask_cancel`; commits). An
    order stays on the stored list until its venue answers, so a cancel the broker did not
    answer is asked again after its back-off, by this process or the next. False when
    none is due now (each waits its back-off, or a send's outcome is not known yet)."""
    owed: list[str] = option.exit["cancels"]
    rows = db.scalars(
        select(Order).where(Order.user_id == run.user_id, Order.order_id.in_(owed))
    ).all()
    found = {order.order_id: order for order in rows}
    for order_id in owed:
        order = found.get(order_id)
        if order is None or order.status not in MAY_FILL:  # ended: no cancel owed
            workers.cancels.forget(order_id)
            _cancel_settled(option, order_id, cancelled=False)
            db.commit()
            return True
        if order.status in PENDING and workers.cancels.due(order_id, now):
            db.commit()  # the run's lock is not held while the broker is asked
            why = f"its option run {run.run_key} is exiting"
            payload = {"strategy_run_id": run.run_key}
            asked = ask_cancel(
                workers.orders, workers.cancels, db, order, now, why=why, payload=payload
            )
            lock_run(db, run)
            db.refresh(option)
            if asked is not Asked.OWED:
                _cancel_settled(option, order_id, cancelled=asked is Asked.CANCELLED)
            db.commit()
            return True
    return False


def _cancel_settled(option: WorkerOptionRun, order_id: str, *, cancelled: bool) -> None:
    """Take `order_id` off the exit's owed cancels (noted as cancelled if it was)."""
    record = option.exit
    done = [*record["cancelled"], order_id] if cancelled else record["cancelled"]
    owed = [o for o in record["cancels"] if o != order_id]
    option.exit = {**record, "cancels": owed, "cancelled": done}


def _plan_exit(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
) -> None:
    """Plan the legs that flatten what is held now (commits). A cancel still owed marks
    the exit to ``follow``: what that order fills later is exited before the exit ends."""
    live.refresh(workers, db, run)
    lock_run(db, run)
    db.refresh(option)
    held = positions(db, run, market)
    legs = plans.exit_legs(option, held, _covering(db, run))
    key = str(option.exit["idempotency_key"])
    follow = bool(option.exit["cancels"])
    option.exit = {**option.exit, "plan": plans.plan(run, key, legs), "follow": follow}
    db.commit()


def _follow_up(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
) -> bool:
    """Every planned exit leg is done but the plan was made while a cancel was owed: add
    legs for what is held now (an owed order's fills), numbered on from the plan so each
    has a key of its own, sent once; once nothing is held beyond them and no cancel is
    owed, the exit no longer follows. Commits; False when it waits for an owed cancel."""
    live.refresh(workers, db, run)
    lock_run(db, run)
    db.refresh(option)
    record = option.exit
    legs = plans.exit_legs(option, positions(db, run, market), _covering(db, run))
    if legs:
        key = str(record["idempotency_key"])
        more = plans.plan(run, key, legs, start=len(record["plan"]))
        option.exit = {**record, "plan": [*record["plan"], *more]}
    elif not record["cancels"]:
        option.exit = {**record, "follow": False}
    else:
        db.rollback()
        return False
    db.commit()
    return True


def _send(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    phase: str,
    index: int,
    account: Account,
    source: str,
) -> None:
    """Submit one planned leg with the run's account; recorded with the order."""
    record = getattr(option, phase)
    step = record["plan"][index]
    spec = plans.worker_order(step["order"]).spec
    key = str(record["idempotency_key"])
    role = ENTRY if phase == "entry" else EXIT

    def recorded(session: Session, order: Order) -> None:
        placement.link_order(session, run, order, role)
        _note_order(option, phase, index, order.order_id)

    try:
        placed = workers.orders.submit(
            db,
            SubmitOrder(
                user_id=run.user_id,
                spec=spec,
                last=workers.last_tick(spec.key),
                account=account,
                client_key=step["client_key"],
                source="worker",
                attribution={
                    **placement.attribution(run, key),
                    LEG: step["leg_id"],
                    LEG_ROLE: role,
                    LEG_SOURCE: source,
                },
                exit_only=role == EXIT,
                on_record=recorded,
                switches=False,
            ),  # the run's own checks ran (`account_of`), in its contract's words
        )
    except TraderTapeError as exc:  # refused before anything was stored
        db.rollback()
        lock_run(db, run)
        db.refresh(option)
        _skip_rest(option, phase, str(exc))
        db.commit()
        return
    order = placed.order
    lock_run(db, run)
    db.refresh(option)
    if getattr(option, phase)["plan"][index].get("order_id") is None:  # a key already taken
        _link_once(db, run, order, role)
        _note_order(option, phase, index, order.order_id)
    if placed.replayed or order.status == UNPLACED:  # no event tells these (module docstring)
        leg_entry(
            db,
            run,
            order=order,
            leg=LegOf(step["leg_id"], role, source, key),
            now=workers.clock.now(),
        )
    db.commit()


@dataclass(frozen=True, slots=True)
class LegOf:
    """What a leg's order is to its run, as its attribution carries it (`leg_of`)."""

    leg_id: str
    role: str  # `ENTRY` or `EXIT`
    source: str  # the caller that sent it: ``options_runtime``, protection's
    key: str | None  # the action's idempotency key


def leg_of(attribution: Mapping[str, Any]) -> LegOf | None:
    """The leg an order's attribution names (`_send` puts it there), or None."""
    leg, role, source = (attribution.get(k) for k in (LEG, LEG_ROLE, LEG_SOURCE))
    if not isinstance(leg, str) or not isinstance(role, str) or not isinstance(source, str):
        return None
    key = attribution.get("intent_key")
    return LegOf(leg, role, source, key if isinstance(key, str) else None)


def leg_entry(
    db: Session, run: WorkerRun, *, order: Order | OrderUpdate, leg: LegOf, now: datetime
) -> None:
    """The run's ``order.updated`` entry for a leg's order (its row, or the event of its
    placement's outcome: the same fields), named by the caller's source."""
    timeline.record(
        db,
        run,
        kind="execution",
        source=leg.source,
        event_type="order.updated",
        now=now,
        summary=f"{order.transaction_type} {order.quantity} {order.tradingsymbol}: {order.status}",
        payload={
            "order_id": order.order_id,
            "broker_order_id": order.broker_order_id,
            "status": order.status,
            "filled_quantity": order.filled_quantity,
            "role": leg.role,
            "leg_id": leg.leg_id,
            "idempotency_key": leg.key,
        },
        related=("order", order.order_id),
    )


def _note_order(option: WorkerOptionRun, phase: str, index: int, order_id: str) -> None:
    record = getattr(option, phase)
    steps = [dict(s) for s in record["plan"]]
    steps[index]["order_id"] = order_id
    setattr(option, phase, {**record, "plan": steps})


def _link_once(db: Session, run: WorkerRun, order: Order, role: str) -> None:
    linked = db.scalar(
        select(exists().where(WorkerRunOrder.run_pk == run.id, WorkerRunOrder.order_pk == order.id))
    )
    if not linked:
        placement.link_order(db, run, order, role)


# -- following the fills ------------------------------------------------------------------


def settle(
    db: Session,
    market: OptionMarket,
    run: WorkerRun,
    option: WorkerOptionRun,
    now: datetime,
    source: str,
) -> bool:
    """Set the status the booked fills give (no commit, nothing sent); True when a partial
    entry is now due its unwind."""
    orders = plans.planned_orders(db, [option.entry, option.exit])
    flat = all(p.net == 0 for p in positions(db, run, market).values())
    if option.exit:
        status, why = _exit_status(option.exit, orders, flat)
    elif option.entry:
        status, why = _entry_status(option.entry, orders, flat)
    else:
        return False
    if option.status not in _SETTLED or (option.status == "exit_previewed" and status != "exited"):
        return False  # not the execution's to change (previews, a failed entry's retry)
    if status != option.status:
        _set_status(db, run, option, status, now, source, why)
    return status == "partial_entry" and option.on_partial_entry == plans.UNWIND


def _exit_status(record: dict[str, Any], orders: dict[str, Order], flat: bool) -> tuple[str, str]:
    working = any(plans.step_state(s, orders) in plans.OPEN_STATES for s in record["plan"] or [])
    if not record.get("done") or working:
        return "exiting", "exit legs working"
    if flat:
        return "exited", "every leg is flat"
    if record.get("reason") == plans.UNWIND:
        return "cleanup_required", "the partial entry could not be unwound"
    return "partial_exit", "an exit leg was not filled"


def _entry_status(record: dict[str, Any], orders: dict[str, Order], flat: bool) -> tuple[str, str]:
    failed = any(plans.failed(s, orders) for s in record["plan"])
    working = any(plans.step_state(s, orders) in plans.OPEN_STATES for s in record["plan"])
    if not record.get("done") or (working and not failed):
        return "entering", "entry legs working"
    if not failed:
        return "entered", "every leg filled"
    if flat and not working:
        return str(record.get("status_before") or "created"), "no leg filled"
    return "partial_entry", "a leg was not filled"


def _public(
    db: Session, option: WorkerOptionRun, phase: str, orders: dict[str, Order] | None = None
) -> dict[str, Any]:
    """A plan as the API shows it: the basket's shape, each leg's order and fills."""
    record = getattr(option, phase)
    if not record:
        return {}
    seen = orders if orders is not None else plans.planned_orders(db, [record])
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for step in record.get("plan") or []:
        order = seen.get(step.get("order_id") or "")
        if order is None:
            state = plans.step_state(step, seen)
            shown: dict[str, Any] = {"status": state, "order_id": None, "order": None}
            if step.get("error"):
                shown["reason"] = step["error"]
        else:
            shown = placement.order_result(db, order)
        shown |= {"leg_index": step["leg_index"], "leg_id": step["leg_id"]}
        if shown["status"] in ("rejected", "skipped") or (
            order is not None and plans.order_state(order) == "cancelled"
        ):
            errors.append(
                {
                    "leg_index": step["leg_index"],
                    "reason": shown.get("reason") or step.get("error") or "not filled",
                }
            )
        results.append(shown)
    out = {
        k: v
        for k, v in record.items()
        if k not in ("plan", "intent_pk", "status_before", "done", "cancels", "follow")
    }
    status = plans.record_status(record, seen) if record.get("plan") is not None else "submitting"
    if not record.get("done") and status != "submitting":
        status = "submitting"
    return {**out, "status": status, "all_or_none": False, "results": results, "errors": errors}


def _result_of(db: Session, run: WorkerRun, option: WorkerOptionRun, key: str) -> dict[str, Any]:
    """The current result of the action this key started (the stored one once replaced)."""
    for phase in ("exit", "entry"):
        record = getattr(option, phase)
        if record and record.get("idempotency_key") == key:
            return _public(db, option, phase)
    stored: dict[str, Any] = intents.stored_result(db, run, key) or {}
    return stored


def shown(db: Session, option: WorkerOptionRun) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entry and exit as the API shows them."""
    orders = plans.planned_orders(db, [option.entry, option.exit])
    return _public(db, option, "entry", orders), _public(db, option, "exit", orders)
