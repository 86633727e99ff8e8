"""The durable mark of a basket that still owes an unwind (`db.models.BasketUnwind`).

`baskets.place_basket` opens it when a basket halts with a partner stored (before it asks
the broker to cancel anything, so a crash mid-unwind leaves the mark), and settles it when
nothing is left working or unexited; the trading loop's unwind (`baskets.unwind`) reads the
open marks on its timer, opens one for a late-refused basket whose partner's cancel missed,
and settles each once the basket owes nothing. The caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import BasketUnwind


def find(db: Session, user_id: int, basket: str) -> BasketUnwind | None:
    """The user's mark of `basket`, open or settled, if any."""
    return db.scalar(
        select(BasketUnwind).where(BasketUnwind.user_id == user_id, BasketUnwind.basket == basket)
    )


def mark(
    db: Session, *, user_id: int, broker: str, basket: str, reason: str, now: datetime
) -> None:
    """Open the basket's mark (a settled one is opened again); idempotent per basket."""
    row = find(db, user_id, basket)
    if row is not None:
        row.done_at = None
        return
    try:
        with db.begin_nested():  # a racing writer's row stands: one mark per basket
            db.add(
                BasketUnwind(
                    user_id=user_id, basket=basket, broker=broker, reason=reason, created_at=now
                )
            )
    except IntegrityError:
        row = find(db, user_id, basket)
        if row is not None:
            row.done_at = None


def settle(db: Session, *, user_id: int, basket: str, now: datetime) -> None:
    """The basket owes nothing more: its mark, if open, is done."""
    row = find(db, user_id, basket)
    if row is not None and row.done_at is None:
        row.done_at = now


def open_marks(db: Session) -> list[tuple[int, str, str]]:
    """Every open mark as (user, broker, basket), oldest first."""
    rows = db.execute(
        select(BasketUnwind.user_id, BasketUnwind.broker, BasketUnwind.basket)
        .where(BasketUnwind.done_at.is_(None))
        .order_by(BasketUnwind.id)
    ).all()
    return [(user_id, broker, basket) for user_id, broker, basket in rows]
