"""Live orders an assistant asked for, each waiting for the user's click in the web app.

An assistant key with the ``live`` scope never places a live order itself: its request is
stored here as it was asked (``pending``), the assistant is told it waits for the user's
confirmation, and the web app shows it with its preview. The user confirms it (it is then
placed through the one order pipeline, as if from the order ticket: risk rules, the kill
switch, SEBI's ceiling, the live-trading switches) or declines it. Either is final.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import AssistantConfirmation
from tradertape.errors import Conflict
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned

PENDING = "pending"
PLACED = "placed"
DECLINED = "declined"
WAITING = "waiting for your confirmation"


def ask(
    db: Session,
    *,
    clock: Clock,
    user_id: int,
    key_id: int,
    key_name: str,
    order: dict[str, Any],
) -> AssistantConfirmation:
    """Store a live order to be confirmed (commits)."""
    row = AssistantConfirmation(
        user_id=user_id,
        key_id=key_id,
        key_name=key_name,
        order=order,
        status=PENDING,
        created_at=clock.now(),
    )
    db.add(row)
    db.commit()
    return row


def listed(
    db: Session, *, user_id: int, pending_only: bool, limit: int, offset: int
) -> list[AssistantConfirmation]:
    """The user's asked-for orders, newest first."""
    query = owned(AssistantConfirmation, user_id=user_id)
    if pending_only:
        query = query.where(AssistantConfirmation.status == PENDING)
    query = query.order_by(AssistantConfirmation.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))


def pending(db: Session, *, user_id: int, row_id: int) -> AssistantConfirmation:
    """One of the user's orders still waiting (404 if not theirs, 409 if decided)."""
    row = get_owned(db, AssistantConfirmation, row_id, user_id=user_id, label="confirmation")
    if row.status != PENDING:
        raise Conflict(f"confirmation {row_id} is already {row.status}")
    return row


def decide(
    db: Session,
    row: AssistantConfirmation,
    *,
    clock: Clock,
    status: str,
    order_id: str | None = None,
    message: str | None = None,
) -> AssistantConfirmation:
    """Record the user's decision (commits)."""
    row.status = status
    row.order_id = order_id
    row.message = None if message is None else message[:500]
    row.decided_at = clock.now()
    db.commit()
    return row


def status_of(db: Session, *, user_id: int, row_id: int) -> AssistantConfirmation:
    """One of the user's asked-for orders, whatever its status (404 if not theirs)."""
    return get_owned(db, AssistantConfirmation, row_id, user_id=user_id, label="confirmation")
