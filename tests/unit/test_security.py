"""Vault encryption, token digests and password hashing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.security.passwords import hash_password, verify_password
from tradertape.security.tokens import (
    digests_equal,
    keyed_digest,
    mask,
    new_otp,
    new_secret,
    sha256_hex,
)
from tradertape.security.vault import Vault, VaultError


@given(st.text(max_size=500))
def test_vault_round_trips_any_text(plaintext: str):
    vault = Vault("k" * 40)
    token = vault.encrypt(plaintext)
    assert vault.decrypt(token) == plaintext
    assert len(plaintext) < 8 or plaintext not in token


def test_vault_rejects_another_key_and_accepts_rotated_keys():
    old, new = Vault("old-" + "k" * 40), Vault("new-" + "k" * 40)
    token = old.encrypt("secret")
    with pytest.raises(VaultError):
        new.decrypt(token)
    assert Vault("new-" + "k" * 40, "old-" + "k" * 40).decrypt(token) == "secret"


def test_secrets_have_the_documented_shape():
    assert new_secret("zt_").startswith("zt_")
    assert len(new_secret("zt_")) == 35
    assert len({new_secret() for _ in range(100)}) == 100
    assert all(len(o) == 6 and o.isdigit() for o in (new_otp() for _ in range(100)))


def test_digests():
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert keyed_digest("k1", "123456") != keyed_digest("k2", "123456")
    assert mask("abcdefgh1234") == "••••••1234"
    assert mask("abc") == "•••"


def test_passwords():
    stored = hash_password("hunter2-long")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "hunter2-long")
    assert not verify_password(stored, "hunter3-long")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


@given(st.text(), st.text())
def test_digests_compare_any_text_a_stranger_sends_without_raising(left: str, right: str):
    # A forged state, checksum or token may carry any characters; the answer is a refusal.
    assert digests_equal(left, right) is (left == right)
    assert digests_equal(sha256_hex(left), sha256_hex(left))
