"""The audit trail's chain (pure): how an entry's hash is made, and how a chain is checked,
alone and against an anchor.

Each entry's hash covers its canonical JSON (sorted keys, no spaces): the user, its sequence
number, time, kind, source, order id, payload and the previous entry's hash; the first
entry's previous hash is `GENESIS`. Changing any field changes the hash; removing an entry
leaves a gap in the sequence or a previous hash that matches nothing.

A plain hash can be recomputed by whoever can write the table, so an entry is **keyed**: its
hash is an HMAC-SHA256 under a key kept outside the database (`key_id` names which; the key
is in the hash's body too). Entries written before keys existed carry `key_id` None and a
plain SHA-256; they are accepted only as the chain's beginning. Keys still cannot tell a
trail cut short at its end, or one wiped whole: an **anchor** (the head's sequence number and
hash, kept off the database and signed) can.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from tradertape.domain.json_text import dumps_as

GENESIS = "0" * 64

KeyOf = Callable[[int], bytes | None]
"""The key of a key id, or None for an id that was never issued."""


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
    key_id: int | None = None


# json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False), set up once
_CANONICAL = dumps_as(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical(body: Mapping[str, Any]) -> bytes:
    return _CANONICAL(body).encode()


def canonical_text(payload: Mapping[str, Any]) -> str:
    """A payload's canonical JSON (sorted keys, no spaces, characters as they are), as an
    entry's hash covers it: the trail writes it once, for the hash and as the column."""
    return _CANONICAL(payload)


def entry_hash(entry: ChainEntry, key: bytes | None = None) -> str:
    """The entry's hash: an HMAC-SHA256 under `key` for a keyed entry, the plain SHA-256 of
    its canonical JSON for one written before keys (`key_id` None)."""
    if entry.key_id is None:
        return hashlib.sha256(_canonical(_body(entry))).hexdigest()
    if key is None:
        raise ValueError("a keyed entry needs its key")
    return keyed_hash(
        key,
        user_id=entry.user_id,
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind,
        source=entry.source,
        order_id=entry.order_id,
        payload=entry.payload,
        prev_hash=entry.prev_hash,
        key_id=entry.key_id,
    )


def keyed_hash(
    key: bytes,
    *,
    user_id: int,
    seq: int,
    at: str,
    kind: str,
    source: str,
    order_id: str | None,
    payload: Mapping[str, Any],
    prev_hash: str,
    key_id: int,
    payload_text: str | None = None,
) -> str:
    """`entry_hash` of the keyed entry of these fields under `key`, with no `ChainEntry`
    made for it (the trail's appends: a frozen dataclass costs a slot wrapper's call a
    field to build). `payload_text` is the payload's `canonical_text` when the caller
    wrote it already."""
    written = _CANONICAL(payload) if payload_text is None else payload_text
    text = _keyed_text(user_id, seq, at, kind, source, order_id, written, prev_hash, key_id)
    if text is None:  # a field of another type: the encoder writes the whole body
        entry = ChainEntry(user_id, seq, at, kind, source, order_id, payload, prev_hash, key_id)
        text = _canonical({**_body(entry), "key_id": key_id})
    # One call into OpenSSL's one-shot HMAC: the same digest as `hmac.new(...).hexdigest()`
    # without the HMAC object's Python set-up (two entries an order).
    return hmac.digest(key, text, "sha256").hex()


def _body(entry: ChainEntry) -> dict[str, Any]:
    """What the hash of an entry written before keys covers."""
    return {
        "user_id": entry.user_id,
        "seq": entry.seq,
        "at": entry.at,
        "kind": entry.kind,
        "source": entry.source,
        "order_id": entry.order_id,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }


