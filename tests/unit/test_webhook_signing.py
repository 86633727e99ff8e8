"""A webhook's signature: what the sender signs verifies within 5 minutes either way, and
any change to the body, the timestamp or the secret, or a clock more than 5 minutes off,
is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.errors import Unauthenticated
from tradertape.services.webhooks.signing import key, signature, verify

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
secrets = st.text(min_size=1, max_size=40)
bodies = st.binary(max_size=300)
skews = st.integers(min_value=-300, max_value=300)


@given(secret=secrets, body=bodies, skew=skews)
def test_what_is_signed_verifies_within_five_minutes(secret: str, body: bytes, skew: int):
    stamp = str(int(NOW.timestamp()) + skew)
    signed = signature(secret, stamp, body)
    assert verify(secret, timestamp=stamp, signed=signed, body=body, now=NOW) == signed[7:]
    # A hook's kept key signs as its secret does, each time (it is signed on a copy).
    kept = key(secret)
    for _ in range(2):
        assert signature(kept, stamp, body) == signed
        assert verify(kept, timestamp=stamp, signed=signed, body=body, now=NOW) == signed[7:]


@given(secret=secrets, body=bodies, flip=st.integers(min_value=0, max_value=299))
def test_a_changed_body_is_refused(secret: str, body: bytes, flip: int):
    stamp = str(int(NOW.timestamp()))
    signed = signature(secret, stamp, body)
    changed = (
        body + b" "
        if not body
        else bytes(b ^ 1 if i == flip % len(body) else b for i, b in enumerate(body))
    )
    with pytest.raises(Unauthenticated, match="Signature"):
        verify(secret, timestamp=stamp, signed=signed, body=changed, now=NOW)


@given(secret=secrets, other=secrets, body=bodies)
def test_another_secret_is_refused(secret: str, other: str, body: bytes):
    if other == secret:
        return
    stamp = str(int(NOW.timestamp()))
    with pytest.raises(Unauthenticated):
        verify(other, timestamp=stamp, signed=signature(secret, stamp, body), body=body, now=NOW)


@given(body=bodies, late=st.integers(min_value=301, max_value=10**7), ahead=st.booleans())
def test_a_timestamp_more_than_five_minutes_off_is_refused(body: bytes, late: int, ahead: bool):
    stamp = str(int(NOW.timestamp()) + (late if ahead else -late))
    signed = signature("s", stamp, body)
    with pytest.raises(Unauthenticated, match="5 minutes"):
        verify("s", timestamp=stamp, signed=signed, body=body, now=NOW)


@given(body=bodies)
def test_the_timestamp_is_bound_to_the_signature(body: bytes):
    stamp = str(int(NOW.timestamp()))
    signed = signature("s", stamp, body)
    moved = str(int(stamp) + 1)
    with pytest.raises(Unauthenticated):
        verify("s", timestamp=moved, signed=signed, body=body, now=NOW + timedelta(seconds=1))


@pytest.mark.parametrize("stamp", ["", "abc", "1.5", "-1", "١٢٣", "9" * 13])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(stamp: str):
    with pytest.raises(Unauthenticated):
        verify("s", timestamp=stamp, signed="sha256=00", body=b"", now=NOW)
