"""What agent keys and worker tokens share: issue, rotate, revoke and look up by secret.

The raw secret is returned once and never stored; the row keeps its SHA-256 and a
short prefix so a masked list can tell keys apart.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models.keys import BearerSecret
from tradertape.ports.clock import Clock
from tradertape.security.tokens import new_secret, sha256_hex

_TOUCH_EVERY = timedelta(minutes=1)
_PREFIX_CHARS = 4


R = TypeVar("R", bound=BearerSecret)


def assign_secret(row: BearerSecret, *, kind_prefix: str) -> str:
    """Give `row` a fresh secret and return it (the only time it is seen)."""
    secret = new_secret(kind_prefix)
    row.secret_hash = sha256_hex(secret)
    row.prefix = secret[: len(kind_prefix) + _PREFIX_CHARS]
    return secret


def masked(row: BearerSecret) -> str:
    """The displayable form, e.g. ``zt_Ab3d…``."""
    return f"{row.prefix}…"


def rotate(db: Session, row: BearerSecret, *, clock: Clock, kind_prefix: str) -> str:
    """Replace the secret (the old one stops working at once); commits."""
    secret = assign_secret(row, kind_prefix=kind_prefix)
    row.rotated_at = clock.now()
    db.commit()
    return secret


def revoke(db: Session, row: BearerSecret, *, clock: Clock) -> None:
    """Revoke for good (idempotent); commits."""
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        db.commit()


def find_live(db: Session, model: type[R], secret: str, *, clock: Clock) -> R | None:
    """The unrevoked row for `secret`, marking it used; `None` when unknown or revoked."""
    row = db.scalar(select(model).where(model.secret_hash == sha256_hex(secret)))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        row.last_used_at = now
        db.commit()
    return row
