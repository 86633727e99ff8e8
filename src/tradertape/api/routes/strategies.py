"""The strategy library: list, create, read, replace, delete, fork, share, versions, schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from tradertape.api.deps import CurrentUser, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.numbers import RowId
from tradertape.api.schemas.strategies import (
    StrategyCreate,
    StrategyDraftOut,
    StrategyFork,
    StrategyOut,
    StrategyReplace,
    StrategySchemaOut,
    StrategyShare,
    StrategyVersionOut,
    strategy_out,
)
from tradertape.db.models import StrategyVersion
from tradertape.errors import InvalidField
from tradertape.services.research import strategies
from tradertape.strategies.schema import blank_document, strategy_schema

router = APIRouter(prefix="/strategies", tags=["strategies"])


def _version_out(row: StrategyVersion) -> StrategyVersionOut:
    return StrategyVersionOut(
        strategy_id=row.strategy_id,
        version=row.version,
        document=row.document,
        created_at=row.created_at,
    )


@router.get("", response_model=list[StrategyOut])
def list_strategies(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    page: PageDep,
    is_active: bool | None = None,
    is_template: bool | None = None,
    is_public: bool | None = None,
    mine: Annotated[bool | None, Query(description="only yours (true) or only others'")] = None,
) -> list[StrategyOut]:
    """Strategies you can use: yours first, then templates (the built-ins) and public ones."""
    filters = strategies.ListFilter(
        is_active=is_active, is_template=is_template, is_public=is_public, mine=mine
    )
    rows = strategies.list_visible(
        db,
        clock=runtime.clock,
        user_id=user.id,
        filters=filters,
        limit=page.limit,
        offset=page.offset,
    )
    return [strategy_out(row, user_id=user.id) for row in rows]


@router.get("/schema", response_model=StrategySchemaOut, response_model_exclude_unset=True)
def get_schema() -> dict[str, Any]:
    """The JSON Schema of a strategy document, with the indicator names it accepts."""
    return strategy_schema()


@router.get("/blank", response_model=StrategyDraftOut)
def get_blank() -> StrategyDraftOut:
    """A new strategy's first draft (the library's "New strategy"): every part at its
    default, with no name and no entry condition yet; create it with ``POST`` once the
    editor has given it both."""
    return StrategyDraftOut(document=blank_document())


@router.post("", response_model=StrategyOut, status_code=status.HTTP_201_CREATED)
def create_strategy(
    body: StrategyCreate, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> StrategyOut:
    """Save a new strategy (version 1)."""
    row = strategies.create(
        db,
        body.document(),
        clock=runtime.clock,
        user_id=user.id,
        is_public=body.is_public,
        is_active=body.is_active,
    )
    return strategy_out(row, user_id=user.id)


@router.get("/{strategy_id}", response_model=StrategyOut)
def get_strategy(strategy_id: RowId, user: CurrentUser, db: DbDep) -> StrategyOut:
    """One strategy: yours, a template or a public one."""
    return strategy_out(strategies.get_visible(db, strategy_id, user_id=user.id), user_id=user.id)


@router.put("/{strategy_id}", response_model=StrategyOut)
def replace_strategy(
    strategy_id: RowId, body: StrategyReplace, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> StrategyOut:
    """Replace the whole document (a partial body is a 422); the version goes up by one.

    The body may be the strategy as ``GET`` returned it (its ``id`` must be this one)."""
    if body.id is not None and body.id != strategy_id:
        raise InvalidField("id", f"is {body.id} but the path replaces strategy {strategy_id}")
    row = strategies.replace(
        db,
        strategy_id,
        body.document(),
        clock=runtime.clock,
        user_id=user.id,
        is_active=body.is_active,
        is_public=body.is_public,
    )
    return strategy_out(row, user_id=user.id)


@router.delete("/{strategy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_strategy(strategy_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete one of your strategies (its backtests keep their snapshot)."""
    strategies.delete(db, strategy_id, user_id=user.id)


@router.post("/{strategy_id}/fork", response_model=StrategyOut, status_code=status.HTTP_201_CREATED)
def fork_strategy(
    strategy_id: RowId,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    body: StrategyFork | None = None,
) -> StrategyOut:
    """Copy a strategy you can see into your library, at version 1."""
    row = strategies.fork(
        db, strategy_id, clock=runtime.clock, user_id=user.id, name=body.name if body else None
    )
    return strategy_out(row, user_id=user.id)


@router.post("/{strategy_id}/share", response_model=StrategyOut)
def share_strategy(
    strategy_id: RowId, user: CurrentUser, db: DbDep, body: StrategyShare | None = None
) -> StrategyOut:
    """Make your strategy public (read-only and forkable for others), or private again."""
    row = strategies.share(
        db, strategy_id, user_id=user.id, is_public=body.is_public if body else None
    )
    return strategy_out(row, user_id=user.id)


@router.get("/{strategy_id}/versions", response_model=list[StrategyVersionOut])
def list_versions(strategy_id: RowId, user: CurrentUser, db: DbDep) -> list[StrategyVersionOut]:
    """Every saved version, oldest first."""
    return [_version_out(v) for v in strategies.versions(db, strategy_id, user_id=user.id)]


@router.get("/{strategy_id}/versions/{version}", response_model=StrategyVersionOut)
def get_version(
    strategy_id: RowId, version: RowId, user: CurrentUser, db: DbDep
) -> StrategyVersionOut:
    """One saved version's document."""
    return _version_out(strategies.version(db, strategy_id, version, user_id=user.id))
