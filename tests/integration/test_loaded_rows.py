"""`db.rows.loaded`: a row read by a prepared statement is the row the ORM would have loaded,
held by the session as if it had loaded it (the cookie and bearer checks of every request
read their rows so)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import bindparam, event, inspect, select

from tests.helpers import make_user
from tests.workers_kit import issue_token, new_worker
from tradertape.db.models import User, WorkerRun, WorkerToken
from tradertape.db.prepared import Prepared
from tradertape.db.rows import Row, loaded, loaded_columns, loaded_current, table_of
from tradertape.runtime import Runtime
from tradertape.services.accounts import worker_tokens
from tradertape.services.workers.access import find_run


def _read(db: Any, model: type[Row], row_id: int) -> Row:
    table = table_of(model)
    found = Prepared(select(*loaded_columns(model)).where(table.c.id == bindparam("id")))
    values = found.first(db, {"id": row_id})
    assert values is not None
    return loaded(db, model, values)


def _columns(row: Any) -> dict[str, Any]:
    return {a.key: getattr(row, a.key) for a in inspect(type(row)).column_attrs}


def test_a_loaded_row_reads_as_loaded_and_a_change_to_it_is_saved(runtime: Runtime) -> None:
    user_id = make_user(runtime, "a@x.in")
    with runtime.db.session() as db:
        user = _read(db, User, user_id)
        assert db.get(User, user_id) is user  # the session holds it: no second copy, no query
        assert not db.dirty
        seen = _columns(user)
        user.live_trading = not seen["live_trading"]
        db.commit()
    with runtime.db.session() as db:
        again = db.get(User, user_id)
        assert again is not None
        assert _columns(again) == {**seen, "live_trading": not seen["live_trading"]}


def test_a_row_the_session_holds_already_is_returned_as_it_is(runtime: Runtime) -> None:
    user_id = make_user(runtime, "a@x.in")
    with runtime.db.session() as db:
        held = db.get(User, user_id)
        assert held is not None
        held.live_trading = True  # an unsaved change is not overwritten by the read
        assert _read(db, User, user_id) is held
        assert held.live_trading is True


def test_a_column_named_apart_from_its_attribute_is_read(
    client: TestClient, runtime: Runtime
) -> None:
    secret, _ = issue_token(client, runtime, "w@x.in", metadata={"desk": "alpha"})
    with runtime.db.session() as db:
        row = worker_tokens.authenticate(db, clock=runtime.clock, secret=secret)
        assert row.metadata_ == {"desk": "alpha"}  # the column is "metadata"
        seen = _columns(row)
    with runtime.db.session() as db:
        assert _columns(db.scalars(select(WorkerToken)).one()) == seen


def _read_current(db: Any, user_id: int) -> User | None:
    found = Prepared(select(*loaded_columns(User)).where(table_of(User).c.id == bindparam("id")))
    values = found.first(db, {"id": user_id})
    assert values is not None
    return loaded_current(db, User, values)


def test_a_current_read_gives_a_held_row_the_values_it_read(runtime: Runtime) -> None:
    user_id = make_user(runtime, "a@x.in")
    with runtime.db.session() as db, runtime.db.session() as other:
        held = db.get(User, user_id)
        assert held is not None
        changed = not held.live_trading
        row = other.get(User, user_id)
        assert row is not None
        row.live_trading = changed  # another transaction changes the row
        other.commit()
        assert _read_current(db, user_id) is held
        assert held.live_trading is changed
        assert not db.dirty  # taken as loaded, not as a change to save


def test_a_current_read_leaves_a_held_row_with_unsaved_changes_to_the_orm(
    runtime: Runtime,
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with runtime.db.session() as db:
        held = db.get(User, user_id)
        assert held is not None
        held.live_trading = not held.live_trading
        assert _read_current(db, user_id) is None
        assert held in db.dirty  # the change is kept for the ORM's autoflush


def test_find_run_sees_a_run_the_session_just_added_and_its_unsaved_changes(
    client: TestClient, runtime: Runtime
) -> None:
    worker = new_worker(client, runtime)
    worker.create_run("run_one")
    with runtime.db.session() as db:
        token = db.get(WorkerToken, worker.token_id)
        assert token is not None
        first = find_run(db, token, "run_one")
        first.progress_note = "unsaved"  # held, changed, not flushed
        assert find_run(db, token, "run_one").progress_note == "unsaved"
        copy = {a.key: getattr(first, a.key) for a in inspect(WorkerRun).column_attrs}
        added = WorkerRun(**{**copy, "id": None, "run_key": "run_two"})
        db.add(added)  # pending: the ORM would flush it before its query
        assert find_run(db, token, "run_two") is added


_EVERY_USER = Prepared(select(*loaded_columns(User)).order_by(table_of(User).c.id))


@contextmanager
def _statements(runtime: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])  # the statement's SQL

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)


def test_an_attached_read_flushes_what_the_session_added_first(runtime: Runtime) -> None:
    make_user(runtime, "a@x.in")
    with runtime.db.session() as db:
        first = db.scalars(select(User)).one()
        copy = {a.key: getattr(first, a.key) for a in inspect(User).column_attrs}
        added = User(**{**copy, "id": None, "email": "b@x.in"})
        db.add(added)  # pending: the ORM's autoflush would write it before a query
        found = _EVERY_USER.attached(db, User)
        assert found == [first, added]  # the session's own objects, the new one flushed
        assert added.id is not None


def test_an_attached_read_fills_an_expired_row_without_reading_it_again(
    runtime: Runtime,
) -> None:
    user_id = make_user(runtime, "a@x.in")
    with runtime.db.session() as db, runtime.db.session() as other:
        held = db.get(User, user_id)
        assert held is not None
        db.commit()  # every attribute of the held row expires
        row = other.get(User, user_id)
        assert row is not None
        changed = not row.live_trading
        row.live_trading = changed
        other.commit()
        with _statements(runtime) as seen:
            (found,) = _EVERY_USER.attached(db, User)
            assert found is held
            assert found.live_trading is changed  # the value read, not a stale one
            assert found.email == "a@x.in"
        assert len(seen) == 1  # the one select: no attribute loaded lazily afterwards
        assert not db.dirty
