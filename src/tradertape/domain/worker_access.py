"""What a worker token may do: account scopes, execution modes and actions.

Mirrors the published kite-algo worker contract so existing tokens and SDKs agree
with us on which scope is paper and which actions a default token holds.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class ExecutionMode(StrEnum):
    """How a worker's intents are executed."""

    DRY_RUN = "dry_run"
    PAPER = "paper"
    LIVE = "live"


DEFAULT_MODES: tuple[ExecutionMode, ...] = (ExecutionMode.PAPER, ExecutionMode.DRY_RUN)

DEFAULT_SCOPE = "kite:paper-a"
"""A new worker token's account scope unless it names one: the worker SDK's default account
(seed 002's ``kite:paper-a``), as its README's quick start, the web's token form and the
CLI write it, so the quick start works with every default (issue 64)."""

DEFAULT_ACTIONS: tuple[str, ...] = (
    "gtt:read",
    "gtt:write",
    "runs:create",
    "runs:read",
    "runs:log",
    "intents:submit",
    "risk:update",
    "runs:exit",
    "heartbeat",
    "market:read",
    "market:stream",
    "funds:read",
)

# Grantable on request, never given by default.
EXTRA_ACTIONS: tuple[str, ...] = (
    "workflows:read",
    "workflows:write",
    "notifications:test",
    "notifications:publish",
    "signals:read",
    "signals:admin",
    "proposals:submit",
    "runs:progress",
)

KNOWN_ACTIONS: frozenset[str] = frozenset(DEFAULT_ACTIONS + EXTRA_ACTIONS)

_SCOPE = re.compile(r"^kite:([A-Za-z0-9][A-Za-z0-9_-]{0,63})$")


class ScopeError(ValueError):
    """An account scope that does not follow ``kite:<id>``."""


def parse_scope(scope: str) -> str:
    """Return the account id of a ``kite:<id>`` scope, or raise `ScopeError`."""
    match = _SCOPE.match(scope)
    if match is None:
        raise ScopeError("account scope must look like 'kite:<account id>', e.g. 'kite:paper-a'")
    return match.group(1)


@lru_cache(maxsize=256)
def is_paper_scope(scope: str) -> bool:
    """Whether a scope names a paper account rather than a real broker account (remembered:
    a worker's order asks it of its run's scope four times)."""
    account = parse_scope(scope).lower()
    return (
        account == "paper"
        or account.startswith(("paper-", "paper_", "test-paper"))
        or account.endswith(("-paper", "_paper"))
    )


def scope_allows(token_scope: str, requested_scope: str) -> bool:
    """A token may use its own scope; a live-scoped token may also use any paper scope."""
    if requested_scope == token_scope:
        return True
    return not is_paper_scope(token_scope) and is_paper_scope(requested_scope)
