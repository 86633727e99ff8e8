"""What the cloud must hear, kept on disk until it answers: the outbox.

Every result of a placement (placed, triggered, filled, ...) and every holdings or positions
snapshot is written here first, in the journal's SQLite file (``synchronous=FULL``: on disk
before the call returns), and sent from here. A message leaves the outbox only when the
cloud answers 2xx (delivered: deleted) or refuses it for good (a 4xx that asking again the
same way cannot change, `CloudRefused`: kept as ``refused``, logged and shown in the local
UI and ``tradertape-agent status``, never silently dropped). No answer, a 5xx, a 408 or a
429 is tried again later, each time twice as late (`BACKOFF_SECS` up to `BACKOFF_MAX_SECS`),
across restarts.

A result's key is its placement's key and status (``tt41e:placed``), the same thing the
cloud is idempotent on (signal, leg, outcome): after a crash between the cloud recording a
result and the agent deleting it here, the result goes again and the cloud answers
``duplicate: true``: nothing is booked twice. A snapshot's key is its kind and broker: a
newer one replaces one still waiting (only the latest is worth sending).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tradertape_agent.cloud import CloudAuthError, CloudBusy, CloudError, CloudRefused

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,        -- result: <placement key>:<status>; snapshot: <kind>:<broker>
    kind TEXT NOT NULL,          -- result | holdings | positions | approve | reject
    signal_id INTEGER,           -- a result's signal (its results go in order)
    body TEXT NOT NULL,          -- the request's JSON, as it will be sent
    state TEXT NOT NULL,         -- waiting | refused
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,       -- not sent again before this (ISO 8601, UTC)
    answer TEXT,                 -- the refusal's words, or the last failure's
    created_at TEXT NOT NULL
);
"""
#: The first retry's delay; each next one doubles it, up to the ceiling.
BACKOFF_SECS = 15
BACKOFF_MAX_SECS = 900
#: How many refused messages are kept to show (the oldest go first).
REFUSED_KEPT = 50

KINDS = ("result", "holdings", "positions", "approve", "reject")
Send = Callable[[str, dict[str, Any]], Any]


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try (1: 15 s, 2: 30 s, ... at most 15 min)."""
    return timedelta(seconds=min(BACKOFF_SECS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECS))


@dataclass(frozen=True)
class Message:
    """One message waiting in (or refused by the cloud from) the outbox."""

    key: str
    kind: str
    signal_id: int | None
    body: dict[str, Any]
    state: str
    attempts: int
    next_at: str
    answer: str | None
    created_at: str

    def line(self) -> str:
        """The user's words for it."""
        if self.kind == "result":
            b = self.body
            return f"{b.get('leg')} of signal {b.get('signal_id')} {b.get('outcome')}"
        if self.kind in ("approve", "reject"):
            word = "approval" if self.kind == "approve" else "rejection"
            return f"your {word} of signal {self.signal_id}"
        return f"{self.kind} of {self.body.get('broker')}"


@dataclass
class Delivery:
    """What one flush did."""

    delivered: list[str]
    refused: list[str]
    failed: list[str]


