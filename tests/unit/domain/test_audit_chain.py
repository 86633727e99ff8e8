"""The audit chain (pure): any change to any field of any entry, or any entry removed, is
found at that entry."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.audit_chain import (
    GENESIS,
    Anchor,
    ChainEntry,
    anchor_break,
    anchor_mac,
    entry_hash,
    first_break,
)


def _chain(payloads: list[dict[str, str]]) -> list[tuple[ChainEntry, str]]:
    chain, prev = [], GENESIS
    for seq, payload in enumerate(payloads, start=1):
        entry = ChainEntry(
            7,
            seq,
            f"2026-11-20T04:30:{seq:02d}+00:00",
            "order.accepted",
            "api",
            f"o{seq}",
            payload,
            prev,
        )
        prev = entry_hash(entry)
        chain.append((entry, prev))
    return chain


payloads = st.lists(
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), min_size=1, max_size=8
)


@given(payloads)
def test_a_whole_chain_verifies(items: list[dict[str, str]]):
    assert first_break(_chain(items)) is None


@given(payloads, st.data())
def test_a_changed_entry_is_found_where_it_was_changed(
    items: list[dict[str, str]], data: st.DataObject
):
    chain = _chain(items)
    at = data.draw(st.integers(0, len(chain) - 1))
    entry, stored = chain[at]
    chain[at] = (replace(entry, source="worker"), stored)

    broken = first_break(chain)

    assert broken is not None
    assert (broken.seq, "changed" in broken.reason) == (at + 1, True)


@given(payloads, st.data())
def test_a_removed_entry_is_found_where_it_was(items: list[dict[str, str]], data: st.DataObject):
    chain = _chain(items + [{}])
    at = data.draw(st.integers(0, len(chain) - 2))
    del chain[at]

    broken = first_break(chain)

    assert broken is not None
    assert broken.seq == at + 1


KEY = b"k" * 32


def _keyed(payloads: list[dict[str, str]], key: bytes = KEY) -> list[tuple[ChainEntry, str]]:
    chain, prev = [], GENESIS
    for seq, payload in enumerate(payloads, start=1):
        at = f"2026-11-29T04:30:{seq:02d}+00:00"
        entry = ChainEntry(7, seq, at, "order.accepted", "api", f"o{seq}", payload, prev, 1)
        prev = entry_hash(entry, key)
        chain.append((entry, prev))
    return chain


def _key_of(key_id: int) -> bytes | None:
    return KEY if key_id == 1 else None


@given(payloads)
def test_a_keyed_chain_verifies_with_its_key_only(items: list[dict[str, str]]):
    assert first_break(_keyed(items), _key_of) is None
    forged = first_break(_keyed(items, key=b"a guess"), _key_of)
    assert forged is not None
    assert (forged.seq, "changed" in forged.reason) == (1, True)
    assert first_break(_keyed(items)) is not None  # keyed entries cannot be checked keyless


@given(payloads, payloads)
def test_plain_entries_may_only_begin_a_chain(
    before: list[dict[str, str]], after: list[dict[str, str]]
):
    plain = _chain(before)
    keyed = [(replace(e, seq=e.seq + len(plain)), h) for e, h in _keyed(after)]
    # relink the keyed part behind the plain one, signed properly
    prev, linked = plain[-1][1], []
    for entry, _ in keyed:
        entry = replace(entry, prev_hash=prev)
        prev = entry_hash(entry, KEY)
        linked.append((entry, prev))
    assert first_break(plain + linked, _key_of) is None

    last_entry, last_hash = linked[-1]
    tail = replace(_chain([{}])[0][0], seq=last_entry.seq + 1, prev_hash=last_hash)
    broken = first_break([*plain, *linked, (tail, entry_hash(tail))], _key_of)
    assert broken is not None
    assert (broken.seq, "forged" in broken.reason) == (tail.seq, True)


def test_an_anchor_names_a_cut_end_and_a_rewritten_entry():
    anchor = Anchor(7, 3, "c" * 64, "2026-11-29T10:00:00+00:00", 1)
    hashes = {1: "a" * 64, 2: "b" * 64, 3: "c" * 64, 4: "d" * 64}

    assert anchor_break(anchor, hashes, 4) is None
    cut = anchor_break(anchor, {1: "a" * 64}, 1)
    assert cut is not None
    assert (cut.seq, "removed from its end" in cut.reason) == (2, True)
    wiped = anchor_break(anchor, {}, 0)
    assert wiped is not None
    assert wiped.seq == 1
    rewritten = anchor_break(anchor, hashes | {3: "e" * 64}, 4)
    assert rewritten is not None
    assert (rewritten.seq, "rewritten" in rewritten.reason) == (3, True)
    assert anchor_mac(anchor, KEY) != anchor_mac(replace(anchor, seq=2), KEY)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(st.text(max_size=8), _JSON, max_size=6),
    st.binary(min_size=1, max_size=64),
    st.integers(min_value=1, max_value=10**6),
    st.tuples(st.integers(min_value=1), st.text(max_size=30), st.text(max_size=12)),
    st.tuples(st.text(max_size=12), st.none() | st.text(max_size=16), st.text(max_size=64)),
    st.integers(min_value=0, max_value=2**40),
)
def test_a_keyed_hash_is_the_hmac_of_the_canonical_body(payload, key, seq, who, what, key_id):
    """The hash of a keyed entry is the HMAC of its body's sorted, compact JSON as
    `json.dumps` writes it (its text written field by field, the payload's by the encoder):
    hashes stored before still verify, whatever the text of its fields."""
    import hashlib
    import hmac
    import json

    user_id, at, kind = who
    source, order_id, prev_hash = what
    entry = ChainEntry(user_id, seq, at, kind, source, order_id, payload, prev_hash, key_id)
    body = {
        "user_id": user_id,
        "seq": seq,
        "at": at,
        "kind": kind,
        "source": source,
        "order_id": order_id,
        "payload": payload,
        "prev_hash": prev_hash,
        "key_id": key_id,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry_hash(entry, key) == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def test_a_keyed_hash_of_fields_of_other_types_is_the_encoders():
    """Fields of a type the field-by-field text does not write (a bool for an int, an int
    for a text) are written by the encoder, as before."""
    import hashlib
    import hmac
    import json

    entry = ChainEntry(True, 2, "at", "kind", "api", 17, {"a": 1}, GENESIS, 3)  # type: ignore[arg-type]
    body = {
        "user_id": True,
        "seq": 2,
        "at": "at",
        "kind": "kind",
        "source": "api",
        "order_id": 17,
        "payload": {"a": 1},
        "prev_hash": GENESIS,
        "key_id": 3,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry_hash(entry, KEY) == hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()
