"""An alert fires: its fire is recorded with the price, its order placed or held for the
user's confirmation, and the user told (the bell and Telegram, whose message carries
Approve / Dismiss buttons while an order waits: `telegram.commands`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from tradertape.db.models import Alert, AlertFire
from tradertape.domain.instrument_names import instrument_label
from tradertape.domain.money import inr
from tradertape.errors import Conflict
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned
from tradertape.services.alerts.alerts import FIRED
from tradertape.services.alerts.placing import OrderTerms, Placed, Placer, basket_legs
from tradertape.services.notifications.events import Kind, add

NONE, PLACING, AWAITING = "none", "placing", "awaiting"
DISMISSED, EXPIRED = "dismissed", "expired"
_OUTCOME_WORDS = {
    "placed": "order placed",
    "rejected": "order rejected",
    "refused": "order refused",
    AWAITING: "order waits for your approval",
    "failed": "basket not placed",
    "partial": "basket partly placed",
    "unwound": "basket stopped and unwound",
}


def _text(alert: Alert, fire: AlertFire) -> str:
    line = f"🔔 {alert.name}: {instrument_label(fire.symbol)} at {inr(Decimal(fire.price))}"
    words = _OUTCOME_WORDS.get(fire.order_status)
    if words is None:
        return line
    tail = f" ({fire.order_message})" if fire.order_message else ""
    return f"{line} — {words}{tail}"


def _tell(db: Session, alert: Alert, fire: AlertFire, now: datetime) -> None:
    add(
        db,
        user_id=alert.user_id,
        kind=Kind.ALERT,
        text=_text(alert, fire),
        at=now,
        payload={
            "alert_id": alert.id,
            "fire_id": fire.id,
            "symbol": fire.symbol,
            "price": fire.price,
            "order_status": fire.order_status,
            "order_id": fire.order_id,
        },
    )


def _placed(fire: AlertFire, placed: Placed) -> None:
    fire.order_status = placed.outcome
    fire.order_id = placed.order_id
    fire.order_message = placed.message


def _place(db: Session, placer: Placer, alert: Alert, fire: AlertFire) -> None:
    """Place the fire's order or basket (a held fire's approval places the whole basket)."""
    assert alert.order is not None
    key = f"alert:{fire.id}"  # a fire places at most one order (or basket), whoever retries
    attribution = {"alert_id": alert.id, "alert_fire_id": fire.id}
    legs = basket_legs(alert.order)
    if not legs:
        _placed(
            fire,
            placer.place(
                db,
                user_id=alert.user_id,
                key=fire.symbol,
                terms=OrderTerms.of(alert.order),
                client_key=key,
                source="alert",
                attribution=attribution,
            ),
        )
        return
    basket = placer.place_basket(
        db,
        user_id=alert.user_id,
        key=fire.symbol,
        legs=legs,
        client_key=key,
        source="alert",
        attribution=attribution,
    )
    fire.order_status, fire.order_id = basket.outcome, basket.order_id
    fire.order_message, fire.legs = basket.message, basket.legs


def fire(
    db: Session, placer: Placer, alert: Alert, *, symbol: str, price: Decimal, now: datetime
) -> AlertFire:
    """Record one fire (commits), place or hold its order, and tell the user."""
    confirm = alert.order is not None and alert.order_action == "confirm"
    status = NONE if alert.order is None else (AWAITING if confirm else PLACING)
    minutes = alert.confirm_within_mins or 0
    row = AlertFire(
        user_id=alert.user_id,
        alert_id=alert.id,
        symbol=symbol,
        price=str(price),
        fired_at=now,
        order_status=status,
        expires_at=now + timedelta(minutes=minutes) if confirm else None,
    )
    db.add(row)
    alert.last_fired_at = now
    if alert.repeat == "once":
        alert.status = FIRED
    db.commit()  # the fire stands whatever its order does
    if status == PLACING:
        _place(db, placer, alert, row)
    _tell(db, alert, row, now)
    db.commit()
    return row


_TOO_LATE = {  # what the loser of a decision is told, by the state the winner left
    DISMISSED: "this fire was dismissed: its order was not placed",
    EXPIRED: "this fire's order expired before it was approved: nothing was placed",
    PLACING: "this fire's order was approved and is being placed",
}


def _decide(db: Session, fire_id: int, *, to: str, now: datetime, user_id: int) -> AlertFire:
    """Move the user's held fire from awaiting to `to` (commits): one compare-and-set, so of
    a confirm, a dismiss and the expiry racing for one fire exactly one wins and the others
    get a 409 saying what became of it (a 404 for a fire that is not the user's)."""
    won = db.execute(
        update(AlertFire)
        .where(
            AlertFire.id == fire_id,
            AlertFire.user_id == user_id,
            AlertFire.order_status == AWAITING,
            or_(AlertFire.expires_at.is_(None), AlertFire.expires_at > now),
        )
        .values(order_status=to, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(won, "rowcount", 0) or 0) == 1:
        db.commit()
        row = db.get(AlertFire, fire_id, populate_existing=True)
        assert row is not None
        return row
    db.rollback()
    row = get_owned(db, AlertFire, fire_id, user_id=user_id, label="alert fire")
    if row.order_status == AWAITING:  # held past its expiry: it expires now (if still held)
        expire_due(db, now, fire_id=fire_id)
        db.refresh(row)
    if row.order_status in _TOO_LATE:
        raise Conflict(_TOO_LATE[row.order_status])
    raise Conflict(f"this fire's order is {row.order_status}, not waiting for approval")


def confirm(db: Session, placer: Placer, fire_id: int, *, clock: Clock, user_id: int) -> AlertFire:
    """Place a held order (commits); 409 once it was decided or expired."""
    row = _decide(db, fire_id, to=PLACING, now=clock.now(), user_id=user_id)
    alert = db.get(Alert, row.alert_id)
    assert alert is not None  # (the fire goes with its alert)
    _place(db, placer, alert, row)
    db.commit()
    return row


def dismiss(db: Session, fire_id: int, *, clock: Clock, user_id: int) -> AlertFire:
    """Drop a held order (commits); 409 once it was decided or expired."""
    return _decide(db, fire_id, to=DISMISSED, now=clock.now(), user_id=user_id)


def expire_due(db: Session, now: datetime, *, fire_id: int | None = None) -> int:
    """Mark every held order past its expiry expired (commits; one fire's, when given);
    how many. The same compare-and-set as a decision: a fire confirmed or dismissed first
    stays so."""
    due = update(AlertFire).where(AlertFire.order_status == AWAITING, AlertFire.expires_at <= now)
    if fire_id is not None:
        due = due.where(AlertFire.id == fire_id)
    done = db.execute(
        due.values(order_status=EXPIRED, decided_at=now).execution_options(
            synchronize_session=False
        )
    )
    db.commit()
    return int(getattr(done, "rowcount", 0) or 0)


class Decisions:
    """Approve / Dismiss from the Telegram bot (`telegram.commands`)."""

    def __init__(self, placer: Placer, clock: Clock) -> None:
        self._placer = placer
        self._clock = clock

    def decide(self, db: Session, fire_id: int, *, approve: bool, user_id: int) -> str:
        """Place or drop the held order; a line for the button's toast."""
        if approve:
            row = confirm(db, self._placer, fire_id, clock=self._clock, user_id=user_id)
            return f"{instrument_label(row.symbol)}: order {row.order_status}"
        row = dismiss(db, fire_id, clock=self._clock, user_id=user_id)
        return f"{instrument_label(row.symbol)}: dismissed"
