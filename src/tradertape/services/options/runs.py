"""Option runs: a multi-leg strategy on a worker run, entered and exited leg by leg.

An option run lives on a worker run and shares its ``strategy_run_id`` (given, or a new
paper run is opened for it), so the run's session nonce, safety token, idempotency keys
and grouped P&L all apply. Entering and exiting send the legs one by one through the one
order pipeline with the run's account, paper or live alike (`execution`); the status
follows the fills as they are booked. The option run's status and protection verdict
are mirrored into the worker run's ``runtime_state`` (``options_run``) so the safety
check sees them without another read.

Status: ``created → entry_previewed → entering → entered | partial_entry →
cleanup_required → exit_previewed → exiting → partial_exit → exited`` (the reference's
enum).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun, WorkerRun, WorkerToken
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.option_protection import RuleError, parse_protection
from tradertape.domain.orders import TransactionType
from tradertape.domain.worker_access import ExecutionMode
from tradertape.errors import InvalidField, Rejected
from tradertape.services.options import plans
from tradertape.services.options.execution import (
    evaluation_mode,
    find_option,
    mirror,
    perform,
    shown,
)
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.metrics import evaluate, positions
from tradertape.services.protection.fence import next_generation
from tradertape.services.workers import intents, runs, timeline
from tradertape.services.workers.access import check_nonce, find_run, lock_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, cost_contract, reference_price
from tradertape.services.workers.intents import WorkerOrder
from tradertape.services.workers.views import iso


def _catalog_leg(
    catalog_find: Any, raw: dict[str, Any], product: str, where: str
) -> tuple[dict[str, Any], Instrument]:
    symbol = str(raw["tradingsymbol"]).strip().upper()
    instrument: Instrument | None = catalog_find(f"NFO:{symbol}")
    if instrument is None or instrument.option_type is None:
        raise InvalidField(f"{where}.tradingsymbol", f"'{symbol}' is not a listed NFO option")
    lot = instrument.lot_size
    if raw.get("lot_size") not in (None, lot):
        raise InvalidField(f"{where}.lot_size", f"{symbol} trades in lots of {lot}")
    lots, quantity = raw.get("lots"), raw.get("quantity")
    if quantity is None:
        quantity = lot * (lots or 1)
    if quantity % lot:
        raise InvalidField(f"{where}.quantity", f"must be a multiple of the lot size {lot}")
    if lots is not None and lots * lot != quantity:
        raise InvalidField(f"{where}.quantity", f"{lots} lots of {lot} are {lots * lot}")
    order_type = raw.get("order_type") or "MARKET"
    price = raw.get("price")
    if order_type == "LIMIT" and price is None:
        raise InvalidField(f"{where}.price", "a LIMIT leg needs a price")
    assert instrument.expiry is not None
    leg = {
        "leg_id": raw.get("leg_id") or f"leg_{secrets.token_hex(4)}",
        "tradingsymbol": symbol,
        "exchange": Exchange.NFO.value,
        "transaction_type": raw["transaction_type"],
        "quantity": quantity,
        "lots": quantity // lot,
        "lot_size": lot,
        "product": raw.get("product") or product,
        "order_type": order_type,
        "price": float(price) if price is not None else None,
        "market_protection": raw.get("market_protection"),
        "instrument_token": instrument.instrument_token,
        "strike": float(instrument.strike or 0),
        "option_type": instrument.instrument_type.value,
        "expiry_key": instrument.expiry.isoformat(),
        "underlying": instrument.underlying,
        "metadata": raw.get("metadata") or {},
    }
    if leg["product"] != product:
        raise InvalidField(f"{where}.product", f"the run trades {product}")
    return leg, instrument


def _protection(raw: Any, where: str = "protection") -> dict[str, Any]:
    try:
        rules, precedence = parse_protection(raw, where)
    except RuleError as exc:
        raise InvalidField(exc.field, exc.message) from exc
    return {"rules": [r.as_dict() for r in rules], "precedence": precedence}


def view(
    market: OptionMarket, db: Session, run: WorkerRun, option: WorkerOptionRun
) -> dict[str, Any]:
    """The option run as the API shows it, with each leg's position, mark and state."""
    held = positions(db, run, market)
    orders = plans.planned_orders(db, [option.entry, option.exit])
    states = plans.leg_states(option, orders)
    legs = []
    for leg in option.legs:
        pos = held.get(leg["tradingsymbol"])
        legs.append(
            {
                **leg,
                "ltp": pos.ltp if pos else None,
                "net_quantity": pos.net if pos else 0,
                "average_price": pos.average if pos else None,
                **states.get(leg["leg_id"], _NOT_SENT),
            }
        )
    entry, exit_ = shown(db, option)
    return {
        "strategy_run_id": run.run_key,
        "strategy_name": option.strategy_name,
        "product": option.product,
        "underlying": option.underlying,
        "status": option.status,
        "execution_mode": run.execution_mode,
        "account_scope": run.account_scope,
        "on_partial_entry": option.on_partial_entry,
        "legs": legs,
        "protection": option.protection,
        "protection_state": option.protection_state,
        "metadata": option.metadata_,
        "entry": entry,
        "exit": exit_,
        "created_at": iso(option.created_at),
        "updated_at": iso(option.updated_at),
    }


