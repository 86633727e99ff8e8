"""Option runs: a multi-leg strategy on a worker run, entered and exited as baskets.

An option run lives on a worker run and shares its ``strategy_run_id`` (given, or a new
paper run is opened for it), so the run's session nonce, safety token, idempotency keys
and grouped P&L all apply: entering and exiting are ``place_basket`` intents of that
run, written in the same transaction as the option run's new status. The option run's
status and protection verdict are mirrored into the worker run's ``runtime_state``
(``options_run``) so the safety check sees them without another read.

Status: ``created → entry_previewed → entering → entered | partial_entry →
exit_previewed → exiting → partial_exit → exited`` (the reference's enum).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun, WorkerRun, WorkerToken
from tradertape.domain.instruments import Exchange, Instrument
from tradertape.domain.option_protection import RuleError, parse_protection
from tradertape.domain.order_state import PENDING
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.domain.worker_access import ExecutionMode
from tradertape.errors import InvalidField, NotFound, Rejected
from tradertape.services.options.market import OptionMarket
from tradertape.services.options.metrics import ENTRY, EXIT, evaluate, option_orders, positions
from tradertape.services.risk.protection_fence import next_generation
from tradertape.services.workers import intents, runs, safety, timeline
from tradertape.services.workers.access import check_nonce, find_run, lock_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.costs import PricedLeg, cost_contract, reference_price
from tradertape.services.workers.intents import Intent, WorkerOrder
from tradertape.services.workers.views import iso

ENTERABLE = ("created", "entry_previewed")
ACTIVE = ("created", "entry_previewed", "entering", "entered", "partial_entry")
EXITABLE = ("entering", "entered", "partial_entry", "exit_previewed", "partial_exit", "exiting")


def _find(db: Session, run: WorkerRun) -> WorkerOptionRun:
    option = db.scalar(select(WorkerOptionRun).where(WorkerOptionRun.run_pk == run.id))
    if option is None:
        raise NotFound("Option run not found")
    return option


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


def evaluation_mode(run: WorkerRun) -> str:
    """``backend`` where the protection engine watches the run (paper), else ``on_demand``."""
    return "backend" if run.execution_mode == ExecutionMode.PAPER.value else "on_demand"


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


def view(
    market: OptionMarket, db: Session, run: WorkerRun, option: WorkerOptionRun
) -> dict[str, Any]:
    """The option run as the API shows it, with each leg's position and mark."""
    held = positions(db, run, market)
    legs = []
    for leg in option.legs:
        pos = held.get(leg["tradingsymbol"])
        legs.append(
            {
                **leg,
                "ltp": pos.ltp if pos else None,
                "net_quantity": pos.net if pos else 0,
                "average_price": pos.average if pos else None,
            }
        )
    return {
        "strategy_run_id": run.run_key,
        "strategy_name": option.strategy_name,
        "product": option.product,
        "underlying": option.underlying,
        "status": option.status,
        "execution_mode": run.execution_mode,
        "account_scope": run.account_scope,
        "legs": legs,
        "protection": option.protection,
        "protection_state": option.protection_state,
        "metadata": option.metadata_,
        "entry": option.entry,
        "exit": option.exit,
        "created_at": iso(option.created_at),
        "updated_at": iso(option.updated_at),
    }


def _worker_run(
    desk: WorkerContext, db: Session, token: WorkerToken, run_key: str | None, name: str
) -> WorkerRun:
    if run_key is not None:
        return find_run(db, token, run_key)
    spec = runs.RunSpec(
        template_id="options",
        account_scope=token.account_scope,
        execution_mode=ExecutionMode.PAPER.value,
        metadata={"strategy_family": "options_strategy", "strategy_name": name},
    )
    created, _ = runs.create(desk, db, token, spec)
    return find_run(db, token, str(created["strategy_run_id"]))


