"""Accounts: users, logins, sessions, bearer secrets and owner scoping."""
