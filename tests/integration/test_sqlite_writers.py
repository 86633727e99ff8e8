"""SQLite writers queue on a lock (the process's, then a file lock between processes)
instead of SQLite's busy handler.

The connections here have ``busy_timeout=0``: a writer that met SQLite's write lock would
fail at once with "database is locked". So every test passing means that no writer ever
reached SQLite while another of this process held the write lock: they waited in the queue.
"""

from __future__ import annotations

import fcntl
import gc
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from tradertape.db import sqlite as writers
from tradertape.db.engine import Database
from tradertape.db.locks import lock_names


def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=0")


def _database(path: Path) -> Database:
    database = Database.from_url(f"sqlite:///{path}")
    event.listen(database.engine, "connect", _no_busy_wait)  # after the engine's own pragmas
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)"))
        connection.execute(text("DELETE FROM counter"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = _database(tmp_path / "w.db")
    yield database
    database.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT n FROM counter")).scalar_one())


def _in_threads(threads: int, work: Callable[[], None]) -> list[BaseException]:
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


def test_locked_read_modify_writes_queue_and_none_is_lost(database: Database):
    def increments() -> None:
        for _ in range(25):
            with database.session() as db:
                lock_names(db, ["counter"])
                n = db.execute(text("SELECT n FROM counter")).scalar_one()
                db.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                db.commit()

    assert _in_threads(4, increments) == []
    assert _count(database.engine) == 100


def test_a_first_write_outside_a_transaction_joins_the_queue(database: Database):
    def increments() -> None:
        for _ in range(25):
            with database.session() as db:
                db.execute(text("UPDATE counter SET n = n + 1"))
                db.execute(text("UPDATE counter SET n = n + 1"))
                db.commit()

    assert _in_threads(4, increments) == []
    assert _count(database.engine) == 200


def test_two_engines_on_one_file_share_the_queue(database: Database, tmp_path: Path):
    other = _database(tmp_path / "w.db")  # same file, second engine (a second Database)

    def increments(db_of: Database) -> Callable[[], None]:
        def work() -> None:
            for _ in range(25):
                with db_of.session() as db:
                    lock_names(db, ["counter"])
                    n = db.execute(text("SELECT n FROM counter")).scalar_one()
                    db.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                    db.commit()

        return work

    turns = iter([increments(database), increments(other)] * 2)
    lock = threading.Lock()

    def either() -> None:
        with lock:
            work = next(turns)
        work()

    assert _in_threads(4, either) == []
    assert _count(database.engine) == 100
    other.dispose()


def _queue(database: Database) -> writers.WriterQueue:
    with database.engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, writers.QueuedConnection)
        queue = dbapi._queue
    assert queue is not None
    return queue


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(Session.commit, id="commit"),
        pytest.param(Session.rollback, id="rollback"),
        pytest.param(Session.close, id="close-uncommitted"),
    ],
)
def test_the_end_of_a_transaction_lets_the_next_writer_in(
    database: Database, end: Callable[[Session], None]
):
    queue = _queue(database)
    db = database.sessions()
    db.execute(text("UPDATE counter SET n = 7"))
    assert queue.locked()

    end(db)

    assert not queue.locked()
    db.close()


def test_a_dropped_connection_lets_the_next_writer_in(database: Database):
    queue = _queue(database)
    with database.session() as db:
        lock_names(db, ["x"])
        assert queue.locked()
        db.connection().invalidate()  # the pool closes the DBAPI connection
    assert not queue.locked()
    with database.session() as db:  # and the next writer gets in
        db.execute(text("UPDATE counter SET n = 1"))
        db.commit()


def test_a_failed_begin_leaves_the_queue_free(tmp_path: Path):
    path = tmp_path / "w.db"
    database = _database(path)
    queue = _queue(database)
    outsider = sqlite3.connect(path, isolation_level=None)  # another process, as SQLite sees it
    outsider.execute("BEGIN IMMEDIATE")
    try:
        with database.session() as db, pytest.raises(Exception, match="database is locked"):
            lock_names(db, ["x"])
        assert not queue.locked()
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
        database.dispose()