_NOT_SENT: dict[str, Any] = {
    "state": None,
    "entry_order_id": None,
    "exit_order_id": None,
    "state_message": None,
}


def _worker_run(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str | None, name: str
) -> WorkerRun:
    if run_key is not None:
        return find_run(db, token, run_key)
    spec = runs.RunSpec(
        template_id="options",
        account_scope=token.account_scope,
        execution_mode=ExecutionMode.PAPER.value,  # a value, not a check: runs start on paper
        metadata={"strategy_family": "options_strategy", "strategy_name": name},
    )
    created, _ = runs.create(workers, db, token, spec)
    return find_run(db, token, str(created["strategy_run_id"]))


def create(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    body: dict[str, Any],
    *,
    nonce: str | None,
) -> dict[str, Any]:
    """Create the option run on the given worker run (or on a new paper run)."""
    catalog = market.catalog(db)
    product = body["product"]
    checked = [
        _catalog_leg(catalog.find, raw, product, f"legs[{n}]") for n, raw in enumerate(body["legs"])
    ]
    underlyings = {i.underlying for _, i in checked}
    if len(underlyings) != 1:
        raise InvalidField("legs", "every leg must be on the same underlying")
    ids = [leg["leg_id"] for leg, _ in checked]
    if len(set(ids)) != len(ids):
        raise InvalidField("legs", "leg_id values must be unique")
    protection = _protection(body.get("protection"))
    on_partial = body.get("on_partial_entry") or plans.UNWIND
    if on_partial != plans.UNWIND and not protection["rules"]:
        raise InvalidField(
            "on_partial_entry",
            "keeping a partial entry needs protection rules to watch it (send protection)",
        )
    run = lock_run(
        db, _worker_run(workers, db, token, body.get("strategy_run_id"), body["strategy_name"])
    )
    check_nonce(run, nonce)
    intents.require_open(run)
    runs.check_mode(workers, token, run.execution_mode, run.account_scope)
    if db.scalar(select(WorkerOptionRun.id).where(WorkerOptionRun.run_pk == run.id)):
        raise Rejected(
            409,
            "OPTION_RUN_EXISTS",
            "this strategy run already has an option run",
            strategy_run_id=run.run_key,
        )
    now = workers.clock.now()
    option = WorkerOptionRun(
        user_id=run.user_id,
        run_pk=run.id,
        strategy_name=body["strategy_name"],
        product=product,
        underlying=underlyings.pop(),
        status="created",
        legs=[leg for leg, _ in checked],
        on_partial_entry=on_partial,
        protection=protection,
        protection_state={"triggered": False, "matched_rule": None},
        metadata_=body.get("metadata") or {},
        entry={},
        exit={},
        created_at=now,
        updated_at=now,
    )
    db.add(option)
    mirror(run, option)
    timeline.record(
        db,
        run,
        kind="execution",
        source="options_runtime",
        event_type="options.run_created",
        now=now,
        summary=f"option run '{option.strategy_name}' with {len(option.legs)} legs",
        payload={"legs": [leg["tradingsymbol"] for leg in option.legs]},
    )
    db.commit()
    return view(market, db, run, option)


def _priced(workers: WorkerContext, db: Session, orders: list[WorkerOrder]) -> list[PricedLeg]:
    catalog = workers.trading.catalog(db)
    return [
        PricedLeg(o.spec, catalog.get(o.spec.key), reference_price(workers, o.spec)) for o in orders
    ]


def _preview(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    exit_: bool,
) -> dict[str, Any]:
    run = lock_run(db, find_run(db, token, run_key))
    option = find_option(db, run)
    held = positions(db, run, market)
    legs = plans.exit_legs(option, held, {}) if exit_ else plans.entry_legs(option)
    orders = [plans.worker_order(fields) for _, fields in legs]
    priced = _priced(workers, db, orders)
    if not exit_ and option.status == "created":
        option.status = "entry_previewed"
    elif exit_ and option.status in ("entered", "partial_entry"):
        option.status = "exit_previewed"
    option.updated_at = workers.clock.now()
    mirror(run, option)
    db.commit()
    signed = [
        (leg.price or Decimal(0)) * leg.spec.quantity
        if leg.spec.transaction_type is TransactionType.SELL
        else -(leg.price or Decimal(0)) * leg.spec.quantity
        for leg in priced
    ]
    return {
        "strategy_run_id": run.run_key,
        "status": option.status,
        "mode": run.execution_mode,
        "orders": [o.fields for o in orders],
        "net_premium": float(sum(signed, Decimal(0))),  # + received, − paid
        "cost_contract": cost_contract(workers, priced, catalog=workers.trading.catalog(db)),
    }


