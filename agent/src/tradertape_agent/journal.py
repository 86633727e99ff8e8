"""The local journal (SQLite): what the agent sent to the broker and told the cloud.

A placement is written as ``sending`` before it leaves and ``placed`` once the broker named
its id, so after a crash in between the agent looks it up at the broker (an order by its
tag, a GTT by what it says) instead of placing it twice. What the cloud has not yet heard
(``status`` differs from ``reported``) goes into the outbox (`outbox`, in the same file and
the same transaction), which sends it until the cloud answers.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS placements (
    key TEXT PRIMARY KEY,        -- the idempotency key (an order's tag)
    signal_id INTEGER NOT NULL,
    leg TEXT NOT NULL,           -- entry | stop | exit
    broker TEXT NOT NULL,
    kind TEXT NOT NULL,          -- gtt | order
    spec TEXT NOT NULL,          -- what was sent (JSON)
    signal TEXT NOT NULL,        -- the cloud's signal (JSON)
    state TEXT NOT NULL,         -- sending | placed | final
    broker_id TEXT,
    status TEXT,                 -- placed | triggered | filled | rejected | cancelled
                                 -- | expired | failed
    reported TEXT,               -- the last status put in the outbox for the cloud
    order_id TEXT,               -- a triggered GTT's order
    fill_price TEXT,
    filled_quantity INTEGER,
    reason TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approvals (
    signal_id INTEGER PRIMARY KEY,
    decision TEXT NOT NULL,      -- approved | rejected
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Placement:
    key: str
    signal_id: int
    leg: str
    broker: str
    kind: str
    spec: dict[str, Any]
    signal: dict[str, Any]
    state: str
    broker_id: str | None = None
    status: str | None = None
    reported: str | None = None
    order_id: str | None = None
    fill_price: str | None = None
    filled_quantity: int | None = None
    reason: str | None = None


class Journal:
    """The journal file at `path` (created with mode 600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # each commit on disk (WAL fsynced)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The file's connection (the outbox keeps its table in the same file)."""
        return self._db

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction: every write inside lands on disk together, or none does."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get(self, key: str) -> Placement | None:
        row = self._db.execute("SELECT * FROM placements WHERE key = ?", (key,)).fetchone()
        return None if row is None else _placement(row)

    def of_signal(self, signal_id: int) -> list[Placement]:
        rows = self._db.execute(
            "SELECT * FROM placements WHERE signal_id = ? ORDER BY rowid", (signal_id,)
        )
        return [_placement(r) for r in rows]

    def where(self, sql: str, *args: Any) -> list[Placement]:
        rows = self._db.execute(f"SELECT * FROM placements WHERE {sql} ORDER BY rowid", args)  # noqa: S608
        return [_placement(r) for r in rows]

    def held_ids(self, broker: str, kind: str) -> set[str]:
        """The broker ids this journal already holds (a lookup skips them)."""
        rows = self._db.execute(
            "SELECT broker_id FROM placements"
            " WHERE broker = ? AND kind = ? AND broker_id IS NOT NULL",
            (broker, kind),
        )
        return {r[0] for r in rows}

    def begin(self, p: Placement, at: str) -> None:
        """Record `p` as about to be sent (committed before anything leaves)."""
        self._db.execute(
            "INSERT INTO placements (key, signal_id, leg, broker, kind, spec, signal, state, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?)",
            (p.key, p.signal_id, p.leg, p.broker, p.kind, _dump(p.spec), _dump(p.signal), at),
        )

    def update(self, key: str, at: str, **changes: Any) -> None:
        allowed = {
            "state", "broker_id", "status", "reported", "order_id", "fill_price",
            "filled_quantity", "reason",
        }  # fmt: skip
        assert set(changes) <= allowed, changes
        sets = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE placements SET {sets}, updated_at = ? WHERE key = ?",  # noqa: S608
            (*changes.values(), at, key),
        )

    def decide(self, signal_id: int, decision: str, at: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO approvals (signal_id, decision, at) VALUES (?, ?, ?)",
            (signal_id, decision, at),
        )

    def decision(self, signal_id: int) -> str | None:
        row = self._db.execute(
            "SELECT decision FROM approvals WHERE signal_id = ?", (signal_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_fact(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO facts (name, value) VALUES (?, ?)", (name, value))

    def fact(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM facts WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _placement(row: sqlite3.Row) -> Placement:
    data = dict(row)
    data.pop("updated_at")
    data["spec"] = json.loads(data["spec"])
    data["signal"] = json.loads(data["signal"])
    return Placement(**data)
