"""The strategy library: your strategies, templates (the built-ins among them) and public ones.

Visibility: a user sees their own strategies, every template and every public strategy;
only the owner may change, share or delete one (the built-ins have no owner, so nobody can).
Every save bumps ``version`` and keeps the document it replaced in `StrategyVersion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, false, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import ModelPortfolio, Strategy, StrategyVersion
from tradertape.errors import Forbidden, InvalidField, NotFound, Rejected
from tradertape.ports.clock import Clock
from tradertape.strategies.builtins import builtin, builtin_models
from tradertape.strategies.dsl import StrategyDocument


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Optional filters of the library list."""

    is_active: bool | None = None
    is_template: bool | None = None
    is_public: bool | None = None
    mine: bool | None = None


def _stored(document: StrategyDocument, version: int) -> dict[str, Any]:
    return document.model_copy(update={"version": version}).model_dump(mode="json")


def ensure_builtins(db: Session, *, clock: Clock) -> None:
    """Make the built-in models' rows match the code (inserted once, re-versioned on change)."""
    rows = {
        row.builtin_key: row
        for row in db.scalars(select(Strategy).where(Strategy.builtin_key.is_not(None)))
    }
    changed = False
    for model in builtin_models():
        document = builtin(model)
        row = rows.get(model.value)
        if row is None:
            _insert(db, document, clock=clock, user_id=None, builtin_key=model.value)
            changed = True
        elif row.document != _stored(document, row.version):
            _save_version(db, row, document, clock=clock)
            changed = True
    if not changed:
        return
    try:
        db.commit()
    except IntegrityError:  # another process seeded them first
        db.rollback()


