"""Intents: ``place_order`` and ``place_basket`` in dry_run, paper or live mode.

Exactly once, however many identical requests arrive: under the run's lock the intent
row is inserted first with ``ON CONFLICT DO NOTHING`` on the unique (run, key) pair, and
the orders, their attribution, the timeline events and the stored result are written in
that same transaction. A replay (or the loser of a race) finds the key taken, reads the
row and answers ``{"status": "deduped", "result": <the first result>}``; a refusal, a
dry run or a crash before the commit rolls the claim back with everything else, so a
retry places the orders once.

Checks run in the contract's order: session nonce, open run, mode allowed, replay,
safety token, then the orders' own rules (a 422 records nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerIntent, WorkerRun, WorkerToken
from tradertape.db.models.risk import RiskEvent
from tradertape.db.prepared import Prepared
from tradertape.db.rows import insert_new, table_of
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.orders import OrderSpec
from tradertape.domain.worker_access import ExecutionMode
from tradertape.domain.worker_runs import RunStatus
from tradertape.errors import InvalidField, Rejected
from tradertape.oms import Checked
from tradertape.services.risk.check import REFUSAL_PREFIX
from tradertape.services.workers import live, safety, timeline
from tradertape.services.workers.access import check_nonce, locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, cost_contract, reference_price
from tradertape.services.workers.placement import Remember, attribution, place, run_account
from tradertape.services.workers.runs import check_mode

_INTENTS = table_of(WorkerIntent)
_CLAIM = {
    dialect: Prepared(
        insert_new(_INTENTS, dialect),
        keys=("run_pk", "idempotency_key", "intent_type", "request", "result", "created_at"),
    )
    for dialect in ("sqlite", "postgresql")
}
_STORED = select(_INTENTS.c.result).where(
    _INTENTS.c.run_pk == bindparam("run_pk"), _INTENTS.c.idempotency_key == bindparam("key")
)
_SET_RESULT = Prepared(
    update(_INTENTS).where(_INTENTS.c.id == bindparam("intent_pk")), keys=("result",)
)
_DROP = delete(_INTENTS).where(_INTENTS.c.id == bindparam("intent_pk"))
PLACE_ORDER = "place_order"
PLACE_BASKET = "place_basket"
# Roles of orders that only close what a run holds: a run's exit, a protection exit, an
# option run's exit. They skip the risk gate, as exits are never blocked.
EXIT_ROLES = frozenset({"exit", "protection", "opt_exit"})
RISK_CHECK_FAILED = "RISK_CHECK_FAILED"  # an intent the user's risk rules refused


@dataclass(frozen=True, slots=True)
class WorkerOrder:
    """An order as the worker sent it (JSON) and as the domain reads it."""

    spec: OrderSpec
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Intent:
    """The intent envelope, validated."""

    intent_type: str
    idempotency_key: str
    orders: Sequence[WorkerOrder]
    request: dict[str, Any]  # the envelope as sent, stored with the result
    metadata: dict[str, Any] = field(default_factory=dict)
    safety_token: str | None = None
    all_or_none: bool = False
    dry_run: bool = False
    role: str = "entry"  # what the orders are to the run (option runs: opt_entry, opt_exit)


def field_prefix(intent_type: str, index: int) -> str:
    """Where an order sits in the envelope, for 422 field paths."""
    return "payload.order" if intent_type == PLACE_ORDER else f"payload.basket.orders[{index}]"


def checked_orders(
    workers: WorkerContext,
    db: Session,
    orders: Sequence[WorkerOrder],
    *,
    intent_type: str,
    session: bool,
) -> list[Checked]:
    """Each order checked against the exchange's rules (422 naming the field), on the tick
    it was judged by: its placement on that same tick is not judged again (`Checked`)."""
    found = []
    for index, order in enumerate(orders):
        last = workers.last_tick(order.spec.key)
        try:
            instrument = workers.orders.check(db, order.spec, last, session=session)
        except InvalidField as exc:
            raise InvalidField(
                f"{field_prefix(intent_type, index)}.{exc.field}", exc.message
            ) from exc
        found.append(Checked(order.spec, last, instrument, session))
    return found


def priced_legs(
    workers: WorkerContext,
    db: Session,
    orders: Sequence[WorkerOrder],
    *,
    intent_type: str,
    session: bool,
) -> list[PricedLeg]:
    """Each order checked against the exchange's rules (422 naming the field) and priced."""
    checks = checked_orders(workers, db, orders, intent_type=intent_type, session=session)
    return [_priced(workers, checked) for checked in checks]