def test_a_second_writer_in_the_same_thread_times_out_instead_of_hanging(
    database: Database, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(writers, "BUSY_TIMEOUT_S", 0)  # the holder is this very thread
    with database.session() as first, database.session() as second:
        lock_names(first, ["x"])
        with pytest.raises(Exception, match="database is locked"):
            lock_names(second, ["x"])


def test_in_memory_databases_have_no_queue():
    memory = Database.from_url("sqlite://")
    with memory.engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, writers.QueuedConnection)
        assert dbapi._queue is None
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()
    memory.dispose()


def _increments_in_a_process(path: str, count: int, ready: Any, go: Any) -> None:
    """`count` locked read-modify-writes from a process of its own (spawned), once both
    processes are ready."""
    database = _database_as_is(Path(path))
    try:
        ready.set()
        go.wait(60)
        for _ in range(count):
            with database.session() as db:
                lock_names(db, ["counter"])
                n = db.execute(text("SELECT n FROM counter")).scalar_one()
                db.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                db.commit()
    finally:
        database.dispose()


def _database_as_is(path: Path) -> Database:
    database = Database.from_url(f"sqlite:///{path}")
    event.listen(database.engine, "connect", _no_busy_wait)
    return database


def test_writers_of_two_processes_queue_and_none_is_lost(tmp_path: Path):
    """Both processes' connections have ``busy_timeout=0``: a writer that met the other
    process's write lock in SQLite would fail at once, so none did (the file lock)."""
    path = tmp_path / "w.db"
    _database(path).dispose()
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Event(), spawn.Event()
    other = spawn.Process(target=_increments_in_a_process, args=(str(path), 300, ready, go))
    other.start()
    try:
        assert ready.wait(60)
        go.set()
        _increments_in_a_process(str(path), 300, threading.Event(), go)
    finally:
        go.set()
        other.join(timeout=60)
    assert other.exitcode == 0
    database = _database_as_is(path)
    assert _count(database.engine) == 600
    database.dispose()


def test_a_writer_of_another_process_holding_the_queue_times_it_out(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(writers, "BUSY_TIMEOUT_S", 0.01)
    holder = os.open(tmp_path / "w.db-writer", os.O_RDWR)  # its own open file: another holder
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with database.session() as db, pytest.raises(Exception, match="writer queue timed out"):
            lock_names(db, ["x"])
        assert not _queue(database).locked()  # the process's own queue is left free
    finally:
        os.close(holder)  # closing drops the lock, as a killed process's is dropped
    with database.session() as db:
        lock_names(db, ["x"])
        db.execute(text("UPDATE counter SET n = 5"))
        db.commit()
    assert _count(database.engine) == 5


def _writer_file_open(path: Path) -> bool:
    """Whether this process holds `path`'s writer queue file open."""
    queue = writers._queues.get(os.path.realpath(path))
    return queue is not None and queue._fd is not None


def test_the_last_connection_closed_closes_the_queue_file(tmp_path: Path):
    """A process that opens a database per test (a test worker) kept a descriptor per
    database it had ever written to, past 1,024 in a worker's pass."""
    path = tmp_path / "w.db"
    database = _database(path)  # it has written: the queue's file is open
    assert _writer_file_open(path)
    other = _database_as_is(path)
    queue = _queue(database)
    assert _queue(other) is queue  # one queue while connections to the file are open
    other.dispose()
    assert _writer_file_open(path)  # `database` still has its connection

    database.dispose()

    assert not _writer_file_open(path)
    assert os.path.realpath(path) not in writers._queues
    again = _database_as_is(path)  # a database opened again queues as before
    with again.session() as db:
        lock_names(db, ["x"])
        assert _queue(again).locked()
    assert not _queue(again).locked()
    again.dispose()
    assert not _writer_file_open(path)


def test_a_connection_collected_unclosed_leaves_the_queue(tmp_path: Path):
    path = tmp_path / "w.db"
    connection = sqlite3.connect(path, factory=writers.QueuedConnection)
    connection.begin_immediate()  # a writer: the queue's file is open
    connection.commit()
    assert _writer_file_open(path)

    del connection
    gc.collect()

    assert os.path.realpath(path) not in writers._queues
