"""The audit trail's keys: which ids were issued (`audit_keys`), and each id's key.

A key is derived from the server secret and its id (`security.keys.derive_key`), so it is
never in the database: whoever can write the tables still cannot sign an entry. Rotation
issues the next id (`tradertape audit rotate-key`); new entries are signed by the newest id
within `REFRESH` of its issue in every process, and every id ever issued still checks its
own entries. Rotating retires a key that was handed out or leaked; a leaked server secret
needs a new secret (and the trail's anchors, which still hold what was signed before).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.models import AuditKey
from tradertape.domain.audit_chain import KeyOf
from tradertape.ports.clock import Clock
from tradertape.security.keys import derive_key

REFRESH = timedelta(seconds=60)  # how soon another process's rotation is followed


class AuditKeys:
    """The trail's keyring for one process: the newest id (re-read every `REFRESH`), and
    each id's key (derived once)."""

    def __init__(self, secret: str, *, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock
        self._keys: dict[int, bytes] = {}
        self._current: tuple[int, datetime] | None = None

    def key(self, key_id: int) -> bytes:
        """The key of `key_id` (derived from the secret; no database read)."""
        key = self._keys.get(key_id)
        if key is None:
            key = self._keys[key_id] = derive_key(self._secret, f"audit-chain/{key_id}")
        return key

    def current(self, db: Session) -> int:
        """The id new entries are signed with: the newest issued (1 when none is recorded:
        verification then names the gap)."""
        now = self._clock.now()
        if self._current is None or now - self._current[1] >= REFRESH or now < self._current[1]:
            newest = db.scalar(select(func.max(AuditKey.id)))
            self._current = (newest or 1, now)
        return self._current[0]

    def key_of(self, db: Session) -> KeyOf:
        """What `first_break` checks keyed entries with: the key of an issued id, None for
        an id that was never issued."""
        issued = {1, *db.scalars(select(AuditKey.id))}  # key 1 always: the first one
        return lambda key_id: self.key(key_id) if key_id in issued else None

    def rotate(self, db: Session, *, reason: str) -> int:
        """Issue the next key id (committed by the caller); this process signs with it now."""
        newest = db.scalar(select(func.max(AuditKey.id))) or 1  # key 1 is always issued
        now = self._clock.now()
        db.add(AuditKey(id=newest + 1, issued_at=now, reason=reason[:200]))
        db.flush()
        self._current = (newest + 1, now)
        return newest + 1
