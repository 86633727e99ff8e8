"""`db.rows.adopt`: a row inserted by a Core statement and adopted is held by the session as
`Session.add` held it (the order path adopts its order and trades so, now without the
add's save-update cascade, which found nothing to add)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from tests.helpers import make_user
from tradertape.db.models import User
from tradertape.db.rows import adopt, fresh, table_of, value_keys
from tradertape.runtime import Runtime


def _inserted(db: Session, base: int, email: str) -> tuple[User, int]:
    """A copy of user `base` under `email`, inserted by Core: the transient row and its id."""
    first = db.get(User, base)
    assert first is not None
    values = {key: getattr(first, key) for key in value_keys(User)} | {"email": email}
    table = table_of(User)
    pk = db.execute(insert(table).values(values).returning(table.c.id)).scalar_one()
    return fresh(User, values), pk


def _added(db: Session, row: User, pk: int) -> None:
    """What `adopt` did before: `Session.add`, its cascade and all."""
    row.id = pk
    make_transient_to_detached(row)
    db.add(row)


def _held(db: Session, row: User) -> tuple[Any, ...]:
    state = inspect(row)
    orphaned = state._orphaned_outside_of_session  # noqa: SLF001
    return (state.persistent, row in db, row in db.dirty, row in db.new, orphaned)


@pytest.mark.parametrize("change", [False, True])
def test_an_adopted_row_is_held_as_an_added_one(runtime: Runtime, change: bool) -> None:
    base = make_user(runtime, "base@x.in")
    seen = []
    for way in (adopt, _added):
        with runtime.db.session() as db:
            row, pk = _inserted(db, base, f"{way.__name__}@x.in")
            way(db, row, pk)
            held = (*_held(db, row), db.get(User, pk) is row)
            if change:
                row.live_trading = not row.live_trading
                held += (row in db.dirty,)
            db.commit()
        with runtime.db.session() as again:
            stored = again.get(User, pk)
            assert stored is not None
            seen.append((*held, stored.live_trading == row.live_trading))
    assert seen[0] == seen[1]
    assert seen[0][0] is True  # persistent