def _insert(
    db: Session,
    document: StrategyDocument,
    *,
    clock: Clock,
    user_id: int | None,
    builtin_key: str | None = None,
    forked_from_id: int | None = None,
    is_public: bool = False,
    is_active: bool = True,
) -> Strategy:
    now = clock.now()
    row = Strategy(
        user_id=user_id,
        builtin_key=builtin_key,
        name=document.name,
        base_model=document.base_model.value if document.base_model else None,
        version=1,
        document=_stored(document, 1),
        is_template=builtin_key is not None,
        is_public=is_public,
        is_active=is_active,
        forked_from_id=forked_from_id,
        last_backtest_id=None,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    db.add(StrategyVersion(strategy_id=row.id, version=1, document=row.document, created_at=now))
    return row


def _save_version(db: Session, row: Strategy, document: StrategyDocument, *, clock: Clock) -> None:
    row.version += 1
    row.name = document.name
    row.base_model = document.base_model.value if document.base_model else None
    row.document = _stored(document, row.version)
    row.updated_at = clock.now()
    db.add(
        StrategyVersion(
            strategy_id=row.id,
            version=row.version,
            document=row.document,
            created_at=row.updated_at,
        )
    )


def _visible(user_id: int) -> Any:
    return or_(Strategy.user_id == user_id, Strategy.is_template, Strategy.is_public)


def list_visible(
    db: Session, *, clock: Clock, user_id: int, filters: ListFilter, limit: int, offset: int
) -> list[Strategy]:
    """Strategies the user can see, their own first, then by id."""
    ensure_builtins(db, clock=clock)
    query = select(Strategy).where(_visible(user_id))
    for column, wanted in (
        (Strategy.is_active, filters.is_active),
        (Strategy.is_template, filters.is_template),
        (Strategy.is_public, filters.is_public),
    ):
        if wanted is not None:
            query = query.where(column == (true() if wanted else false()))
    if filters.mine is not None:
        mine = Strategy.user_id == user_id
        query = query.where(mine if filters.mine else ~mine | Strategy.user_id.is_(None))
    own_first = case((Strategy.user_id == user_id, 0), else_=1)  # NULL owners sort last too
    return list(db.scalars(query.order_by(own_first, Strategy.id).limit(limit).offset(offset)))


def get_visible(db: Session, strategy_id: int, *, user_id: int) -> Strategy:
    """One strategy the user may read: 404 if missing or someone else's private one."""
    row = db.get(Strategy, strategy_id)
    if row is None or (row.user_id != user_id and not (row.is_template or row.is_public)):
        raise NotFound(f"strategy {strategy_id} not found")
    return row


def get_own(db: Session, strategy_id: int, *, user_id: int) -> Strategy:
    """One strategy the user may change: their own (templates and others' are read-only)."""
    row = get_visible(db, strategy_id, user_id=user_id)
    if row.user_id != user_id:
        kind = "a built-in model" if row.builtin_key else "another user's strategy"
        raise Forbidden(f"strategy {strategy_id} is {kind} and read-only; fork it to edit")
    return row


def by_builtin_key(db: Session, key: str, *, clock: Clock) -> Strategy | None:
    """A built-in model's row by its key (``v1_momentum``)."""
    ensure_builtins(db, clock=clock)
    return db.scalar(select(Strategy).where(Strategy.builtin_key == key))


def create(
    db: Session,
    document: StrategyDocument,
    *,
    clock: Clock,
    user_id: int,
    is_public: bool = False,
    is_active: bool = True,
) -> Strategy:
    """A new strategy of the user's at version 1."""
    row = _insert(
        db, document, clock=clock, user_id=user_id, is_public=is_public, is_active=is_active
    )
    db.commit()
    return row


def replace(
    db: Session,
    strategy_id: int,
    document: StrategyDocument,
    *,
    clock: Clock,
    user_id: int,
    is_active: bool | None = None,
    is_public: bool | None = None,
) -> Strategy:
    """Full replacement: the new document becomes the next version. `is_public` may only
    repeat the current value (sharing is `share`'s), so a body read back is never refused."""
    row = get_own(db, strategy_id, user_id=user_id)
    if is_public is not None and is_public != row.is_public:
        raise InvalidField("is_public", "change it with POST /api/strategies/{id}/share")
    _save_version(db, row, document, clock=clock)
    if is_active is not None:
        row.is_active = is_active
    db.commit()
    return row


def delete(db: Session, strategy_id: int, *, user_id: int) -> None:
    """Delete a strategy and its versions; backtests keep their snapshot. A strategy an
    active or paused portfolio runs cannot go (409 ``STRATEGY_IN_USE``, naming the user's
    own portfolios that run it and counting other users' without naming them)."""
    row = get_own(db, strategy_id, user_id=user_id)
    using = running_portfolios(db, strategy_id)
    if using:
        yours = [p for p in using if p.user_id == user_id]
        others = len(using) - len(yours)
        named = ", ".join(f"{p.name} ({p.status})" for p in yours)
        message = f"strategy {strategy_id} is used by {len(using)} active or paused portfolio(s)"
        if named:
            message += f": {named}"
        if others:
            message += f"{';' if named else ':'} {others} of other users"
        raise Rejected(
            409,
            "STRATEGY_IN_USE",
            message + "; retire them first",
            portfolios=[{"id": p.id, "name": p.name, "status": p.status} for p in yours],
            other_portfolios=others,
        )
    db.delete(row)
    db.commit()


def running_portfolios(db: Session, strategy_id: int) -> list[ModelPortfolio]:
    """Active or paused portfolios running a strategy (a strategy they use cannot go).

    Read from the portfolios' table here, not asked of their service: portfolios are built
    on the library, not the other way round.
    """
    query = (
        select(ModelPortfolio)
        .where(ModelPortfolio.strategy_id == strategy_id, ModelPortfolio.status != "retired")
        .order_by(ModelPortfolio.id)
    )
    return list(db.scalars(query))


def fork(
    db: Session, strategy_id: int, *, clock: Clock, user_id: int, name: str | None
) -> Strategy:
    """Copy a visible strategy into the user's library at version 1."""
    source = get_visible(db, strategy_id, user_id=user_id)
    document = StrategyDocument.model_validate(source.document)
    document = document.model_copy(update={"name": name or f"{source.name} (fork)"[:120]})
    row = _insert(db, document, clock=clock, user_id=user_id, forked_from_id=source.id)
    db.commit()
    return row


def share(db: Session, strategy_id: int, *, user_id: int, is_public: bool | None) -> Strategy:
    """Set ``is_public`` (toggle it when not given)."""
    row = get_own(db, strategy_id, user_id=user_id)
    row.is_public = (not row.is_public) if is_public is None else is_public
    db.commit()
    return row


def versions(db: Session, strategy_id: int, *, user_id: int) -> list[StrategyVersion]:
    """Every saved version, oldest first."""
    get_visible(db, strategy_id, user_id=user_id)
    query = select(StrategyVersion).where(StrategyVersion.strategy_id == strategy_id)
    return list(db.scalars(query.order_by(StrategyVersion.version)))


def version(db: Session, strategy_id: int, number: int, *, user_id: int) -> StrategyVersion:
    """One saved version."""
    get_visible(db, strategy_id, user_id=user_id)
    row = db.scalar(
        select(StrategyVersion).where(
            StrategyVersion.strategy_id == strategy_id, StrategyVersion.version == number
        )
    )
    if row is None:
        raise NotFound(f"strategy {strategy_id} has no version {number}")
    return row


def count_rules(document: dict[str, Any]) -> tuple[int, int, int]:
    """(entry conditions, exit rules, add-on rules) for the library list."""
    entry = document.get("entry_rules", {})
    entries = len(entry.get("conditions", [])) if entry.get("type") in ("and", "or") else 1
    addons = 1 if document.get("addon_rules", {}).get("enabled") else 0
    return entries, len(document.get("exit_rules", [])), addons
