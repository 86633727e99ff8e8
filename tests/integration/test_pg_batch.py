"""PostgreSQL batches written at once (`db.pg_batch`): values, refusals, size, lost servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from tradertape.db import pg_batch
from tradertape.db.engine import Database
from tradertape.db.prepared import Prepared
from tradertape.ports.clock import IST

_META = MetaData()
_ROWS = Table(
    "pg_batch_rows",
    _META,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("amount", Numeric(18, 2)),
    Column("at", DateTime(timezone=True)),
    Column("note", String),
    Column("extra", JSON),
)
_PUT = Prepared(insert(_ROWS), keys=("id", "amount", "at", "note", "extra"))
_ALL = Prepared(select(_ROWS).order_by(_ROWS.c.id))
_COUNT = Prepared(select(func.count()).select_from(_ROWS).where(_ROWS.c.id >= bindparam("low")))
_AT = datetime(2026, 11, 27, 9, 15, 0, 250_000, tzinfo=IST)


def test_placeholders_become_the_servers_own():
    wire = pg_batch.wire_sql("SELECT %(a)s, %(b)s WHERE n = %(a)s AND s LIKE 'x%%'")

    assert wire.sql == b"SELECT $1, $2 WHERE n = $1 AND s LIKE 'x%'"
    assert wire.names == ("a", "b")


@pytest.fixture
def pg(database: Database) -> Iterator[Database]:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's batches")
    _META.create_all(database.engine)
    yield database
    _META.drop_all(database.engine)


def _row(n: int, **fields: Any) -> dict[str, Any]:
    return {"id": n, "amount": Decimal("0.01"), "at": _AT, "note": None, "extra": None, **fields}


def test_values_read_back_as_they_were_written(pg: Database):
    written = [
        _row(1, amount=Decimal("1013418.76"), note="₹ and 'quotes' %s", extra={"k": [1, "a"]}),
        _row(2, at=_AT + timedelta(days=400)),
    ]
    with pg.session() as db:
        for row in written:
            _PUT.execute(db, row)  # both wait, then go with the read: one write
        stored = _ALL.rows(db)
        db.commit()

    assert [r[0] for r in stored] == [1, 2]
    assert stored[0][1] == Decimal("1013418.76")
    assert stored[0][2] == _AT  # the same instant
    assert stored[0][3:] == ("₹ and 'quotes' %s", {"k": [1, "a"]})
    assert stored[1][1:5] == (Decimal("0.01"), _AT + timedelta(days=400), None, None)


def test_a_batch_begins_its_transaction(pg: Database):
    with pg.session() as db:
        _PUT.execute(db, _row(1))
        assert _COUNT.scalar(db, {"low": 0}) == 1  # the first statements of the transaction
        db.rollback()
    with pg.session() as db:
        assert _COUNT.scalar(db, {"low": 0}) == 0  # nothing was committed on its own


def test_a_refused_statement_stops_the_batch_and_the_connection_goes_on(pg: Database):
    with pg.session() as db:
        _PUT.execute(db, _row(1))
        db.commit()
    with pg.session() as db:
        _PUT.execute(db, _row(2))
        _PUT.execute(db, _row(1))  # the key is taken
        _PUT.execute(db, _row(3))
        with pytest.raises(IntegrityError) as refused:
            _COUNT.scalar(db, {"low": 0})
        assert isinstance(refused.value.orig, psycopg.errors.UniqueViolation)
        assert refused.value.params == _row(1)  # the statement refused, named as such
        db.rollback()
        # The same connection, its statements prepared anew where need be.
        _PUT.execute(db, _row(4))
        assert _COUNT.scalar(db, {"low": 0}) == 2
        db.commit()
    with pg.session() as db:
        assert [r[0] for r in _ALL.rows(db)] == [1, 4]


def test_a_batch_larger_than_the_sockets_buffers_is_written_whole(pg: Database):
    rows = [_row(n, note="x" * 1_000) for n in range(3_000)]  # ~3 MB each way
    with pg.session() as db:
        _PUT.execute_many(db, rows)
        assert _COUNT.scalar(db, {"low": 0}) == 3_000
        db.commit()


def test_a_lost_server_drops_the_connection_not_the_pool(pg: Database):
    with pg.session() as db:
        pid = db.scalar(text("SELECT pg_backend_pid()"))
        with pg.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        _PUT.execute(db, _row(1))
        with pytest.raises(OperationalError) as lost:
            _COUNT.scalar(db, {"low": 0})
        assert lost.value.connection_invalidated
    with pg.session() as db:  # the pool hands out a live connection
        _PUT.execute(db, _row(2))
        assert _COUNT.scalar(db, {"low": 0}) == 1
        db.commit()


def test_statements_stay_prepared_through_rollbacks(pg: Database):
    # psycopg would deallocate every prepared statement at a rollback had it prepared any.
    with pg.session() as db:
        for n in range(10):  # past psycopg's default threshold of five uses
            db.execute(text("SELECT 1 FROM pg_batch_rows WHERE id = :n"), {"n": n})
        assert _COUNT.scalar(db, {"low": 0}) == 0
        db.rollback()
        _PUT.execute(db, _row(1))
        assert _COUNT.scalar(db, {"low": 0}) == 1
        names = db.scalars(text("SELECT name FROM pg_prepared_statements ORDER BY name")).all()
        assert names  # ours, made before the rollback and used after it
        assert all(name.startswith("tt_") for name in names)
        db.rollback()


def test_connections_that_begin_otherwise_go_through_psycopg(pg: Database):
    url = pg.engine.url.set(drivername="postgresql")
    raw = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    try:
        assert raw.prepare_threshold is not None  # psycopg's default: it prepares its own
        assert not pg_batch.usable(raw)
        raw.prepare_threshold = None
        assert not pg_batch.usable(raw)  # autocommit
        raw.autocommit = False
        assert pg_batch.usable(raw)
        raw.read_only = True
        assert not pg_batch.usable(raw)
    finally:
        raw.close()
