"""A signed hook's secret is decrypted once, and a changed secret is never answered by the
old one (`receive.HookKeys`)."""

from __future__ import annotations

from typing import Any

from tradertape.db.models import Webhook
from tradertape.security.vault import Vault
from tradertape.services.webhooks.receive import HookKeys
from tradertape.services.webhooks.signing import signature


class _CountingVault(Vault):
    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.decrypted = 0

    def decrypt(self, token: str) -> str:
        self.decrypted += 1
        return super().decrypt(token)


def _hook(vault: Vault, secret: str, **fields: Any) -> Webhook:
    return Webhook(id=7, auth="hmac", secret=vault.encrypt(secret), **fields)


def test_the_secret_is_decrypted_once_and_afresh_after_it_changes() -> None:
    vault = _CountingVault("k" * 48)
    keys = HookKeys(vault)
    hook = _hook(vault, "whsec_first")

    assert [keys.secret(hook) for _ in range(3)] == ["whsec_first"] * 3
    assert vault.decrypted == 1

    hook.secret = vault.encrypt("whsec_second")  # rotated: a new ciphertext
    assert keys.secret(hook) == "whsec_second"
    assert keys.secret(hook) == "whsec_second"
    assert vault.decrypted == 2
    # The kept HMAC key is the new secret's: it signs as the new secret, not the old one.
    assert signature(keys.key(hook), "1", b"{}") == signature("whsec_second", "1", b"{}")
    assert vault.decrypted == 2
