"""Named locks held until the current transaction ends.

PostgreSQL gets transaction-scoped advisory locks. SQLite has one writer at a time, so
taking the write lock is the lock: a transaction that has not written yet starts with
``BEGIN IMMEDIATE`` (after this process's earlier writers, `tradertape.db.sqlite`), and
every read after it sees the latest commit (the driver would otherwise read outside a
transaction until the first write, and a check made then could be stale by the time the
write lands). Used wherever check-and-write must be atomic across processes.

On PostgreSQL the names asked for at once are taken by one statement, in sorted order,
and a name the transaction already holds is not asked for again (the order path takes
its owner's ledger lock, and the risk monitor asks for the same one before reading the
book): a round trip each saved. What is held is remembered per (sub)transaction, so a
savepoint rolled back, which gives up the locks it took, is never taken to hold them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tradertape.db.prepared import Prepared, session_connection
from tradertape.db.sqlite import begin_immediate

# Advisory locks belong to the whole PostgreSQL database; the key includes the schema, so
# deployments (or test runs) in separate schemas of one database never block each other.
ADVISORY_KEY = "hashtext(current_schema() || '/' || :name)"
_HELD = "tradertape.locks"  # Connection.info key: (the innermost transaction, names held)


@cache
def _advisory(count: int) -> Prepared:
    """One statement taking `count` advisory locks, left to right."""
    calls = ", ".join(
        f"pg_advisory_xact_lock({ADVISORY_KEY.replace(':name', f':name{i}')})" for i in range(count)
    )
    return Prepared(text(f"SELECT {calls}"))


def lock_names(session: Session, names: Iterable[str], *, after_read: bool = False) -> None:
    """Block until this transaction holds every named lock (taken in sorted order: no deadlock).

    With `after_read`, on PostgreSQL the locks are asked for right after the transaction's
    next read, in its round trip (`Prepared.execute_after_read`), not before it: a lock
    that must come after the statement it rides with, for a read sent ahead under it."""
    connection = session_connection(session)  # the order path asks four times an order
    dialect = connection.dialect.name
    if dialect == "sqlite":
        begin_immediate(connection.connection.dbapi_connection)
    elif dialect == "postgresql":
        held = _held(connection)
        wanted = sorted(set(names) - held)
        if wanted:
            params = {f"name{i}": name for i, name in enumerate(wanted)}
            # Sent with the next statement (`db.prepared`): nothing of this transaction
            # reaches the server before the locks are held.
            statement = _advisory(len(wanted))
            if after_read:
                statement.execute_after_read(session, params)
            else:
                statement.execute(session, params)
            held.update(wanted)


def _held(connection: Connection) -> set[str]:
    """The names this (sub)transaction has taken (a new set for a new one)."""
    transaction = connection.get_nested_transaction() or connection.get_transaction()
    found = connection.info.get(_HELD)
    if found is None or found[0] is not transaction:
        found = connection.info[_HELD] = (transaction, set())
    names: set[str] = found[1]
    return names