def preview_entry(
    workers: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """The entry basket with its premium, margin and charges, placing nothing."""
    return _preview(workers, market, db, token, run_key, exit_=False)


def preview_exit(
    workers: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """The orders that would flatten the option run, with their charges."""
    return _preview(workers, market, db, token, run_key, exit_=True)


def act(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    action: str,
    body: dict[str, Any],
    nonce: str | None,
) -> dict[str, Any]:
    """``enter`` or ``exit``: the legs one by one, once per idempotency key (safety-checked)."""
    run = lock_run(db, find_run(db, token, run_key))
    check_nonce(run, nonce)
    intents.require_open(run)
    mode = runs.check_mode(workers, token, run.execution_mode, run.account_scope)
    option = find_option(db, run)
    done = perform(workers, market, db, run, option, action=action, body=body, mode=mode)
    if done.deduped is None:  # a dry run: validated, nothing placed
        db.rollback()
        return {**view(market, db, run, option), "result": done.result}
    db.refresh(run)
    db.refresh(option)
    answer = {**view(market, db, run, option), "result": done.result, "deduped": done.deduped}
    db.rollback()
    if not done.deduped:
        # The risk rules refused what was asked and nothing stands: recorded, and an error.
        sent = [r for r in done.result.get("results", []) if r.get("status") != "skipped"]
        refusal = intents.risk_refusal(run, {**done.result, "results": sent})
        if refusal is not None:
            raise refusal
    return answer


def state(market: OptionMarket, db: Session, token: WorkerToken, run_key: str) -> dict[str, Any]:
    """The option run now."""
    run = find_run(db, token, run_key)
    return view(market, db, run, find_option(db, run))


def protection_state(
    workers: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """Evaluate the rules on the current metrics; a change of verdict is journalled.

    Once the engine has claimed this generation's exit the verdict stays as it fired (the
    exit is under way), so a later read cannot clear what the exit acted on.
    """
    run = lock_run(db, find_run(db, token, run_key))
    option = find_option(db, run)
    now = workers.clock.now()
    if option.protection_claim is None:
        verdict = evaluate(db, run, option, market)
        before = bool(option.protection_state.get("triggered"))
        option.protection_state = {
            **verdict,
            "evaluation_mode": evaluation_mode(run),
            "status": "triggered" if verdict["triggered"] else "active",
            "generation": option.protection_generation,
            "evaluated_at": iso(now),
        }
        mirror(run, option)
        if verdict["triggered"] != before:
            timeline.record(
                db,
                run,
                kind="protection",
                source="options_protection",
                event_type="protection.blocking_changed",
                now=now,
                summary=f"option protection: {verdict['matched_rule'] or 'clear'}",
                payload=verdict,
            )
        db.commit()
    return {
        "strategy_run_id": run.run_key,
        "run_status": option.status,
        "protection": option.protection,
        **option.protection_state,
    }


def update_protection(
    workers: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    run_key: str,
    body: dict[str, Any],
    *,
    nonce: str | None,
) -> dict[str, Any]:
    """Replace the rules (``{rules, precedence}`` or ``{stoploss_pct}``): a new generation.

    The verdict resets and a claim whose exit could not be placed is released (how a worker
    steps in); once the protection's exit was submitted the rules can no longer change.
    """
    protection = _protection(body, "body")
    run = lock_run(db, find_run(db, token, run_key))
    check_nonce(run, nonce)
    option = find_option(db, run)
    if option.status == "exited":
        raise Rejected(409, "OPTION_RUN_STATUS_CONFLICT", "the option run has exited")
    if option.protection_claim is not None and option.protection_state.get("exit_submitted"):
        raise Rejected(
            409,
            "PROTECTION_EXIT_SUBMITTED",
            "option protection already submitted this run's exit",
            strategy_run_id=run.run_key,
        )
    conflict = Rejected(
        409,
        "PROTECTION_CONFLICT",
        "option protection changed concurrently; reload the run and retry",
    )
    next_generation(db, option, conflict)
    option.protection = protection
    option.protection_state = {
        "triggered": False,
        "matched_rule": None,
        "status": "active",
        "generation": option.protection_generation,
    }
    option.updated_at = workers.clock.now()
    mirror(run, option)
    db.commit()
    return view(market, db, run, option)