def _priced(workers: WorkerContext, checked: Checked) -> PricedLeg:
    return PricedLeg(checked.spec, checked.instrument, reference_price(workers, checked.spec))


def require_open(run: WorkerRun) -> None:
    """Only open runs take new orders."""
    if run.status != RunStatus.OPEN:
        raise Rejected(
            409,
            "RUN_NOT_OPEN",
            f"only open strategy runs accept intents; this one is {run.status}",
            strategy_run_id=run.run_key,
        )


def stored_result(db: Session, run: WorkerRun, key: str) -> dict[str, Any] | None:
    """The result stored with the run's intent of this key, if the key is taken."""
    found: dict[str, Any] | None = db.scalar(_STORED, {"run_pk": run.id, "key": key})
    return found


def claim_key(
    db: Session, run: WorkerRun, key: str, intent_type: str, request: dict[str, Any], now: datetime
) -> int | None:
    """Insert the intent row; None when the key is already taken (no exception, no abort)."""
    values = {
        "run_pk": run.id,
        "idempotency_key": key,
        "intent_type": intent_type,
        "request": request,
        "result": {},
        "created_at": now,
    }
    pk: int | None = _CLAIM[db.get_bind().dialect.name].scalar(db, values)
    return pk


def store_result(db: Session, intent_pk: int, result: dict[str, Any]) -> None:
    """Keep the result a replay will return (no commit)."""
    _SET_RESULT.execute(db, {"intent_pk": intent_pk, "result": result})


def release_key(db: Session, intent_pk: int) -> None:
    """Drop a claimed key whose intent changed nothing (no commit)."""
    db.execute(_DROP, {"intent_pk": intent_pk})


def risk_refusal(run: WorkerRun, result: dict[str, Any]) -> Rejected | None:
    """The 409 ``RISK_CHECK_FAILED`` an intent answers when the risk gate refused what it
    asked and nothing was placed (a lone order, every leg of a basket, or an all-or-none
    basket a leg of which was refused); None otherwise.

    The refused orders stay REJECTED in Kite's words (``Order rejected by risk rule: …``)
    and the intent keeps its stored result, so the refusal is recorded; the error makes
    both published SDKs raise (0.13 exposes the reason as ``rejection_reason``).
    """
    if result.get("status") not in ("rejected", "failed"):
        return None
    if "results" in result:  # a basket: its errors name each refused leg
        reasons = [str(e.get("reason") or "") for e in result.get("errors", [])]
        placed = [r for r in result["results"] if r.get("status") not in ("rejected",)]
        if result.get("all_or_none") is not True and placed:
            return None
    else:
        reasons = [str(result.get("reason") or "")]
    refused = [r for r in reasons if r.startswith(REFUSAL_PREFIX)]
    if not refused:
        return None
    return Rejected(
        409,
        RISK_CHECK_FAILED,
        refused[0],
        strategy_run_id=run.run_key,
        blocking_reasons=[r.removeprefix(REFUSAL_PREFIX) for r in refused],
        order_ids=_order_ids(result),
    )


def _order_ids(result: dict[str, Any]) -> list[str]:
    legs = result.get("results", [result])
    return [str(leg["order_id"]) for leg in legs if leg.get("order_id")]


_EVENT_COPIED = (
    *("user_id", "at", "rule_id", "rule_type", "action", "origin", "portfolio_id"),
    *("worker_run_id", "symbol", "side", "quantity", "price", "value", "threshold", "message"),
)


def _breaches_of(db: Session, run: WorkerRun, order_ids: list[str]) -> list[dict[str, Any]]:
    """The risk events the refused legs of an all-or-none basket logged, as values."""
    db.flush()
    rows = db.scalars(
        select(RiskEvent)
        .where(RiskEvent.user_id == run.user_id, RiskEvent.order_id.in_(order_ids))
        .order_by(RiskEvent.id)
    )
    return [{name: getattr(row, name) for name in _EVENT_COPIED} for row in rows]


def _keep_breaches(db: Session, breaches: list[dict[str, Any]], basket_id: str) -> None:
    """Log again what the rolled-back legs breached: the basket placed nothing, but the
    refusal is the user's to see (``GET /api/risk/events``)."""
    context = {"basket_execution_id": basket_id, "rolled_back": True}
    db.add_all(RiskEvent(**values, order_id=None, context=context) for values in breaches)


