"""Broker login states: good only for the user, the broker and the hours they were issued for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.brokers import BrokerName
from tradertape.services.brokers.login_state import STATE_TTL, login_states

NOW = datetime(2026, 11, 24, 3, 45, tzinfo=UTC)
STATES = login_states("server-secret")
KITE = BrokerName.KITE


def test_a_state_verifies_for_its_user_and_broker_until_it_goes_stale():
    state = STATES.issue(user_id=7, broker=KITE, now=NOW)
    assert STATES.valid(state, user_id=7, broker=KITE, now=NOW + STATE_TTL)
    assert not STATES.valid(state, user_id=7, broker=KITE, now=NOW + STATE_TTL + timedelta(1))
    assert not STATES.valid(state, user_id=8, broker=KITE, now=NOW)
    assert not STATES.valid(state, user_id=7, broker=BrokerName.UPSTOX, now=NOW)
    assert not STATES.valid(state, user_id=7, broker=KITE, now=NOW - timedelta(minutes=5))
    other_server = login_states("another-secret")
    assert not other_server.valid(state, user_id=7, broker=KITE, now=NOW)


@given(st.text(max_size=80))
def test_anything_else_is_refused_without_raising(text: str):
    assert not STATES.valid(text, user_id=7, broker=KITE, now=NOW)
    assert not STATES.valid(None, user_id=7, broker=KITE, now=NOW)


def test_odd_digits_and_huge_times_are_refused():
    for text in ("²³.abc", "١٢٣.abc", f"{10**30}.abc", "12."):
        assert not STATES.valid(text, user_id=7, broker=KITE, now=NOW)
