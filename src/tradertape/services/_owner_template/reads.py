"""A template owner's reads for its routes: its orders, by owner."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order
from tradertape.domain.owners import Owner


def orders_of(db: Session, user_id: int, owner: Owner) -> Sequence[Order]:
    """The user's orders of `owner`, newest first (its columns; never the orders' tags)."""
    query = (
        select(Order)
        .where(Order.user_id == user_id, Order.owned_by(owner))
        .order_by(Order.id.desc())
    )
    return db.scalars(query).all()
