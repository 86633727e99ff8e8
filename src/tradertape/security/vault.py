"""Symmetric encryption at rest for broker secrets, access tokens and outbox bodies.

The Fernet key is derived from the server secret with HKDF, so one secret (env or
0600 file) protects everything; `MultiFernet` leaves room for key rotation.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"tradertape-vault-v1"


def _derive(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class VaultError(Exception):
    """A ciphertext could not be decrypted (wrong key or tampered data)."""


class Vault:
    """Encrypts and decrypts short strings; the first secret encrypts, all decrypt."""

    def __init__(self, secret: str, *older_secrets: str) -> None:
        self._fernet = MultiFernet([_derive(s) for s in (secret, *older_secrets)])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt to a URL-safe token."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by `encrypt` with this or an older secret."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("cannot decrypt: wrong key or corrupted value") from exc
