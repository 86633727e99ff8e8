"""The pool hands out the connection returned last: after a burst had opened several, the
next transaction runs on the one just used, whose SQLite page cache is warm (one idle
since another connection wrote reads its pages from the file again) and, on PostgreSQL,
which needs no ping and holds its prepared statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tradertape.db.engine import Database


def _raw(session: Session) -> Any:
    session.execute(text("SELECT 1"))
    return session.connection().connection.dbapi_connection


def test_a_transaction_after_a_burst_runs_on_the_connection_used_last(database: Database):
    with database.session() as first, database.session() as second, database.session() as third:
        burst = [_raw(first), _raw(second), _raw(third)]
    assert len({id(c) for c in burst}) == 3  # three at once: three connections
    # the blocks closed third, second, first: the first's connection went back last
    for _ in range(3):
        with database.session() as next_one:
            assert _raw(next_one) is burst[0]
