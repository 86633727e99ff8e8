"""The notification outbox: events worth telling a user about, written in the transaction of
what caused them (no commit here) and delivered later by a sender (`tradertape.telegram`).

Kinds: ``signals_ready`` (a scan with entries or exits), ``auto_place`` (an auto-placed
signal: placed, or failed with the broker's error), ``fill`` (a position opened or closed,
with its P&L), ``risk_breach`` (a risk event), ``drift`` (holdings the broker does not cover),
``briefing`` (the morning briefing, once per day: `notifications.briefing`),
``linked`` (a chat was just linked: tells that chat so, `notifications.chats`),
``job_failure`` (a background job stopped trying one of the user's items: `background.guard`),
``alert`` (an alert fired, with its price and its order's outcome: `services.alerts`),
``webhook`` (a webhook placed orders: `services.webhooks`),
``broker_session`` (a broker session to log in to again: `services.brokers.session_watch`),
``feed_stale`` (the market feed went quiet in market hours: `services.market.feed_notice`),
``unwind_stuck`` (a halted basket's leg its broker keeps not cancelling:
`services.baskets.unwind`),
``assistant_order`` (an assistant's live order waits for the user's confirmation, with its
preview; a linked chat's message carries Confirm / Refuse: `services.assistant`),
``rejected`` (a broker refused an order) and ``gtt_triggered`` (a GTT fired): those two, and
the ``fill`` of an order no portfolio placed, are written from the OMS's events
(`notifications.orders`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, ModelPosition, ModelSignal, Notification, RiskEvent
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of, value_keys
from tradertape.domain.instrument_names import instrument_label
from tradertape.domain.money import inr

TOP_SIGNALS = 5  # signals named in a ``signals_ready`` message


class Kind(StrEnum):
    """What a notification is about."""

    SIGNALS_READY = "signals_ready"
    AUTO_PLACE = "auto_place"
    FILL = "fill"
    RISK_BREACH = "risk_breach"
    DRIFT = "drift"
    BRIEFING = "briefing"
    LINKED = "linked"
    JOB_FAILURE = "job_failure"  # written by `background.guard` (its KIND)
    ALERT = "alert"
    WEBHOOK = "webhook"
    BROKER_SESSION = "broker_session"  # `services.brokers.session_watch`: log in again
    FEED_STALE = "feed_stale"  # `services.market.feed_notice`: the market feed went quiet
    REJECTED = "rejected"  # `notifications.orders`: a broker refused an order
    GTT_TRIGGERED = "gtt_triggered"  # `notifications.orders`: a GTT fired
    UNWIND_STUCK = "unwind_stuck"  # `services.baskets.unwind`: a leg's cancel keeps failing
    ASSISTANT_ORDER = "assistant_order"  # `services.assistant.confirmations`: confirm or refuse


def add(
    db: Session,
    *,
    user_id: int,
    kind: Kind,
    text: str,
    at: datetime,
    portfolio_id: int | None = None,
    payload: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Notification:
    """Add one notification to the session (the caller's commit stores it); with an
    ``idempotency_key``, a second one of the user's with that key fails the commit."""
    row = Notification(
        user_id=user_id,
        kind=kind.value,
        portfolio_id=portfolio_id,
        text=text,
        payload=payload or {},
        created_at=at,
        attempts=0,
        idempotency_key=idempotency_key,
    )
    db.add(row)
    return row


_NEW_NOTICE = Prepared(insert(table_of(Notification)), keys=value_keys(Notification))
_NO_NOTICE = dict.fromkeys(value_keys(Notification))  # a column not given is NULL


def add_now(
    db: Session,
    *,
    user_id: int,
    kind: Kind,
    text: str,
    at: datetime,
    portfolio_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """As `add`, but inserted by precompiled SQL in the session's transaction (on
    PostgreSQL it rides with the next statement or the commit), not through the unit of
    work, which costs a hot path (a webhook's order, a scan's fills) more than the INSERT.
    Its values go straight to the statement: no mapped object is built for them (issue 69).
    """
    values = {
        **_NO_NOTICE,
        "user_id": user_id,
        "kind": kind._value_,  # the member's own field: `.value` is a Python-level property
        "portfolio_id": portfolio_id,
        "text": text,
        "payload": payload or {},
        "created_at": at,
        "attempts": 0,
    }
    _NEW_NOTICE.execute(db, values)


def signal_line(signal: ModelSignal) -> str:
    """One signal, as a line of a message."""
    rank = f"#{signal.conviction_rank} " if signal.conviction_rank else ""
    price = signal.trigger_price or signal.close_price
    reason = f" ({signal.reason})" if signal.reason and signal.signal_type != "entry" else ""
    return (
        f"{rank}{signal.signal_type.upper()} {signal.side} {signal.quantity} "
        f"{instrument_label(signal.symbol)} @ {price}{reason}"
    )


def signals_ready(
    db: Session,
    portfolio: ModelPortfolio,
    *,
    entries: list[int],
    addons: list[int],
    exits: list[int],
    at: datetime,
    written: Sequence[ModelSignal] = (),
) -> None:
    """After a scan that produced entries, add-ons or exits: counts and the top signals.

    ``written``: the scan's signals in this session, so the ones named need no read back.
    Written by precompiled SQL (`add_now`), as the other notices of a scan's day are."""
    ids = [*exits, *entries, *addons]
    if not ids:
        return
    rows = {s.id: s for s in written}
    if any(i not in rows for i in ids[:TOP_SIGNALS]):
        rows = {s.id: s for s in db.scalars(select(ModelSignal).where(ModelSignal.id.in_(ids)))}
    top = [rows[i] for i in ids[:TOP_SIGNALS] if i in rows]
    counts = {"entries": len(entries), "addons": len(addons), "exits": len(exits)}
    text = "\n".join(
        [
            f"📈 {portfolio.name}: {len(entries)} entries, {len(addons)} add-ons, "
            f"{len(exits)} exits",
            *(signal_line(s) for s in top),
        ]
    )
    add_now(
        db,
        user_id=portfolio.user_id,
        kind=Kind.SIGNALS_READY,
        text=text,
        at=at,
        portfolio_id=portfolio.id,
        payload={"counts": counts, "signal_ids": [s.id for s in top], "all_ids": ids},
    )


def auto_placed(
    db: Session, portfolio: ModelPortfolio, signal: ModelSignal, *, error: str | None, at: datetime
) -> None:
    """The outcome of auto-placing one signal (the broker's error when it failed)."""
    outcome = f"failed: {error}" if error else "placed"
    add_now(
        db,
        user_id=portfolio.user_id,
        kind=Kind.AUTO_PLACE,
        text=f"🤖 {portfolio.name}: {signal_line(signal)} — {outcome}",
        at=at,
        portfolio_id=portfolio.id,
        payload={"signal_id": signal.id, "placed": error is None, "error": error},
    )


def fill_text(
    portfolio: ModelPortfolio,
    position: ModelPosition,
    *,
    opened: bool,
    realised: Decimal | None = None,
) -> str:
    """The message of a fill: ``🏁 V1: sold INFY, 10 @ 1500 (rule), P&L −₹3,672.67``
    (`realised`: what the close realised, as the ledger's trades say, `position_money`)."""
    if opened:
        return (
            f"✅ {portfolio.name}: bought {instrument_label(position.symbol)}, "
            f"{position.quantity} @ {position.entry_price}"
        )
    pnl = inr(realised, signed=True)
    return (
        f"🏁 {portfolio.name}: sold {instrument_label(position.symbol)}, {position.quantity} @ "
        f"{position.exit_price} ({position.exit_reason}), P&L {pnl}"
    )


def filled(
    db: Session,
    portfolio: ModelPortfolio,
    position: ModelPosition,
    *,
    opened: bool,
    at: datetime,
    realised: Decimal | None = None,
) -> None:
    """A position opened (or added to) or closed, with the P&L a close `realised` (its
    exit's figure: the position row keeps none, `portfolios.position_money`)."""
    text = fill_text(portfolio, position, opened=opened, realised=realised)
    pnl = realised
    add_now(
        db,
        user_id=portfolio.user_id,
        kind=Kind.FILL,
        text=text,
        at=at,
        portfolio_id=portfolio.id,
        payload={
            "position_id": position.id,
            "event": "opened" if opened else "closed",
            "realised_pnl": None if pnl is None or opened else str(pnl),
        },
    )


def risk_breaches(db: Session, events: Iterable[RiskEvent]) -> list[Notification]:
    """One notification per risk event (a refused or warned-about entry)."""
    return [
        add(
            db,
            user_id=event.user_id,
            kind=Kind.RISK_BREACH,
            text=f"⚠️ Risk rule {event.rule_type} ({event.action}) on "
            f"{instrument_label(event.symbol)}: "
            f"{event.message}",
            at=event.at,
            portfolio_id=event.portfolio_id,
            payload={"rule_type": event.rule_type, "action": event.action, "symbol": event.symbol},
        )
        for event in events
    ]


# The payload of a portfolio's last drift notice: read by every reconciliation of every
# portfolio (each scan's day), nearly always to find none.
_LAST_DRIFT = Prepared(
    select(table_of(Notification).c.payload)
    .where(
        table_of(Notification).c.portfolio_id == bindparam("portfolio_id"),
        table_of(Notification).c.kind == Kind.DRIFT.value,
    )
    .order_by(table_of(Notification).c.id.desc())
    .limit(literal(1))
)


def drifted(
    db: Session, portfolio: ModelPortfolio, symbols: list[str], *, at: datetime
) -> Notification | None:
    """Drift, once per change: nothing when the last drift notice named the same symbols."""
    last = _LAST_DRIFT.scalar(db, {"portfolio_id": portfolio.id})
    before = list(last.get("symbols", [])) if last is not None else []
    if symbols == before:
        return None
    text = (
        f"🔀 {portfolio.name}: the broker does not hold "
        f"{', '.join(instrument_label(s) for s in symbols)}"
        if symbols
        else f"🔀 {portfolio.name}: drift resolved"
    )
    return add(
        db,
        user_id=portfolio.user_id,
        kind=Kind.DRIFT,
        text=text,
        at=at,
        portfolio_id=portfolio.id,
        payload={"symbols": symbols},
    )


def _listing(*, unread_only: bool) -> Prepared:
    table = table_of(Notification)
    query = select(*table.c).where(table.c.user_id == bindparam("user_id"))
    if unread_only:
        query = query.where(table.c.read_at.is_(None))
    query = query.order_by(table.c.id.desc())
    return Prepared(query.limit(bindparam("limit")).offset(bindparam("offset")))


# The bell's list, read on every open of it: prepared statements, as the ORM query of the
# same rows cost most of the read (bench/load.py --mode reads).
_LISTING = {unread: _listing(unread_only=unread) for unread in (False, True)}


def listing(
    db: Session, *, user_id: int, limit: int, offset: int, unread_only: bool = False
) -> list[Notification]:
    """The user's notifications, newest first (only the unread ones if asked), as rows to
    read (not attached to the session: a change to one is not saved)."""
    params = {"user_id": user_id, "limit": limit, "offset": offset}
    return _LISTING[unread_only].detached(db, Notification, params)
