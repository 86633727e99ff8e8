"""The user's alerts: create, read, change and delete, and the history of their fires.

An alert watches one symbol or every item of one of the user's watchlists; its condition is
checked here (`rules.parse_condition`) so a stored alert always compiles. A user holds at
most `MAX_ALERTS` (a 409 past it): each is judged on every tick batch of its symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import Alert, AlertFire, Watchlist
from tradertape.domain.instruments import InstrumentCatalog, UnknownInstrumentError
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.alerts.rules import parse_condition

MAX_ALERTS = 100
TIMEFRAMES = ("minute", "day")
REPEATS = ("once", "every")
ACTIONS = ("place", "confirm")
ACTIVE, PAUSED, FIRED = "active", "paused", "fired"


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """A new alert as the caller hands it in (``order``: the attached order's fields, or a
    basket's: ``legs``, each on its own ``symbol`` or the firing one)."""

    name: str
    symbol: str | None
    watchlist_id: int | None
    timeframe: str
    condition: dict[str, Any]
    repeat: str
    cooldown_secs: int
    order: dict[str, Any] | None = None
    order_action: str | None = None
    confirm_within_mins: int | None = None


@dataclass(frozen=True, slots=True)
class AlertChange:
    """A PATCH: the fields given (None: keep)."""

    name: str | None = None
    status: str | None = None
    condition: dict[str, Any] | None = None
    repeat: str | None = None
    cooldown_secs: int | None = None


def _target(
    db: Session, catalog: InstrumentCatalog, draft: AlertDraft, user_id: int
) -> tuple[str | None, int | None]:
    if (draft.symbol is None) == (draft.watchlist_id is None):
        raise InvalidField("symbol", "name a symbol or a watchlist_id, not both or neither")
    if draft.symbol is not None:
        if ":" not in draft.symbol:
            raise InvalidField("symbol", f"'{draft.symbol}' is not EXCHANGE:SYMBOL (NSE:INFY)")
        try:
            return catalog.get(draft.symbol).key, None
        except UnknownInstrumentError as exc:
            raise InvalidField("symbol", str(exc)) from exc
    mine = owned(Watchlist, user_id=user_id).where(Watchlist.id == draft.watchlist_id)
    if db.scalar(mine) is None:
        raise InvalidField("watchlist_id", f"you have no watchlist {draft.watchlist_id}")
    return None, draft.watchlist_id


def _check_legs(catalog: InstrumentCatalog, order: dict[str, Any]) -> dict[str, Any]:
    """The order with each basket leg's symbol as the catalog keys it (422 on the leg)."""
    legs = order.get("legs")
    if not legs:
        for name in ("transaction_type", "quantity"):
            if order.get(name) is None:
                raise InvalidField(f"order.{name}", "required for a single order (or give legs)")
        if order.get("order_type") == "LIMIT" and order.get("price") is None:
            raise InvalidField("order.price", "a LIMIT order needs its price")
        return order
    for name in ("transaction_type", "quantity", "price"):
        if order.get(name) is not None:
            raise InvalidField(f"order.{name}", "a basket's legs carry their own; leave it out")
    return {**order, "legs": [_leg(catalog, leg, i) for i, leg in enumerate(legs)]}


def _leg(catalog: InstrumentCatalog, leg: dict[str, Any], index: int) -> dict[str, Any]:
    """One basket leg, its symbol as the catalog keys it (422 on ``order.legs[i]``)."""
    field = f"order.legs[{index}]"
    if leg.get("order_type") == "LIMIT" and leg.get("price") is None:
        raise InvalidField(f"{field}.price", "a LIMIT leg needs its price")
    symbol = leg.get("symbol")
    if symbol is None:
        return leg
    if ":" not in symbol:
        raise InvalidField(f"{field}.symbol", f"'{symbol}' is not EXCHANGE:SYMBOL")
    try:
        return {**leg, "symbol": catalog.get(symbol).key}
    except UnknownInstrumentError as exc:
        raise InvalidField(f"{field}.symbol", str(exc)) from exc


def _check_order(catalog: InstrumentCatalog, draft: AlertDraft) -> dict[str, Any] | None:
    """The order to store (a basket's leg symbols as the catalog keys them), or None."""
    if draft.order is None:
        if draft.order_action is not None:
            raise InvalidField("order_action", "an alert without an order has no order_action")
        return None
    if draft.order_action not in ACTIONS:
        raise InvalidField("order_action", f"one of {', '.join(ACTIONS)} with an order")
    if draft.order_action == "confirm" and draft.confirm_within_mins is None:
        raise InvalidField("confirm_within_mins", "how long a fire may be confirmed, in minutes")
    return _check_legs(catalog, draft.order)


def create(
    db: Session, catalog: InstrumentCatalog, draft: AlertDraft, *, clock: Clock, user_id: int
) -> Alert:
    """A new alert (commits); 422 naming the bad field, 409 past `MAX_ALERTS`."""
    parse_condition(draft.condition)
    symbol, watchlist_id = _target(db, catalog, draft, user_id)
    order = _check_order(catalog, draft)
    lock_names(db, [f"alerts:{user_id}"])
    count = db.scalar(select(func.count()).select_from(Alert).where(Alert.user_id == user_id))
    if (count or 0) >= MAX_ALERTS:
        raise Conflict(f"you have {MAX_ALERTS} alerts, the most allowed; delete one first")
    now = clock.now()
    row = Alert(
        user_id=user_id,
        name=draft.name,
        symbol=symbol,
        watchlist_id=watchlist_id,
        timeframe=draft.timeframe,
        condition=draft.condition,
        repeat=draft.repeat,
        cooldown_secs=draft.cooldown_secs,
        order=order,
        order_action=draft.order_action,
        confirm_within_mins=draft.confirm_within_mins if draft.order_action == "confirm" else None,
        status=ACTIVE,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.commit()
    return row


def listing(db: Session, *, user_id: int, limit: int, offset: int) -> list[Alert]:
    """The user's alerts, newest first."""
    query = owned(Alert, user_id=user_id).order_by(Alert.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))


def get(db: Session, alert_id: int, *, user_id: int) -> Alert:
    """One of the user's alerts (404 for anyone else's)."""
    return get_owned(db, Alert, alert_id, user_id=user_id, label="alert")


def update(db: Session, alert_id: int, change: AlertChange, *, clock: Clock, user_id: int) -> Alert:
    """Pause, resume (a fired once-alert too), rename or change the rule (commits)."""
    row = get(db, alert_id, user_id=user_id)
    if change.condition is not None:
        parse_condition(change.condition)
        row.condition = change.condition
    if change.status is not None:
        row.status = change.status
    if change.name is not None:
        row.name = change.name
    if change.repeat is not None:
        row.repeat = change.repeat
    if change.cooldown_secs is not None:
        row.cooldown_secs = change.cooldown_secs
    row.updated_at = clock.now()
    db.commit()
    return row


def delete(db: Session, alert_id: int, *, user_id: int) -> None:
    """Delete an alert and its history (commits)."""
    db.delete(get(db, alert_id, user_id=user_id))
    db.commit()


def fires(
    db: Session, *, user_id: int, alert_id: int | None, limit: int, offset: int
) -> list[AlertFire]:
    """The user's fires, newest first (of one alert, when named: 404 if not theirs)."""
    query = owned(AlertFire, user_id=user_id)
    if alert_id is not None:
        get(db, alert_id, user_id=user_id)
        query = query.where(AlertFire.alert_id == alert_id)
    query = query.order_by(AlertFire.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))


def cooled(db: Session, alert: Alert, symbol: str, now: datetime) -> bool:
    """Whether the alert may fire on `symbol` again: its last fire there is a cool-down
    old (or there is none)."""
    last = db.scalar(
        select(func.max(AlertFire.fired_at)).where(
            AlertFire.alert_id == alert.id, AlertFire.symbol == symbol
        )
    )
    return last is None or (now - last).total_seconds() >= alert.cooldown_secs


def fires_after(db: Session, *, user_id: int, after_id: int, limit: int) -> list[AlertFire]:
    """The user's fires after ``after_id``, oldest first: what the local agent has not yet
    told (it keeps the last id it saw)."""
    query = (
        owned(AlertFire, user_id=user_id)
        .where(AlertFire.id > after_id)
        .order_by(AlertFire.id)
        .limit(limit)
    )
    return list(db.scalars(query))