def _basket_id(run: WorkerRun, key: str) -> str:
    return "bex_" + hashlib.sha1(f"{run.id}:{key}".encode(), usedforsecurity=False).hexdigest()[:20]


def _basket(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    intent: Intent,
    intent_pk: int,
    now: datetime,
    checks: Sequence[Checked],
) -> dict[str, Any]:
    """Place the basket's legs in order; all-or-none in one savepoint where the venue
    answers at once (an order a broker has cannot be rolled back: refused there)."""
    basket_id = _basket_id(run, intent.idempotency_key)
    if intent.all_or_none and not workers.orders.traits(run_account(run)).answers_at_once:
        raise Rejected(
            400,
            "LIVE_ALL_OR_NONE_UNSUPPORTED",
            "a live basket cannot be all-or-none (orders at the broker cannot be rolled "
            "back): send all_or_none=false, or dry_run=true to preview",
            strategy_run_id=run.run_key,
        )
    if intent.all_or_none:
        result = _all_or_none(workers, db, run, intent, intent_pk, basket_id, checks)
    else:
        results: list[dict[str, Any]] = []
        for index, checked in enumerate(checks):
            done = list(results)

            def remember(session: Session, first: dict[str, Any], done: list[Any] = done) -> None:
                store_result(
                    session, intent_pk, _basket_result(run, basket_id, [*done, first], intent)
                )

            results.append(_leg(workers, db, run, intent, intent_pk, checked, index, remember))
        result = _basket_result(run, basket_id, results, intent)
    timeline.record(
        db,
        run,
        kind="execution",
        source="basket_runtime",
        event_type="basket.status_changed",
        now=now,
        summary=f"basket of {len(result['results'])} legs: {result['status']}",
        payload={
            "status": result["status"],
            "all_or_none": intent.all_or_none,
            "errors": result["errors"],
        },
        related=("basket_execution", basket_id),
        basket_execution_id=basket_id,
    )
    return result


def _leg(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    intent: Intent,
    intent_pk: int,
    checked: Checked,
    index: int,
    remember: Remember | None,
) -> dict[str, Any]:
    return place(
        workers,
        db,
        run,
        checked.spec,
        checked=checked,
        intent_pk=intent_pk,
        key=intent.idempotency_key,
        leg=index,
        role=intent.role,
        exit_only=intent.role in EXIT_ROLES,
        remember=remember,
    )


def _all_or_none(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    intent: Intent,
    intent_pk: int,
    basket_id: str,
    checks: Sequence[Checked],
) -> dict[str, Any]:
    """Every leg, or none: a refused leg rolls the savepoint back (its breaches are kept)."""
    savepoint = db.begin_nested()
    results = [
        _leg(workers, db, run, intent, intent_pk, checked, i, None)
        for i, checked in enumerate(checks)
    ]
    failed = [i for i, r in enumerate(results) if r["status"] == "rejected"]
    if not failed:
        savepoint.commit()
        return _basket_result(run, basket_id, results, intent)
    breaches = _breaches_of(db, run, [results[i]["order_id"] for i in failed])
    savepoint.rollback()
    _keep_breaches(db, breaches, basket_id)
    errors = [{"leg_index": i, "reason": results[i].get("reason")} for i in failed]
    rolled_back = [
        {"leg_index": i, "status": "rolled_back", "order": None} for i in range(len(results))
    ]
    return _basket_result(run, basket_id, rolled_back, intent, errors=errors)


