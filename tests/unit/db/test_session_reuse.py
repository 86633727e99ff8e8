"""`Database.session`: a thread's session closed cleanly is its next block's, with nothing
of the block before (no object, no transaction, the factory's `info`); one still open, or
closed by an error, is never handed out again."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tradertape.db.engine import Database, make_engine


@pytest.fixture
def database() -> Iterator[Database]:
    db = Database(make_engine("sqlite://"))
    yield db
    db.dispose()


def test_the_next_block_gets_the_closed_session_afresh(database: Database) -> None:
    with database.session() as first:
        first.execute(text("SELECT 1"))
        first.info["seen"] = True
        assert first.in_transaction()
    with database.session() as second:
        assert second is first
        assert not second.in_transaction()
        assert "seen" not in second.info
        assert second.execute(text("SELECT 2")).scalar() == 2


def test_info_is_the_factory_s_as_it_stands(database: Database) -> None:
    with database.session():
        pass
    database.sessions.configure(info={"hub": 1})
    with database.session() as session:
        assert session.info == {"hub": 1}


def test_an_open_block_s_session_is_not_handed_out(database: Database) -> None:
    with database.session() as outer, database.session() as inner:
        assert inner is not outer


def test_a_block_that_raised_leaves_no_session(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as failed:
        raise RuntimeError("boom")
    with database.session() as session:
        assert session is not failed


def test_each_thread_has_its_own(database: Database) -> None:
    with database.session() as here:
        pass
    seen: list[object] = []

    def other() -> None:
        with database.session() as session:
            seen.append(session)

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert seen[0] is not here
