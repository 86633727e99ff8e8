"""What agent keys and worker tokens share: issue, rotate, revoke and look up by secret.

The raw secret is returned once and never stored; the row keeps its SHA-256 and a
short prefix so a masked list can tell keys apart. `BearerRegistry` holds the whole
owner-scoped life cycle for one table, so each kind only adds how it is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tradertape.db.models.accounts import User
from tradertape.db.models.keys import BearerSecret
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded, loaded_columns, table_of
from tradertape.errors import InvalidField, Unauthenticated
from tradertape.ports.clock import Clock
from tradertape.security.tokens import new_secret, sha256_hex
from tradertape.services.accounts.ownership import get_owned, owned

_TOUCH_EVERY = timedelta(minutes=1)
_PREFIX_CHARS = 4


R = TypeVar("R", bound=BearerSecret)


@dataclass(frozen=True, slots=True)
class Issued(Generic[R]):
    """A row and its raw secret, which is shown this once."""

    row: R
    secret: str


def assign_secret(row: BearerSecret, *, kind_prefix: str) -> str:
    """Give `row` a fresh secret and return it (the only time it is seen)."""
    secret = new_secret(kind_prefix)
    row.secret_hash = sha256_hex(secret)
    row.prefix = secret[: len(kind_prefix) + _PREFIX_CHARS]
    return secret


def masked(row: BearerSecret) -> str:
    """The displayable form, e.g. ``zt_Ab3d…``."""
    return f"{row.prefix}…"


class BearerRegistry(Generic[R]):
    """Owner-scoped list, get, revoke, regenerate and authenticate for one bearer table."""

    def __init__(
        self,
        model: type[R],
        *,
        kind_prefix: str,
        label: str,
        newest_first: InstrumentedAttribute[Any],
    ) -> None:
        self.model = model
        self.kind_prefix = kind_prefix
        self.label = label
        self._order = newest_first
        # Prepared once, the row made an ORM row by `loaded`: every worker and agent request
        # runs one, and the ORM's query machinery cost more than the statement.
        self._mapped: Any = cast(Any, model)  # mapped (the mixin `BearerSecret` is not)
        table, users = table_of(self._mapped), table_of(User)
        columns = loaded_columns(self._mapped)
        by_digest = table.c.secret_hash == bindparam("digest")
        self._by_digest = Prepared(select(*columns).where(by_digest))
        self._with_owner = Prepared(
            select(*columns, users.c.is_active)
            .join(users, users.c.id == table.c.user_id)
            .where(by_digest)
        )

    def issue(self, db: Session, row: R) -> Issued[R]:
        """Store a new row with a fresh secret (commits)."""
        secret = assign_secret(row, kind_prefix=self.kind_prefix)
        db.add(row)
        db.commit()
        return Issued(row=row, secret=secret)

    def list_for(self, db: Session, *, user_id: int, limit: int, offset: int) -> list[R]:
        """The user's rows, newest first, revoked ones included (they show as revoked)."""
        query = owned(self.model, user_id=user_id).order_by(self._order.desc())
        return list(db.scalars(query.limit(limit).offset(offset)))

    def get(self, db: Session, *, user_id: int, row_id: object) -> R:
        """One of the user's rows (404 if missing or someone else's)."""
        return get_owned(db, self.model, row_id, user_id=user_id, label=self.label)

    def revoke(self, db: Session, *, clock: Clock, user_id: int, row_id: object) -> R:
        """Revoke for good (idempotent); commits."""
        row = self.get(db, user_id=user_id, row_id=row_id)
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            db.commit()
        return row

    def regenerate(self, db: Session, *, clock: Clock, user_id: int, row_id: object) -> Issued[R]:
        """New secret, same row and grants; the old secret stops working at once."""
        row = self.get(db, user_id=user_id, row_id=row_id)
        if row.revoked_at is not None:
            raise InvalidField("id", f"a revoked {self.label} cannot be regenerated; create one")
        secret = assign_secret(row, kind_prefix=self.kind_prefix)
        row.rotated_at = clock.now()
        db.commit()
        return Issued(row=row, secret=secret)

    def authenticate(self, db: Session, *, clock: Clock, secret: str) -> R:
        """The unrevoked row for `secret`, marked used; 401 when unknown or revoked."""
        found = self._by_digest.first(db, {"digest": sha256_hex(secret)})
        row: R | None = None if found is None else loaded(db, self._mapped, found)
        return self._admit(db, row, clock=clock)

    def authenticate_with_owner(self, db: Session, *, clock: Clock, secret: str) -> tuple[R, bool]:
        """`authenticate`, and whether the owner's account is active, in one query."""
        found = self._with_owner.first(db, {"digest": sha256_hex(secret)})
        if found is None:
            return self._admit(db, None, clock=clock), False
        row: R = loaded(db, self._mapped, found[:-1])
        return self._admit(db, row, clock=clock), bool(found[-1])

    def _admit(self, db: Session, row: R | None, *, clock: Clock) -> R:
        if row is None or row.revoked_at is not None:
            raise Unauthenticated(f"invalid or revoked {self.label}")
        now = clock.now()
        if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
            row.last_used_at = now
            db.commit()
        return row
