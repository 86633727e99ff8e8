"""The audit chain (pure): any change to any field of any entry, or any entry removed, is
found at that entry."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.audit_chain import GENESIS, ChainEntry, entry_hash, first_break


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
