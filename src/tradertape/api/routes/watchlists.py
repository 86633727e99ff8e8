"""Watchlists: the market watch's saved lists, per user (`services.market.watchlists`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.routes.instruments import CatalogDep
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.watchlists import WatchlistIn, WatchlistOut, WatchlistPatch
from tradertape.db.models.watchlists import Watchlist
from tradertape.errors import InvalidField
from tradertape.services.market import watchlists

router = APIRouter(tags=["watchlists"])


def _out(row: Watchlist) -> WatchlistOut:
    return WatchlistOut.model_validate(row, from_attributes=True)


@router.get("/watchlists", response_model=list[WatchlistOut])
def list_watchlists(
    user: CurrentUser, runtime: RuntimeDep, db: DbDep, page: PageDep
) -> list[WatchlistOut]:
    """Your lists, oldest first (at most 50). With none yet, a first list of liquid NSE
    stocks is made for you."""
    rows = watchlists.listing(
        db, clock=runtime.clock, user_id=user.id, limit=page.limit, offset=page.offset
    )
    return [_out(row) for row in rows]


@router.post("/watchlists", response_model=WatchlistOut, status_code=status.HTTP_201_CREATED)
def create_watchlist(
    body: WatchlistIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep, catalog: CatalogDep
) -> WatchlistOut:
    """A new list; an unknown or repeated instrument is a 422 naming the item, a 51st list
    a 409."""
    row = watchlists.create(
        db, catalog, clock=runtime.clock, user_id=user.id, name=body.name, items=body.items
    )
    return _out(row)


@router.get("/watchlists/{watchlist_id}", response_model=WatchlistOut)
def get_watchlist(watchlist_id: RowId, user: CurrentUser, db: DbDep) -> WatchlistOut:
    """One of your lists."""
    return _out(watchlists.get(db, watchlist_id, user_id=user.id))


@router.patch("/watchlists/{watchlist_id}", response_model=WatchlistOut)
def update_watchlist(
    watchlist_id: RowId,
    body: WatchlistPatch,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    catalog: CatalogDep,
) -> WatchlistOut:
    """Rename a list and/or replace its items; ``items`` is the whole list in its new order
    (add, remove and reorder are all this one call)."""
    if body.id is not None and body.id != watchlist_id:
        raise InvalidField("id", f"the body is watchlist {body.id}; the path names {watchlist_id}")
    change = watchlists.WatchlistChange(name=body.name, items=body.items)
    row = watchlists.update(db, catalog, watchlist_id, change, clock=runtime.clock, user_id=user.id)
    return _out(row)


@router.delete("/watchlists/{watchlist_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_watchlist(watchlist_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a list."""
    watchlists.delete(db, watchlist_id, user_id=user.id)