class Outbox:
    """The outbox in the journal's database `db` (the caller's connection, autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.executescript(SCHEMA)

    def put_result(self, key: str, body: dict[str, Any], at: datetime) -> None:
        """Keep a result to send; the same key again changes nothing (it is the same fact)."""
        self._db.execute(
            "INSERT OR IGNORE INTO outbox (key, kind, signal_id, body, state, next_at, "
            "created_at) VALUES (?, 'result', ?, ?, 'waiting', ?, ?)",
            (key, int(body["signal_id"]), _dump(body), _iso(at), _iso(at)),
        )

    def put_decision(self, signal_id: int, action: str, at: datetime) -> None:
        """Keep the user's Approve or Reject of a signal for the cloud (once per signal)."""
        assert action in ("approve", "reject"), action
        self._db.execute(
            "INSERT OR IGNORE INTO outbox (key, kind, signal_id, body, state, next_at, "
            "created_at) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
            (f"{action}:{signal_id}", action, signal_id, _dump({"signal_id": signal_id}),
             _iso(at), _iso(at)),
        )  # fmt: skip

    def put_snapshot(self, kind: str, body: dict[str, Any], at: datetime) -> None:
        """Keep a snapshot to send, replacing the broker's older one of this kind."""
        assert kind in ("holdings", "positions"), kind
        self._db.execute(
            "INSERT OR REPLACE INTO outbox (key, kind, signal_id, body, state, next_at, "
            "created_at) VALUES (?, ?, NULL, ?, 'waiting', ?, ?)",
            (f"{kind}:{body['broker']}", kind, _dump(body), _iso(at), _iso(at)),
        )

    def messages(self, state: str) -> list[Message]:
        rows = self._db.execute(
            "SELECT key, kind, signal_id, body, state, attempts, next_at, answer, created_at "
            "FROM outbox WHERE state = ? ORDER BY rowid",
            (state,),
        )
        return [Message(r[0], r[1], r[2], json.loads(r[3]), *r[4:]) for r in rows]

    def flush(self, send: Send, now: datetime, log: Callable[[str], None]) -> Delivery:
        """Send what is due, oldest first. A signal's results go in order: after one that
        failed, that signal's later ones wait for it. No answer at all stops the flush
        (the cloud is down for all of them). `CloudAuthError` propagates (they all wait)."""
        done = Delivery([], [], [])
        held: set[int] = set()
        for m in self.messages("waiting"):
            if m.signal_id is not None and m.signal_id in held:
                continue
            went = datetime.fromisoformat(m.next_at) <= now and self._send(m, send, now, log)
            if went == "down":
                done.failed.append(m.key)
                break
            if went == "delivered":
                done.delivered.append(m.key)
            elif went == "refused":
                done.refused.append(m.key)
            else:  # not due, or failed: the signal's later results wait behind it
                if went == "failed":
                    done.failed.append(m.key)
                if m.signal_id is not None:
                    held.add(m.signal_id)
        return done

    def _send(self, m: Message, send: Send, now: datetime, log: Callable[[str], None]) -> str:
        """Send `m` once: ``delivered``, ``refused`` (for good), ``failed`` (the cloud
        answered "later") or ``down`` (no answer)."""
        try:
            send(m.kind, m.body)
        except CloudAuthError:
            raise
        except CloudRefused as exc:
            self._refuse(m, str(exc))
            log(f"[agent] the cloud refused {m.line()} for good: {exc}")
            return "refused"
        except CloudError as exc:
            self._retry(m, str(exc), now)
            if m.attempts == 0:  # said once, not on every retry
                log(f"[agent] {m.line()} not delivered ({exc}); trying again")
            return "failed" if isinstance(exc, CloudBusy) else "down"
        self._db.execute("DELETE FROM outbox WHERE key = ?", (m.key,))
        return "delivered"

    def _refuse(self, m: Message, why: str) -> None:
        self._db.execute(
            "UPDATE outbox SET state = 'refused', answer = ?, attempts = attempts + 1 "
            "WHERE key = ?",
            (why[:1000], m.key),
        )
        self._db.execute(
            "DELETE FROM outbox WHERE state = 'refused' AND rowid NOT IN (SELECT rowid FROM "
            "outbox WHERE state = 'refused' ORDER BY rowid DESC LIMIT ?)",
            (REFUSED_KEPT,),
        )

    def _retry(self, m: Message, why: str, now: datetime) -> None:
        attempts = m.attempts + 1
        self._db.execute(
            "UPDATE outbox SET attempts = ?, next_at = ?, answer = ? WHERE key = ?",
            (attempts, _iso(now + backoff(attempts)), why[:1000], m.key),
        )


def _iso(at: datetime) -> str:
    return at.isoformat()


def _dump(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)