def _basket_result(
    run: WorkerRun,
    basket_id: str,
    results: list[dict[str, Any]],
    intent: Intent,
    *,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The basket's result from its legs' (``submitting`` while legs are still to go);
    `errors`: an all-or-none basket's refused legs, its results being rolled back."""
    for index, leg in enumerate(results):
        leg["leg_index"] = index
    if errors is not None:
        status = "failed"
    else:
        errors = [
            {"leg_index": i, "reason": r.get("reason")}
            for i, r in enumerate(results)
            if r["status"] == "rejected"
        ]
        if len(results) < len(intent.orders):
            status = "submitting"
        elif not errors:
            status = "success"
        else:
            status = "failed" if len(errors) == len(results) else "partial"
    return {
        "mode": run.execution_mode,
        "intent_type": PLACE_BASKET,
        "basket_execution_id": basket_id,
        "status": status,
        "all_or_none": intent.all_or_none,
        "results": results,
        "errors": errors,
    }


def _dry_result(
    workers: WorkerContext,
    catalog: InstrumentCatalog,
    run: WorkerRun,
    intent: Intent,
    legs: list[PricedLeg],
    mode: str,
) -> dict[str, Any]:
    if intent.intent_type == PLACE_ORDER:
        return {
            "mode": mode,
            "status": "validated",
            "intent_type": PLACE_ORDER,
            "mutated_state": False,
            "payload": {"order": intent.orders[0].fields},
            "attribution": attribution(run, intent.idempotency_key),
            "cost_contract": cost_contract(workers, legs, catalog=catalog),
        }
    return {
        "mode": mode,
        "status": "dry_run" if intent.dry_run else "validated",
        "intent_type": PLACE_BASKET,
        "mutated_state": False,
        "basket": {
            "orders": [o.fields for o in intent.orders],
            "all_or_none": intent.all_or_none,
        },
        "legs": [
            {
                "leg_index": i,
                "order": o.fields,
                "cost_contract": cost_contract(workers, [leg], catalog=catalog),
            }
            for i, (o, leg) in enumerate(zip(intent.orders, legs, strict=True))
        ],
        "attribution": attribution(run, intent.idempotency_key),
        "cost_contract": cost_contract(workers, legs, catalog=catalog),
    }


def submit(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    nonce: str | None,
    intent: Intent,
) -> dict[str, Any]:
    """Run an intent once; a replayed key answers with the stored result."""
    run = locked_run(db, token, run_key)
    check_nonce(run, nonce)
    require_open(run)
    mode = check_mode(workers, token, run.execution_mode, run.account_scope)
    now = workers.clock.now()
    key = intent.idempotency_key
    intent_pk = claim_key(db, run, key, intent.intent_type, intent.request, now)
    if intent_pk is None:
        replay = {"status": "deduped", "result": stored_result(db, run, key)}
        db.rollback()
        return replay
    # From here every refusal, and a dry run, rolls the claim back: the key stays free.
    if run.protection_claim is not None:
        raise Rejected(
            409,
            "GENERIC_PROTECTION_TRIGGERED",
            "backend protection has claimed this run's exit; it takes no new orders",
            strategy_run_id=run.run_key,
        )
    if intent.safety_token is not None:
        safety.verify(workers, run, intent.safety_token, now)
    needs_switches = workers.orders.traits(run_account(run)).needs_switches
    if needs_switches and mode is not ExecutionMode.DRY_RUN and not intent.dry_run:
        # The run's own checks, in the worker contract's words (403/503/409): both
        # switches, the Kite session, its account; the pipeline's are not asked again.
        live.require_live(workers, db, run)
    outcome, changed = execute(workers, db, run, intent, mode, now, intent_pk=intent_pk)
    if changed:
        db.commit()
        refusal = risk_refusal(run, outcome["result"])
        if refusal is not None:
            raise refusal
    return outcome


def execute(
    workers: WorkerContext,
    db: Session,
    run: WorkerRun,
    intent: Intent,
    mode: ExecutionMode,
    now: datetime,
    *,
    intent_pk: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run a checked intent on the locked run in the open transaction (no commit); `intent_pk`
    is the key's row when the caller claimed it already.

    Returns the response and whether anything was written (a dry run and a lost key
    race write nothing and end the transaction). Callers that add rows of their own
    (option runs) commit them with the intent's.
    """
    dry = mode is ExecutionMode.DRY_RUN or intent.dry_run
    # Market hours: the paper exchange judges them now; a broker judges its own.
    session = not dry and workers.orders.traits(run_account(run)).judges_session
    checks = checked_orders(
        workers, db, intent.orders, intent_type=intent.intent_type, session=session
    )
    if dry:
        legs = [_priced(workers, checked) for checked in checks]
        result = _dry_result(workers, workers.trading.catalog(db), run, intent, legs, mode.value)
        db.rollback()
        return {"status": "accepted", "result": result}, False
    key = intent.idempotency_key
    if intent_pk is None:  # a caller that did not claim the key first (option runs)
        intent_pk = claim_key(db, run, key, intent.intent_type, intent.request, now)
        if intent_pk is None:  # a replay: read the first result
            db.rollback()
            return {"status": "deduped", "result": stored_result(db, run, key)}, False
    if intent.intent_type == PLACE_ORDER:

        def remember(session: Session, first: dict[str, Any]) -> None:
            store_result(session, intent_pk, first)

        result = _leg(workers, db, run, intent, intent_pk, checks[0], 0, remember)
    else:
        result = _basket(workers, db, run, intent, intent_pk, now, checks)
    store_result(db, intent_pk, result)
    return {"status": "accepted", "result": result}, True
