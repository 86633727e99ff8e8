"""SQLite writers of one process wait in a queue, not in SQLite's busy handler.

SQLite has one writer at a time. A connection that finds the write lock taken calls the
busy handler, which sleeps and retries with growing pauses (up to 100 ms each): under
contention the lock sits free while every waiter sleeps, and a waiter can lose to
newcomers for seconds. Within a process there is a better queue: a `threading.Lock` per
database file, taken before ``BEGIN IMMEDIATE`` and released when the transaction ends,
so the next writer starts the moment the last one commits. The busy handler still
arbitrates between processes; nothing here is needed for correctness, only for speed.

Every write transaction goes through the queue: `lock_names` starts one explicitly
(`begin_immediate`), and the first INSERT, UPDATE or DELETE of a connection outside a
transaction starts one (the connection's cursors check) where the driver would have
begun a deferred transaction. The lock is released by the connection's commit, rollback or
close, whichever ends the transaction (SQLAlchemy calls these on the DBAPI connection on
every path, the pool's reset included).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from tradertape.db.on_loop import refuse_on_loop

BUSY_TIMEOUT_S = 10.0  # also the connection's busy_timeout: one wait limit either way
_MEMORY = ("", ":memory:")
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

_queues: dict[str, threading.Lock] = {}
_queues_guard = threading.Lock()


def _queue_for(database: object, uri: bool) -> threading.Lock | None:
    """The process's lock for a database file; None for a private in-memory database."""
    if not isinstance(database, str | bytes | os.PathLike):
        return None
    name = os.fsdecode(database)
    if uri:
        if "mode=memory" in name or name.startswith("file::memory:"):
            return None
        key = name
    elif name in _MEMORY:
        return None
    else:
        key = os.path.realpath(name)
    with _queues_guard:
        return _queues.setdefault(key, threading.Lock())


class _QueuedCursor(sqlite3.Cursor):
    """Starts a queued write transaction before a write the driver would begin itself."""

    connection: QueuedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedCursor:
        if not self.connection.in_transaction and sql.lstrip()[:7].upper().startswith(_WRITES):
            self.connection.begin_immediate()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _QueuedCursor:
        if not self.connection.in_transaction and sql.lstrip()[:7].upper().startswith(_WRITES):
            self.connection.begin_immediate()
        return super().executemany(sql, parameters)


class QueuedConnection(sqlite3.Connection):
    """A connection whose write transactions take the database's process-wide lock."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._queue = _queue_for(database, bool(kwargs.get("uri", False)))
        self._queued = False  # this connection holds the queue's lock

    def cursor(self, factory: Any = _QueuedCursor) -> Any:
        """A cursor that queues the first write of a transaction (SQLAlchemy uses these)."""
        return super().cursor(factory)

    def begin_immediate(self) -> None:
        """Wait for this process's earlier writers, then take SQLite's write lock (not on the
        event loop: `db.on_loop`)."""
        if self.in_transaction:
            return
        refuse_on_loop("a write waits for the process's other writers")
        if self._queue is not None and not self._queued:
            if not self._queue.acquire(timeout=BUSY_TIMEOUT_S):
                raise sqlite3.OperationalError("database is locked (writer queue timed out)")
            self._queued = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave()
            raise

    def _leave(self) -> None:
        if self._queued and not self.in_transaction:
            self._queued = False
            assert self._queue is not None
            self._queue.release()

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            self._leave()

    def close(self) -> None:
        """Close (SQLite rolls back what is open), then let the next writer in."""
        try:
            super().close()
        finally:
            if self._queued:
                self._queued = False
                assert self._queue is not None
                self._queue.release()


def begin_immediate(dbapi_connection: Any) -> None:
    """Start a write transaction unless one is open: queued on a `QueuedConnection`."""
    if isinstance(dbapi_connection, QueuedConnection):
        dbapi_connection.begin_immediate()
    elif not getattr(dbapi_connection, "in_transaction", True):
        dbapi_connection.execute("BEGIN IMMEDIATE")
