"""Random bearer secrets and the one-way digests we store instead of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

AGENT_KEY_PREFIX = "zt_"
WORKER_TOKEN_PREFIX = "kwa_"  # noqa: S105 - a public prefix, not a secret
REPLAY_TOKEN_PREFIX = "kwa_rp_"  # noqa: S105 - a worker replay's token (a worker token too)
ASSISTANT_KEY_PREFIX = "zta_"  # an AI assistant's key, for the MCP server only


def new_secret(prefix: str = "", nbytes: int = 24) -> str:
    """A URL-safe random secret; 24 bytes give 32 characters after the prefix."""
    return prefix + secrets.token_urlsafe(nbytes)


def sha256_hex(secret: str) -> str:
    """The digest stored for a high-entropy secret (key, token, session, link)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def keyed_digest(key: str, message: str) -> str:
    """HMAC-SHA256, for low-entropy secrets (an OTP) that a plain hash would not protect."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def digests_equal(left: str, right: str) -> bool:
    """Constant-time comparison of two digests or secrets, one of them maybe a stranger's.

    Compared as UTF-8 bytes: `hmac.compare_digest` raises on a str with non-ASCII
    characters, which would turn a forged value into a 500 instead of a refusal.
    """
    return hmac.compare_digest(left.encode(), right.encode())


def new_otp() -> str:
    """A six-digit one-time code."""
    return f"{secrets.randbelow(1_000_000):06d}"


# Letters and digits a person reads back without confusion (no 0/O, 1/I/L, U).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code(length: int = 8) -> str:
    """A short one-time code to type on a phone (8 characters: about 39 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def mask(secret: str, *, keep: int = 4) -> str:
    """Show only the last `keep` characters, e.g. ``••••••ab12``."""
    if len(secret) <= keep:
        return "•" * len(secret)
    return "•" * 6 + secret[-keep:]
