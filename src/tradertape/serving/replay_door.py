"""The replay door: a replay token's request runs inside its replay (its clock, its prices).

A pure ASGI middleware, so the scope (a context variable) covers the whole request: the
route's worker thread and a stream's body alike. Only a bearer secret with the replay
prefix (``kwa_rp_…``) costs a lookup; every other request passes untouched. Moving the
replay on (its clock, its working orders, its report) is blocking work: one thread hop.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from tradertape.security.tokens import REPLAY_TOKEN_PREFIX
from tradertape.services.workers.replay_scope import ReplayScope, entered

_WORKER_PATH = "/algo-workers/worker"
_BEARER = b"bearer " + REPLAY_TOKEN_PREFIX.encode()


class ReplayDoor:
    """Enter a replay token's request into its replay."""

    def __init__(self, app: ASGIApp, enter: Callable[[str], ReplayScope | None]) -> None:
        """`enter` moves the replay of a secret on and answers its scope (blocking)."""
        self.app = app
        self.enter = enter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through unless the request carries a replay's token."""
        secret = _replay_secret(scope)
        if secret is None:
            await self.app(scope, receive, send)
            return
        replay = await run_in_threadpool(self.enter, secret)
        if replay is None:
            await self.app(scope, receive, send)
            return
        with entered(replay):
            await self.app(scope, receive, send)


def _replay_secret(scope: Scope) -> str | None:
    if scope["type"] != "http" or _WORKER_PATH not in scope.get("path", ""):
        return None
    for name, value in scope.get("headers") or ():
        if name == b"authorization" and bytes(value[: len(_BEARER)]).lower() == _BEARER:
            secret: str = bytes(value[7:]).decode("latin-1").strip()
            return secret
    return None
