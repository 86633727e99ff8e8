"""Sliding-window counts kept in the database, so every server process shares them.

One mechanism for every limit: sign-in attempts (`services.accounts.ratelimit`) and the OMS's
per-client order-rate ceiling (`oms.order_rate`). A bucket's slots are rows of
``auth_attempts`` (bucket, at; indexed on both); a slot is taken under the bucket's named
lock in the caller's transaction, so concurrent takers (from any process) are decided one
at a time and a slot lands, or vanishes, with whatever the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Insert,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuthAttempt
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.db.types import UTCDateTime
from tradertape.domain.values import value_class

_ATTEMPTS = table_of(AuthAttempt)


def _in_window(prefix: str = "") -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A bucket's slots still in its window (parameters ``bucket`` and ``since``)."""
    return (
        _ATTEMPTS.c.bucket == bindparam(f"{prefix}bucket"),
        _ATTEMPTS.c.at > bindparam(f"{prefix}since", type_=UTCDateTime()),
    )


def taking(*, prefix: str = "", when: ColumnElement[bool] | None = None) -> Insert:
    """The statement that takes a slot only if it fits (it counts and inserts at once) and
    returns the slot's id: no row when the window is full. Its parameters are
    `SlotAsk.params` named with `prefix`; `when` is a further condition, so a caller's own
    statement can take the slot in a CTE (`oms.order_log`: only if the order was stored)."""

    def named(key: str, type_: Any = None) -> Any:
        return bindparam(f"{prefix}{key}", type_=type_)

    in_window = select(func.count()).where(*_in_window(prefix)).scalar_subquery()
    fits = or_(named("force", Boolean()), in_window < named("limit", Integer()))
    conditions = (fits,) if when is None else (when, fits)
    return (
        insert(_ATTEMPTS)
        .from_select(
            ["bucket", "at"],
            select(named("bucket"), named("now", UTCDateTime())).where(*conditions),
        )
        .returning(_ATTEMPTS.c.id)
    )


_TAKE = Prepared(taking())
_OLDEST = Prepared(select(func.min(_ATTEMPTS.c.at)).where(*_in_window()))
_PRUNE = Prepared(
    delete(_ATTEMPTS).where(
        _ATTEMPTS.c.bucket == bindparam("bucket"),
        _ATTEMPTS.c.at <= bindparam("since", type_=UTCDateTime()),
    )
)
PRUNE_EVERY = 16  # a bucket's spent slots go when a slot whose id is a multiple of this is taken


def bucket_lock(bucket: str) -> str:
    """The named lock (`db.locks`) a bucket's slots are counted under."""
    return f"ratelimit:{bucket}"


@value_class
class SlotAsk:
    """One of `bucket`'s `limit` slots in any `window`, asked for at `now`. ``force`` takes
    it even when the window is full (it still counts against later takers)."""

    bucket: str
    now: datetime
    limit: int
    window: timedelta
    force: bool = False

    @property
    def since(self) -> datetime:
        """Slots taken at or before this are spent."""
        return self.now - self.window

    def params(self, prefix: str = "") -> dict[str, Any]:
        """The parameters of `taking` (named with the same `prefix`)."""
        values = {
            "bucket": self.bucket,
            "now": self.now,
            "since": self.since,
            "force": self.force,
            "limit": self.limit,
        }
        return {f"{prefix}{key}": value for key, value in values.items()}


def take(session: Session, ask: SlotAsk) -> int | None:
    """The slot's id when it was taken, None when the window is full (no commit), under
    the bucket's lock; the caller `settle`s the answer."""
    lock_names(session, [bucket_lock(ask.bucket)])
    taken: int | None = _TAKE.scalar(session, ask.params())
    return taken


def settle(session: Session, ask: SlotAsk, taken: int | None) -> timedelta | None:
    """After a slot was asked for: None when it was `taken` (every `PRUNE_EVERY`-th slot
    taken also prunes the bucket's spent ones), else how long until the oldest slot in the
    window frees."""
    if taken is None:
        oldest = _OLDEST.scalar(session, {"bucket": ask.bucket, "since": ask.since})
        return (oldest or ask.now) + ask.window - ask.now
    if taken % PRUNE_EVERY == 0:
        _PRUNE.execute(session, {"bucket": ask.bucket, "since": ask.since})
    return None


def take_slot(session: Session, ask: SlotAsk) -> timedelta | None:
    """Take the slot `ask` names (no commit): None when it was taken, else how long until
    the oldest slot in the window frees (nothing is taken). Costs the lock and one
    statement on the ``(bucket, at)`` index (the count and the insert together); a refusal
    reads when the oldest slot frees. Spent slots count for nothing and are pruned now and
    then."""
    return settle(session, ask, take(session, ask))
