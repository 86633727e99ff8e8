"""The order audit trail: a tamper-evident log per user of what the OMS decided and sent.

`AuditTrail` watches the OMS's events (`oms.emitter`): every order accepted, rejected
(validation, the risk gate, the SEBI ceiling, the broker), modified, cancelled, filled,
expired, and every GTT that fired, is appended in the transaction that recorded it, with its
source (``api``, ``worker``, ``portfolio``, ``gtt`` …) and the event as the bus carries it.
Each entry carries the previous entry's hash and is signed by an HMAC under a key the
database does not hold (`domain.audit_chain`, `services.audit.keys`), so `verify` names the
first entry that was changed, removed, or forged and recomputed; against an anchor
(`services.audit.anchors`) it also names a trail cut short, wiped or rebuilt. Appends of one
user are serialised by a named lock (``audit:<user>``, taken last on the order path: nothing
is locked after it). On PostgreSQL a new order's claim carries that lock and the read of the
user's last entry in its round trip (`read_ahead`), where they cost a round trip of their
own with the order's history.

Kept as long as the user's account (five years and more; the broker keeps its own order logs
five years). Exported per day (`entries`) as JSON or CSV by `GET /api/audit/entries`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import AuditEntry
from tradertape.db.prepared import Prepared, deferring, session_connection
from tradertape.domain.audit_chain import (
    GENESIS,
    Anchor,
    Broken,
    ChainEntry,
    anchor_break,
    canonical_text,
    first_break,
    keyed_hash,
)
from tradertape.domain.json_text import Written
from tradertape.oms import OmsEvent, to_message
from tradertape.ports.clock import IST
from tradertape.services.audit.keys import AuditKeys

_LAST = Prepared(
    select(AuditEntry.seq, AuditEntry.hash)
    .where(AuditEntry.user_id == bindparam("user_id"))
    .order_by(AuditEntry.seq.desc())
    .limit(literal(1))
)
_COLUMNS = (
    "user_id",
    "seq",
    "at",
    "kind",
    "source",
    "order_id",
    "payload",
    "prev_hash",
    "hash",
    "key_id",
)
_APPEND = Prepared(insert(AuditEntry), keys=_COLUMNS)
CSV_COLUMNS = ("seq", "at", "kind", "source", "order_id", "payload", "prev_hash", "hash")


def _at_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def chain_entry(row: AuditEntry) -> ChainEntry:
    """What the hash of a stored entry covers."""
    return ChainEntry(
        user_id=row.user_id,
        seq=row.seq,
        at=_at_text(row.at),
        kind=row.kind,
        source=row.source,
        order_id=row.order_id,
        payload=row.payload,
        prev_hash=row.prev_hash,
        key_id=row.key_id,
    )


@dataclass(frozen=True, slots=True)
class Appended:
    """What one entry records, before its place in the chain is known."""

    at: datetime
    kind: str  # order.accepted, …, gtt.triggered; assistant.call
    source: str  # api, worker, portfolio, gtt …; assistant:<key id>
    order_id: str | None
    payload: dict[str, Any]


# What one entry records (`Appended`'s fields in its order), as `_chain` takes it.
_Item = tuple[datetime, str, str, str | None, dict[str, Any]]


def _kind(event: OmsEvent) -> str:
    return event.TYPE  # order.accepted, order.rejected, …, gtt.triggered


class AuditTrail:
    """An `OrderEvents` watcher appending each event to its user's chain, signed by the
    newest key."""

    def __init__(self, keys: AuditKeys) -> None:
        self._keys = keys

    @staticmethod
    def read_ahead(db: Session, user_id: int) -> None:
        """An order of `user_id` is about to be claimed (`OrderEvents.watch`'s `ahead`):
        on PostgreSQL, its lock and the read of its last entry ride right after the claim,
        in its round trip, for `_append` to take. The lock comes after the claim as it did
        before (the last one an order takes), and the read after the lock; the rows it
        reads are written only by `_append` under that lock, which takes the read first,
        so what it found still holds whatever the order writes in between."""
        if not deferring(session_connection(db).dialect):
            return  # SQLite: a read is no round trip, and nothing is sent ahead
        lock_names(db, [f"audit:{user_id}"], after_read=True)
        _LAST.prefetch_after_read(db, {"user_id": user_id})

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        by_user: dict[int, list[OmsEvent]] = {}
        for event in events:
            by_user.setdefault(event.user_id, []).append(event)
        for user_id, mine in sorted(by_user.items()):
            self._append(db, user_id, mine)

    def _append(self, db: Session, user_id: int, events: Sequence[OmsEvent]) -> None:
        items = []
        for event in events:
            message = to_message(event)
            source = str(message.get("source") or "gtt")
            items.append((event.ts_event, _kind(event), source, message.get("order_id"), message))
        self._chain(db, user_id, items)

    def record(self, db: Session, user_id: int, item: Appended) -> None:
        """Append one entry that is no order event (an assistant's call, `mcp`), in the
        caller's transaction, chained and signed as the order events are."""
        self._chain(db, user_id, [(item.at, item.kind, item.source, item.order_id, item.payload)])

    def _chain(self, db: Session, user_id: int, items: Sequence[_Item]) -> None:
        lock_names(db, [f"audit:{user_id}"])
        last = _LAST.first(db, {"user_id": user_id})
        key_id = self._keys.current(db)
        key = self._keys.key(key_id)
        seq, prev = (last[0], last[1]) if last is not None else (0, GENESIS)
        rows = []
        # The fields as they are: no `Appended` nor `ChainEntry` for an order's events (each
        # frozen dataclass costs a slot wrapper's call a field to build; two entries an order).
        for at, kind, source, order_id, payload in items:
            seq += 1
            # written once: what the hash covers is what the column stores
            text = canonical_text(payload)
            digest = keyed_hash(
                key,
                user_id=user_id,
                seq=seq,
                at=_at_text(at),
                kind=kind,
                source=source,
                order_id=order_id,
                payload=payload,
                prev_hash=prev,
                key_id=key_id,
                payload_text=text,
            )
            rows.append(
                {
                    "user_id": user_id,
                    "seq": seq,
                    "at": at,
                    "kind": kind,
                    "source": source[:32],
                    "order_id": order_id,
                    "payload": Written(text),
                    "prev_hash": prev,
                    "hash": digest,
                    "key_id": key_id,
                }
            )
            prev = digest
        # Compiled once, on the session's connection: no ORM object per entry on the order
        # path (nothing reads them back in it), as the order log's own hot statements.
        _APPEND.execute_many(db, rows)


def entries(db: Session, *, user_id: int, day: date | None = None) -> list[AuditEntry]:
    """The user's entries in sequence order; with `day`, those of that IST day."""
    query = select(AuditEntry).where(AuditEntry.user_id == user_id)
    if day is not None:
        start = datetime.combine(day, time(0), tzinfo=IST)
        query = query.where(AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1))
    return list(db.scalars(query.order_by(AuditEntry.seq)))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a user's chain is whole (and holds its anchor, when one was given), how many
    entries it has, and where it breaks."""

    entries: int
    broken: Broken | None
    anchor: Anchor | None = None


def verify(db: Session, *, user_id: int, keys: AuditKeys, anchor: Anchor | None = None) -> Verdict:
    """Walk the user's whole chain: the first entry changed, removed or forged; with
    `anchor`, also whether the trail still holds the anchored entry (not cut short, wiped
    or rebuilt). The earlier break is named."""
    rows = entries(db, user_id=user_id)
    broken = first_break(((chain_entry(row), row.hash) for row in rows), keys.key_of(db))
    if anchor is not None:
        last_seq = rows[-1].seq if rows else 0
        cut = anchor_break(anchor, {row.seq: row.hash for row in rows}, last_seq)
        if cut is not None and (broken is None or cut.seq < broken.seq):
            broken = cut
    return Verdict(len(rows), broken, anchor)


def as_csv(rows: Sequence[AuditEntry]) -> str:
    """The entries as CSV (the payload as compact JSON in one column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        payload = json.dumps(row.payload, sort_keys=True, separators=(",", ":"))
        writer.writerow(
            [row.seq, _at_text(row.at), row.kind, row.source, row.order_id or "", payload]
            + [row.prev_hash, row.hash]
        )
    return out.getvalue()
