"""The audit trail's hash chain (pure): how an entry's hash is made, and how a chain is
checked.

Each entry's hash is SHA-256 over its canonical JSON (sorted keys, no spaces) holding the
user, its sequence number, time, kind, source, order id, payload and the previous entry's
hash; the first entry's previous hash is `GENESIS`. Changing any field of an entry changes
its hash; removing one leaves a gap in the sequence or a previous hash that matches nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """What the hash covers of one entry (its time as UTC ISO text)."""

    user_id: int
    seq: int
    at: str
    kind: str
    source: str
    order_id: str | None
    payload: Mapping[str, Any]
    prev_hash: str


def entry_hash(entry: ChainEntry) -> str:
    """The SHA-256 hex digest of `entry`'s canonical JSON."""
    body = {
        "user_id": entry.user_id,
        "seq": entry.seq,
        "at": entry.at,
        "kind": entry.kind,
        "source": entry.source,
        "order_id": entry.order_id,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Broken:
    """Where a chain breaks: the first entry (by sequence number) that was changed, or the
    place one was removed, and why."""

    seq: int
    reason: str


def first_break(entries: Iterable[tuple[ChainEntry, str]]) -> Broken | None:
    """The first break in a user's chain, given each entry with its stored hash, in
    sequence order; None when the chain is whole."""
    expected_seq, prev = 1, GENESIS
    for entry, stored in entries:
        if entry.seq != expected_seq:
            return Broken(expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return Broken(entry.seq, "its previous hash does not match the entry before it")
        if entry_hash(entry) != stored:
            return Broken(entry.seq, "its content does not match its hash (changed)")
        expected_seq, prev = expected_seq + 1, stored
    return None
