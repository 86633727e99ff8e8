"""Which process runs the singletons (market feed, trading loop) for one database.

Several API processes may serve one database; exactly one of them must print ticks and
match paper orders, or ticks arrive twice and an order could be matched twice. The
lease is a session-level advisory lock on PostgreSQL (per schema), held on its own connection, and
an exclusive `flock` on a file beside a SQLite database. Either is released by the OS
or the server when the holder dies, so another process can take over.
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from sqlalchemy import Connection, text

from tradertape.db.engine import Database
from tradertape.db.locks import ADVISORY_KEY

LEADER_LOCK = "tradertape:leader"


class LeaderLease:
    """A non-blocking, process-wide lease named `name` on one database."""

    def __init__(self, db: Database, *, name: str = LEADER_LOCK) -> None:
        self._db = db
        self._name = name
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lease."""
        return self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Take the lease if it is free; never waits."""
        if self.held:
            return True
        url = self._db.engine.url
        if url.get_backend_name() == "postgresql":
            return self._try_postgres()
        path = url.database
        if not path or path == ":memory:":
            return True  # a private in-memory database has one process by definition
        safe = "".join(c if c.isalnum() else "-" for c in self._name)
        return self._try_file(f"{path}.{safe}.lock")

    def _try_postgres(self) -> bool:
        connection = self._db.engine.connect()
        query = text(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})")
        won = bool(connection.execute(query, {"name": self._name}).scalar())
        connection.commit()
        if won:
            self._connection = connection
        else:
            connection.close()
        return won

    def _try_file(self, path: str) -> bool:
        handle = open(path, "a")  # noqa: SIM115 - held open for as long as the lease lives
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lease up (idempotent)."""
        if self._connection is not None:
            self._connection.execute(
                text(f"SELECT pg_advisory_unlock({ADVISORY_KEY})"), {"name": self._name}
            )
            self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