def _keyed_text(
    user_id: int,
    seq: int,
    at: str,
    kind: str,
    source: str,
    order_id: str | None,
    payload_text: str,
    prev_hash: str,
    key_id: int,
) -> bytes | None:
    """`_canonical` of a keyed entry's body, its fields written in their sorted order
    around the payload's own canonical text (`payload_text`): the encoder's walk, sort
    and accumulation of the outer dict skipped (two entries an order). Each field is
    written as the encoder writes it (a string by its own escape, an int by
    `int.__repr__`, None as null), so the bytes are the same; None when a field is of
    another type (the encoder then writes the body)."""
    if not (
        type(user_id) is int
        and type(seq) is int
        and type(key_id) is int
        and type(at) is str
        and type(kind) is str
        and type(source) is str
        and type(prev_hash) is str
        and (order_id is None or type(order_id) is str)
    ):
        return None
    escape = encode_basestring
    return (
        f'{{"at":{escape(at)},"key_id":{key_id!r},"kind":{escape(kind)},'
        f'"order_id":{"null" if order_id is None else escape(order_id)},'
        f'"payload":{payload_text},"prev_hash":{escape(prev_hash)},'
        f'"seq":{seq!r},"source":{escape(source)},"user_id":{user_id!r}}}'
    ).encode()


@dataclass(frozen=True, slots=True)
class Broken:
    """Where a chain breaks: the first entry (by sequence number) that was changed, or the
    place one was removed, and why."""

    seq: int
    reason: str


def first_break(
    entries: Iterable[tuple[ChainEntry, str]],
    key_of: KeyOf | None = None,
    *,
    after: tuple[int, str, bool] = (0, GENESIS, False),
) -> Broken | None:
    """The first break in a user's chain, given each entry with its stored hash, in
    sequence order; None when the chain is whole. `key_of` gives the keys of keyed entries
    (without it, any keyed entry is a break: it cannot be checked). `after` starts the walk
    behind an entry already trusted: its number, its hash and whether it was keyed."""
    expected_seq, prev, keyed = after[0] + 1, after[1], after[2]
    for entry, stored in entries:
        if entry.seq != expected_seq:
            return Broken(expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return Broken(entry.seq, "its previous hash does not match the entry before it")
        if entry.key_id is None:
            if keyed:  # only the trail's beginning predates keys: this one was forged
                return Broken(entry.seq, "it is not keyed, yet entries before it are (forged)")
            key = None
        else:
            keyed = True
            key = key_of(entry.key_id) if key_of is not None else None
            if key is None:
                return Broken(entry.seq, f"its key {entry.key_id} was never issued (forged)")
        if not hmac.compare_digest(entry_hash(entry, key), stored):
            return Broken(entry.seq, "its content does not match its hash (changed)")
        expected_seq, prev = expected_seq + 1, stored
    return None


@dataclass(frozen=True, slots=True)
class Anchor:
    """A trail's head kept off the database: its last entry's number and hash when it was
    anchored (`at`, UTC ISO text). A later trail must still hold that entry unchanged."""

    user_id: int
    seq: int
    hash: str
    at: str
    key_id: int


def anchor_mac(anchor: Anchor, key: bytes) -> str:
    """The anchor's signature, so an anchor handed back can be told from a made-up one."""
    body = {
        "user_id": anchor.user_id,
        "seq": anchor.seq,
        "hash": anchor.hash,
        "at": anchor.at,
        "key_id": anchor.key_id,
        "what": "audit-anchor",
    }
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def anchor_break(anchor: Anchor, stored_hashes: Mapping[int, str], last_seq: int) -> Broken | None:
    """Whether a trail ending at `last_seq` (0 when empty) still holds the anchored entry:
    `stored_hashes` maps sequence numbers to stored hashes (the anchored one at least)."""
    if last_seq < anchor.seq:
        return Broken(
            last_seq + 1,
            f"the trail ends at entry {last_seq}, but entry {anchor.seq} was anchored "
            f"at {anchor.at}: entries were removed from its end",
        )
    if not hmac.compare_digest(stored_hashes.get(anchor.seq, ""), anchor.hash):
        return Broken(
            anchor.seq,
            f"entry {anchor.seq} differs from the one anchored at {anchor.at}: "
            "the trail was rewritten",
        )
    return None
