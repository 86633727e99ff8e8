"""Keys derived from the server secret, one per purpose."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, so a key leaked from one use signs nothing for another."""
    return hmac.new(secret.encode(), f"tradertape/{purpose}".encode(), hashlib.sha256).digest()
