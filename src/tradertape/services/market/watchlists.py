"""Watchlists: each user's named, ordered instrument lists (the market watch's rows).

Items are Kite instrument keys (``NSE:INFY``) checked against the catalog and stored in
its spelling, so what a list reads back is what it accepts. A user has at most
`MAX_LISTS` lists of at most `MAX_ITEMS` items (Kite's own limits are of that size); a user
without any list gets `DEFAULT_NAME`, filled with a few liquid NSE stocks, on first read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models.watchlists import Watchlist
from tradertape.domain.instruments import InstrumentCatalog, UnknownInstrumentError
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.services.accounts.ownership import get_owned, owned

MAX_LISTS = 50
MAX_ITEMS = 250
DEFAULT_NAME = "Watchlist 1"
# Liquid NIFTY 50 members: the shipped catalog and the demo's history both have them.
DEFAULT_ITEMS = (
    "NSE:RELIANCE",
    "NSE:HDFCBANK",
    "NSE:ICICIBANK",
    "NSE:INFY",
    "NSE:TCS",
    "NSE:SBIN",
    "NSE:BHARTIARTL",
    "NSE:ITC",
    "NSE:LT",
)


@dataclass(frozen=True, slots=True)
class WatchlistChange:
    """A PATCH: the fields given (None: keep)."""

    name: str | None = None
    items: Sequence[str] | None = None


def _lock(db: Session, user_id: int) -> None:
    """Serialise a user's check-then-insert (the first read's default, the count cap)."""
    lock_names(db, [f"watchlists:{user_id}"])


def _count(db: Session, user_id: int) -> int:
    query = select(func.count()).select_from(Watchlist).where(Watchlist.user_id == user_id)
    return db.scalar(query) or 0


def check_items(catalog: InstrumentCatalog, items: Sequence[str]) -> list[str]:
    """The catalog's keys for `items`, in order; 422 naming the first unknown or repeated."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        field = f"items[{index}]"
        if ":" not in item:
            raise InvalidField(field, f"'{item}' is not EXCHANGE:SYMBOL (e.g. NSE:INFY)")
        try:
            key = catalog.get(item).key
        except UnknownInstrumentError as exc:
            raise InvalidField(field, str(exc)) from exc
        if key in seen:
            raise InvalidField(field, f"{key} is already in the list at items[{seen[key]}]")
        seen[key] = index
        keys.append(key)
    return keys


def listing(db: Session, *, clock: Clock, user_id: int, limit: int, offset: int) -> list[Watchlist]:
    """The user's lists, oldest first; the default list is made for a user who has none."""
    query = owned(Watchlist, user_id=user_id).order_by(Watchlist.id)
    rows = list(db.scalars(query.limit(limit).offset(offset)))
    if rows or offset or _count(db, user_id):
        return rows
    _lock(db, user_id)
    if not _count(db, user_id):  # another request may have made it while this one waited
        now = clock.now()
        default = Watchlist(
            user_id=user_id,
            name=DEFAULT_NAME,
            items=list(DEFAULT_ITEMS),
            created_at=now,
            updated_at=now,
        )
        db.add(default)
    db.commit()
    return list(db.scalars(query.limit(limit)))


def create(
    db: Session,
    catalog: InstrumentCatalog,
    *,
    clock: Clock,
    user_id: int,
    name: str,
    items: Sequence[str],
) -> Watchlist:
    """A new list (commits); 409 once the user has `MAX_LISTS`."""
    keys = check_items(catalog, items)
    _lock(db, user_id)
    if _count(db, user_id) >= MAX_LISTS:
        raise Conflict(f"you have {MAX_LISTS} watchlists, the most allowed; delete one first")
    now = clock.now()
    row = Watchlist(user_id=user_id, name=name, items=keys, created_at=now, updated_at=now)
    db.add(row)
    db.commit()
    return row


def get(db: Session, watchlist_id: int, *, user_id: int) -> Watchlist:
    """One of the user's lists (404 if missing or someone else's)."""
    return get_owned(db, Watchlist, watchlist_id, user_id=user_id, label="watchlist")


def update(
    db: Session,
    catalog: InstrumentCatalog,
    watchlist_id: int,
    change: WatchlistChange,
    *,
    clock: Clock,
    user_id: int,
) -> Watchlist:
    """Rename a list and/or replace its items in their new order (commits)."""
    row = get(db, watchlist_id, user_id=user_id)
    if change.items is not None:
        row.items = check_items(catalog, change.items)
    if change.name is not None:
        row.name = change.name
    row.updated_at = clock.now()
    db.commit()
    return row


def delete(db: Session, watchlist_id: int, *, user_id: int) -> None:
    """Delete a list (commits); the next read of none makes the default again."""
    db.delete(get(db, watchlist_id, user_id=user_id))
    db.commit()