def create(
    desk: WorkerContext,
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
    run = lock_run(
        db, _worker_run(desk, db, token, body.get("strategy_run_id"), body["strategy_name"])
    )
    check_nonce(run, nonce)
    intents.require_open(run)
    runs.check_mode(desk, token, run.execution_mode, run.account_scope)
    if db.scalar(select(WorkerOptionRun.id).where(WorkerOptionRun.run_pk == run.id)):
        raise Rejected(
            409,
            "OPTION_RUN_EXISTS",
            "this strategy run already has an option run",
            strategy_run_id=run.run_key,
        )
    now = desk.clock.now()
    option = WorkerOptionRun(
        user_id=run.user_id,
        run_pk=run.id,
        strategy_name=body["strategy_name"],
        product=product,
        underlying=underlyings.pop(),
        status="created",
        legs=[leg for leg, _ in checked],
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


def _order_fields(leg: dict[str, Any], side: str, quantity: int, *, exit_: bool) -> dict[str, Any]:
    order_type = "MARKET" if exit_ else leg["order_type"]
    fields: dict[str, Any] = {
        "exchange": "NFO",
        "tradingsymbol": leg["tradingsymbol"],
        "transaction_type": side,
        "variety": "regular",
        "product": leg["product"],
        "order_type": order_type,
        "quantity": quantity,
        "validity": "DAY",
    }
    if order_type == "LIMIT":
        fields["price"] = leg["price"]
    if leg.get("market_protection") is not None:
        fields["market_protection"] = leg["market_protection"]
    return fields


def _worker_order(fields: dict[str, Any]) -> WorkerOrder:
    price = fields.get("price")
    spec = OrderSpec(
        exchange=Exchange.NFO,
        tradingsymbol=fields["tradingsymbol"],
        transaction_type=TransactionType(fields["transaction_type"]),
        quantity=fields["quantity"],
        product=Product(fields["product"]),
        order_type=OrderType(fields["order_type"]),
        price=Decimal(str(price)) if price is not None else None,
        market_protection=fields.get("market_protection"),
    )
    return WorkerOrder(spec=spec, fields=fields)


def _entry_orders(option: WorkerOptionRun) -> list[WorkerOrder]:
    # Bought legs first: the hedge is in place before the sold leg asks for margin.
    legs = sorted(option.legs, key=lambda leg: leg["transaction_type"] != "BUY")
    return [
        _worker_order(_order_fields(leg, leg["transaction_type"], leg["quantity"], exit_=False))
        for leg in legs
    ]


def _exit_orders(
    market: OptionMarket, db: Session, run: WorkerRun, option: WorkerOptionRun
) -> list[WorkerOrder]:
    held = positions(db, run, market)
    by_symbol = {leg["tradingsymbol"]: leg for leg in option.legs}
    orders = []
    # Shorts are bought back first, so no moment holds a naked short.
    for symbol, pos in sorted(held.items(), key=lambda p: p[1].net > 0):
        if pos.net == 0 or symbol not in by_symbol:
            continue
        side = "SELL" if pos.net > 0 else "BUY"
        fields = _order_fields(by_symbol[symbol], side, abs(pos.net), exit_=True)
        orders.append(_worker_order(fields))
    return orders


def _priced(desk: WorkerContext, db: Session, orders: list[WorkerOrder]) -> list[PricedLeg]:
    catalog = desk.exchange.catalog(db)
    return [
        PricedLeg(o.spec, catalog.get(o.spec.key), reference_price(desk, o.spec)) for o in orders
    ]


def _preview(
    desk: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    exit_: bool,
) -> dict[str, Any]:
    run = lock_run(db, find_run(db, token, run_key))
    option = _find(db, run)
    orders = _exit_orders(market, db, run, option) if exit_ else _entry_orders(option)
    priced = _priced(desk, db, orders)
    if not exit_ and option.status == "created":
        option.status = "entry_previewed"
    elif exit_ and option.status in ("entered", "partial_entry"):
        option.status = "exit_previewed"
    option.updated_at = desk.clock.now()
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
        "cost_contract": cost_contract(desk, priced),
    }


def preview_entry(
    desk: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """The entry basket with its premium, margin and charges, placing nothing."""
    return _preview(desk, market, db, token, run_key, exit_=False)


def preview_exit(
    desk: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """The orders that would flatten the option run, with their charges."""
    return _preview(desk, market, db, token, run_key, exit_=True)


def _key(option: WorkerOptionRun, action: str, given: str | None, orders: list[WorkerOrder]) -> str:
    if given:
        return given
    legs = "|".join(f"{o.spec.tradingsymbol}:{o.spec.quantity}" for o in orders)
    digest = hashlib.sha1(legs.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"options-{action}:{option.id}:{digest}"


def _status_after(action: str, result: dict[str, Any], flat: bool) -> str | None:
    basket = result.get("status")
    if action == "enter":
        filled = all(leg.get("status") == "filled" for leg in result.get("results", []))
        if basket == "success":
            return "entered" if filled else "entering"
        return "partial_entry" if basket == "partial" else None
    if flat:
        return "exited"
    return "partial_exit" if basket in ("partial", "success") else None


def act(
    desk: WorkerContext,
    market: OptionMarket,
    db: Session,
    token: WorkerToken,
    run_key: str,
    *,
    action: str,
    body: dict[str, Any],
    nonce: str | None,
) -> dict[str, Any]:
    """``enter`` or ``exit``: the run's basket, once per idempotency key (safety-checked)."""
    run = lock_run(db, find_run(db, token, run_key))
    check_nonce(run, nonce)
    intents.require_open(run)
    mode = runs.check_mode(desk, token, run.execution_mode, run.account_scope)
    option = _find(db, run)
    done = perform(desk, market, db, run, option, action=action, body=body, mode=mode)
    if done.get("deduped") is False:  # placed; a replay or a dry run changed nothing
        db.commit()
        refusal = intents.risk_refusal(run, done["result"])
        if refusal is not None:  # the risk rules refused the entry: recorded, and an error
            raise refusal
    else:
        db.rollback()
    return done


def perform(
    desk: WorkerContext,
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    *,
    action: str,
    body: dict[str, Any],
    mode: ExecutionMode,
    source: str = "options_runtime",
) -> dict[str, Any]:
    """Enter or exit the locked run's option run (no commit): the worker's path and the
    protection engine's, so both place the same baskets under the same idempotency."""
    orders = _entry_orders(option) if action == "enter" else _exit_orders(market, db, run, option)
    key = _key(option, action, body.get("idempotency_key"), orders)
    stored = intents.stored_result(db, run, key)
    if stored is not None:
        return {**view(market, db, run, option), "result": stored, "deduped": True}
    allowed = ENTERABLE if action == "enter" else EXITABLE
    if option.status not in allowed:
        raise Rejected(
            409,
            "OPTION_RUN_STATUS_CONFLICT",
            f"an option run that is {option.status} cannot {action}",
            strategy_run_id=run.run_key,
            status=option.status,
        )
    now = desk.clock.now()
    if body.get("safety_token") is not None:
        safety.verify(desk, run, body["safety_token"], now)
    if mode is ExecutionMode.LIVE:
        raise intents.no_live_broker(run)
    # Entry legs still waiting for their price would open what the exit closes.
    cancelled = _cancel_working_entries(desk, db, run) if action == "exit" else []
    if not orders and cancelled:  # nothing had filled: cancelling the entry is the exit
        return _cancelled_only(market, db, run, option, cancelled, key, now, source)
    if not orders:
        raise Rejected(
            409, "OPTION_RUN_FLAT", "nothing is open to exit", strategy_run_id=run.run_key
        )
    intent = Intent(
        intent_type=intents.PLACE_BASKET,
        idempotency_key=key,
        orders=orders,
        request={
            "options_action": action,
            **{k: v for k, v in body.items() if k != "safety_token"},
        },
        metadata=body.get("metadata") or {},
        all_or_none=bool(body.get("all_or_none", action == "enter")),
        role=ENTRY if action == "enter" else EXIT,
    )
    outcome, changed = intents.execute(desk, db, run, intent, mode, now)
    if not changed:  # a dry run: validated, nothing placed
        return {**view(market, db, run, _find(db, run)), "result": outcome["result"]}
    result = outcome["result"] if not cancelled else {**outcome["result"], "cancelled": cancelled}
    db.flush()
    flat = all(p.net == 0 for p in positions(db, run, market).values())
    status = _status_after(action, result, flat)
    if status is not None:
        option.status = status
    setattr(option, "entry" if action == "enter" else "exit", {"idempotency_key": key, **result})
    option.updated_at = now
    mirror(run, option)
    timeline.record(
        db,
        run,
        kind="execution",
        source=source,
        event_type=f"options.{action}",
        now=now,
        summary=f"option run {action}: {result.get('status')} → {option.status}",
        payload={"status": option.status, "basket_status": result.get("status")},
    )
    return {**view(market, db, run, option), "result": result, "deduped": False}


def _cancel_working_entries(desk: WorkerContext, db: Session, run: WorkerRun) -> list[str]:
    """Cancel the option run's entry orders still working or queued (no commit); their ids."""
    working = [
        order for order, role in option_orders(db, run) if role == ENTRY and order.status in PENDING
    ]
    for order in working:
        desk.orders.cancel(
            db, user_id=run.user_id, order_id=order.order_id, last=None, commit=False
        )
    return [order.order_id for order in working]


def _cancelled_only(
    market: OptionMarket,
    db: Session,
    run: WorkerRun,
    option: WorkerOptionRun,
    cancelled: list[str],
    key: str,
    now: datetime,
    source: str,
) -> dict[str, Any]:
    result = {"status": "success", "results": [], "cancelled": cancelled, "errors": []}
    option.status = "exited"
    option.exit = {"idempotency_key": key, **result}
    option.updated_at = now
    mirror(run, option)
    timeline.record(
        db,
        run,
        kind="execution",
        source=source,
        event_type="options.exit",
        now=now,
        summary=f"option run exit: {len(cancelled)} working entry order(s) cancelled → exited",
        payload={"status": option.status, "cancelled": cancelled},
    )
    return {**view(market, db, run, option), "result": result, "deduped": False}


def state(market: OptionMarket, db: Session, token: WorkerToken, run_key: str) -> dict[str, Any]:
    """The option run now."""
    run = find_run(db, token, run_key)
    return view(market, db, run, _find(db, run))


def protection_state(
    desk: WorkerContext, market: OptionMarket, db: Session, token: WorkerToken, run_key: str
) -> dict[str, Any]:
    """Evaluate the rules on the current metrics; a change of verdict is journalled.

    Once the engine has claimed this generation's exit the verdict stays as it fired (the
    exit is under way), so a later read cannot clear what the exit acted on.
    """
    run = lock_run(db, find_run(db, token, run_key))
    option = _find(db, run)
    now = desk.clock.now()
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
    desk: WorkerContext,
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
    option = _find(db, run)
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
    option.updated_at = desk.clock.now()
    mirror(run, option)
    db.commit()
    return view(market, db, run, option)
