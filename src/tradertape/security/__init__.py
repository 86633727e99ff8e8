"""Secrets handling: password hashing, token generation and hashing, the encryption vault."""
