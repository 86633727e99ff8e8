"""Named locks held until the current transaction ends.

PostgreSQL gets transaction-scoped advisory locks; SQLite already lets one writer at a
time, so the first write of the transaction serializes it and nothing more is needed.
Used wherever check-and-write must be atomic across processes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Block until this transaction holds every named lock (taken in sorted order: no deadlock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
