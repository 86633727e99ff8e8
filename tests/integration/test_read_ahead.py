"""`Prepared.prefetch`: a read sent ahead with an earlier round trip answers the later read
as the database would have then, and never after a write it could have missed.

On PostgreSQL the later read costs no statement; on SQLite nothing is sent ahead and the
read is made when asked for. Either way the answer is the database's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, text, update

from tests.helpers import make_user
from tradertape.db import prepared
from tradertape.db.engine import Database
from tradertape.db.models import User
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.runtime import Runtime

_USERS = table_of(User)
_EMAIL = Prepared(select(_USERS.c.email).where(_USERS.c.id == bindparam("id")))
_ANY = Prepared(select(_USERS.c.id).where(_USERS.c.id == bindparam("id")))
_RENAME = Prepared(
    update(_USERS).where(_USERS.c.id == bindparam("user_id")).values(email=bindparam("email")),
    keys=["email"],
)
_RENAMED = Prepared(
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_id"))
    .values(email=bindparam("email"))
    .returning(_USERS.c.id),
    keys=["email"],
)


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        sent.append(sql)

    event.listen(database.engine, "before_cursor_execute", statement)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)


def _ahead_on(database: Database) -> bool:
    return database.engine.dialect.name == "postgresql"


def test_a_read_sent_ahead_answers_the_later_read_without_a_statement(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _EMAIL.prefetch(db, {"id": user_id})
        assert _ANY.scalar(db, {"id": user_id}) == user_id  # the read ahead goes with this
        before = len(sent)
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"
        assert len(sent) == before + (0 if _ahead_on(database) else 1)
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"  # used once: read again
        assert len(sent) == before + (1 if _ahead_on(database) else 2)


def test_a_read_sent_ahead_of_other_values_is_not_taken(
    runtime: Runtime, database: Database
) -> None:
    first, second = make_user(runtime, "a@x.in"), make_user(runtime, "b@x.in")
    with database.session() as db:
        _EMAIL.prefetch(db, {"id": first})
        _ANY.scalar(db, {"id": first})
        assert _EMAIL.scalar(db, {"id": second}) == "b@x.in"
        assert _EMAIL.first(db, {"id": first}) == ("a@x.in",)


@pytest.mark.parametrize("write", ["prepared", "returning", "orm", "text"])
def test_a_write_after_a_read_sent_ahead_sends_the_read_again(
    runtime: Runtime, database: Database, write: str
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db:
        _EMAIL.prefetch(db, {"id": user_id})
        _ANY.scalar(db, {"id": user_id})  # sent: it read the old address
        if write == "prepared":
            _RENAME.execute(db, {"user_id": user_id, "email": "new@x.in"})
        elif write == "returning":  # a write read for its answer, as an order's claim is
            assert _RENAMED.scalar(db, {"user_id": user_id, "email": "new@x.in"}) == user_id
        elif write == "orm":
            db.execute(update(User).where(User.id == user_id).values(email="new@x.in"))
        else:
            db.execute(text("UPDATE users SET email = 'new@x.in' WHERE id = :id"), {"id": user_id})
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"


def test_a_read_waiting_to_go_ahead_is_dropped_by_a_write(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _EMAIL.prefetch(db, {"id": user_id})
        _RENAME.execute(db, {"user_id": user_id, "email": "new@x.in"})
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"
        assert sum(sql.startswith("SELECT users.email") for sql in sent) == 1  # never sent


def test_a_savepoint_rolled_back_forgets_what_was_read_in_it(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db:
        savepoint = db.begin_nested()
        _RENAME.execute(db, {"user_id": user_id, "email": "new@x.in"})
        _EMAIL.prefetch(db, {"id": user_id})
        _ANY.scalar(db, {"id": user_id})  # the read ahead saw the renamed row
        savepoint.rollback()
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"


def test_the_next_transaction_does_not_take_a_read_sent_ahead_in_the_last(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db:
        _EMAIL.prefetch(db, {"id": user_id})
        _ANY.scalar(db, {"id": user_id})
        db.commit()
        with database.session() as other:
            _RENAME.execute(other, {"user_id": user_id, "email": "new@x.in"})
            other.commit()
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"


def test_a_commit_does_not_send_a_read_left_waiting(runtime: Runtime, database: Database) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _RENAME.execute(db, {"user_id": user_id, "email": "new@x.in"})
        _EMAIL.prefetch(db, {"id": user_id})
        db.commit()
    assert not any(sql.startswith("SELECT users.email") for sql in sent)
    assert prepared.deferring(database.engine.dialect) == _ahead_on(database)


def test_a_read_asked_for_before_it_went_ahead_is_made_once(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _EMAIL.prefetch(db, {"id": user_id})
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"
    assert sum(sql.startswith("SELECT users.email") for sql in sent) == 1


def test_a_statement_after_the_next_read_rides_behind_it(
    runtime: Runtime, database: Database
) -> None:
    """`execute_after_read`: on PostgreSQL sent right after the next read (which does not
    see it), on SQLite at once."""
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _RENAME.execute_after_read(db, {"user_id": user_id, "email": "new@x.in"})
        seen = _EMAIL.scalar(db, {"id": user_id})
        assert seen == ("a@x.in" if _ahead_on(database) else "new@x.in")
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"
        if _ahead_on(database):
            assert [sql.split()[0] for sql in sent] == ["SELECT", "UPDATE", "SELECT"]


@pytest.mark.parametrize("write", ["prepared", "orm"])
def test_a_read_after_the_next_read_is_kept_across_writes_until_taken(
    runtime: Runtime, database: Database, write: str
) -> None:
    """`prefetch_after_read`: its rows answer the later read after other writes of the
    transaction (the caller vouches they cannot change them), once."""
    user_id, other = make_user(runtime, "a@x.in"), make_user(runtime, "b@x.in")
    with database.session() as db, _statements(database) as sent:
        _EMAIL.prefetch_after_read(db, {"id": user_id})
        _ANY.scalar(db, {"id": other})  # the read ahead goes right after this one
        if write == "prepared":
            _RENAME.execute(db, {"user_id": other, "email": "new@x.in"})
        else:
            db.execute(update(User).where(User.id == other).values(email="new@x.in"))
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"  # taken once: read again
    assert sum(sql.startswith("SELECT users.email") for sql in sent) == 2  # ahead, again


def test_a_read_kept_across_writes_is_forgotten_by_a_savepoint_rolled_back(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db:
        savepoint = db.begin_nested()
        _RENAME.execute(db, {"user_id": user_id, "email": "new@x.in"})
        _EMAIL.prefetch_after_read(db, {"id": user_id})
        _ANY.scalar(db, {"id": user_id})  # the read ahead saw the renamed row
        savepoint.rollback()
        assert _EMAIL.scalar(db, {"id": user_id}) == "a@x.in"


def test_a_read_kept_across_writes_is_not_taken_by_the_next_transaction(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db:
        _EMAIL.prefetch_after_read(db, {"id": user_id})
        _ANY.scalar(db, {"id": user_id})
        db.commit()
        with database.session() as other:
            _RENAME.execute(other, {"user_id": user_id, "email": "new@x.in"})
            other.commit()
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"


def test_a_read_after_the_next_read_asked_for_first_goes_behind_what_rode_before_it(
    runtime: Runtime, database: Database
) -> None:
    """Asked for before any read sent it, the read is made then, once, after the
    statements queued to ride before it (as the audit trail's lock before its read)."""
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _RENAME.execute_after_read(db, {"user_id": user_id, "email": "new@x.in"})
        _EMAIL.prefetch_after_read(db, {"id": user_id})
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"
        db.commit()
    assert sum(sql.startswith("SELECT users.email") for sql in sent) == 1
    assert sum(sql.startswith("UPDATE users") for sql in sent) == 1


def test_a_commit_sends_what_rides_after_a_read_that_never_came(
    runtime: Runtime, database: Database
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with database.session() as db, _statements(database) as sent:
        _RENAME.execute_after_read(db, {"user_id": user_id, "email": "new@x.in"})
        _EMAIL.prefetch_after_read(db, {"id": user_id})
        db.commit()
    assert not any(sql.startswith("SELECT users.email") for sql in sent)  # not sent
    with database.session() as db:
        assert _EMAIL.scalar(db, {"id": user_id}) == "new@x.in"
