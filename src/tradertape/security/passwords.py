"""Argon2id password hashing.

Production uses argon2-cffi's default (RFC 9106 low-memory) profile. Each hash records
its own parameters, so `use_hasher` can install a cheaper profile for tests without
changing how stored hashes verify.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher (tests install a fast profile)."""
    global _hasher  # noqa: PLW0603 - one process-wide policy, set at start-up
    _hasher = hasher
    _dummy_hash.cache_clear()


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so a miss costs as much as a hit
    # and response time does not reveal which e-mails have accounts.
    return _hasher.hash("tradertape-timing-equaliser")


def hash_password(password: str) -> str:
    """Return an argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check `password` against `password_hash` (a `None` hash never matches)."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current profile's."""
    return _hasher.check_needs_rehash(password_hash)
