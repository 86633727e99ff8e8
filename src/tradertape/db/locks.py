"""Named locks held until the current transaction ends.

PostgreSQL gets transaction-scoped advisory locks. SQLite has one writer at a time, so
taking the write lock is the lock: a transaction that has not written yet starts with
``BEGIN IMMEDIATE`` (after this process's earlier writers, `tradertape.db.sqlite`), and
every read after it sees the latest commit (the driver would otherwise read outside a
transaction until the first write, and a check made then could be stale by the time the
write lands). Used wherever check-and-write must be atomic across processes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from tradertape.db.sqlite import begin_immediate

# Advisory locks belong to the whole PostgreSQL database; the key includes the schema, so
# deployments (or test runs) in separate schemas of one database never block each other.
ADVISORY_KEY = "hashtext(current_schema() || '/' || :name)"
_ADVISORY = text(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Block until this transaction holds every named lock (taken in sorted order: no deadlock)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        begin_immediate(connection.connection.dbapi_connection)
    elif dialect == "postgresql":
        for name in sorted(set(names)):
            connection.execute(_ADVISORY, {"name": name})
