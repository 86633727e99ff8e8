"""Each tool call as one piece of work: the key checked, its calls counted, the scope
enforced, the call audited.

The key is checked on every call, not once per connection, so a key revoked in Settings
stops an assistant at its next call. Over HTTP it is the request's ``Authorization``
header; over stdio (and in-process) it is the one the server was started with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from sqlalchemy.orm import Session

from tradertape.domain.market import Tick
from tradertape.errors import RateLimited, TraderTapeError, Unauthenticated
from tradertape.runtime import Runtime
from tradertape.security.tokens import ASSISTANT_KEY_PREFIX
from tradertape.services.accounts import assistant_keys
from tradertape.services.accounts.assistant_keys import AssistantScope
from tradertape.services.accounts.ratelimit import RateLimiter
from tradertape.services.assistant import calls
from tradertape.services.market.closes import CloseTicks
from tradertape.services.market.instruments import build_catalog
from tradertape.services.options.market import OptionMarket

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is from: an assistant key, its user and its fixed scope."""

    user_id: int
    key_id: int
    key_name: str
    scope: AssistantScope


def admit(db: Session, runtime: Runtime, secret: str) -> Caller:
    """The caller `secret` names (its use recorded); 401 when unknown, revoked or the
    owner's account is disabled."""
    if not secret.startswith(ASSISTANT_KEY_PREFIX):
        raise Unauthenticated(f"the MCP server takes an assistant key ({ASSISTANT_KEY_PREFIX}…)")
    row, active = assistant_keys.keys.authenticate_with_owner(
        db, clock=runtime.clock, secret=secret
    )
    if not active:
        raise Unauthenticated("this assistant key's account is disabled")
    return Caller(
        user_id=row.user_id,
        key_id=row.id,
        key_name=row.name,
        scope=AssistantScope(row.scope),
    )


def bearer_of(headers: Any) -> str:
    """The secret of an ``Authorization: Bearer …`` header ("" without one)."""
    header = headers.get("authorization") if headers is not None else None
    if not header:
        return ""
    scheme, _, secret = str(header).partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def closing_market(runtime: Runtime) -> OptionMarket:
    """The market of a process that runs no feed (``tradertape mcp``): its own ticks if any,
    else each instrument's last stored daily close, marked as such (`closes`); index options
    priced by the model from their index's close. Orders never read it: a paper order rests
    until the server's trading loop fills it at a live price."""
    closes = CloseTicks(runtime.candles, runtime.clock)  # real days: a close is a fact

    def last(key: str) -> Tick | None:
        tick = runtime.quotes(key)
        return tick if tick is not None else closes(key)

    return OptionMarket(
        clock=runtime.market_clock,
        calendar=runtime.candles.calendar,
        base=build_catalog,
        quotes=last,
    )


class AssistantDesk:
    """Runs tool calls for the keys of one server (HTTP: each request's; stdio: one)."""

    def __init__(
        self, runtime: Runtime, *, secret: str | None = None, market: OptionMarket | None = None
    ) -> None:
        self.runtime = runtime
        #: where quotes and the option chain are read: the server's feed, or `closing_market`
        self.market = market if market is not None else runtime.options
        self._secret = secret
        self._calls = RateLimiter(
            clock=runtime.clock, limit=runtime.settings.assistant_calls_per_minute
        )

    def secret_of(self, ctx: Context) -> str:
        """The key this call presents."""
        if self._secret is not None:
            return self._secret
        request = ctx.request_context.request
        return bearer_of(getattr(request, "headers", None))

    async def call(
        self,
        ctx: Context,
        tool: str,
        arguments: dict[str, Any],
        needs: AssistantScope,
        work: Callable[[Session, Caller], T],
    ) -> T:
        """Run `work` for the caller if its scope includes `needs`; audit the call either way."""
        secret = self.secret_of(ctx)
        return await anyio.to_thread.run_sync(
            lambda: self._run(secret, tool, arguments, needs, work)
        )

    def _run(
        self,
        secret: str,
        tool: str,
        arguments: dict[str, Any],
        needs: AssistantScope,
        work: Callable[[Session, Caller], T],
    ) -> T:
        runtime = self.runtime
        with runtime.db.session() as db:
            try:
                caller = admit(db, runtime, secret)
            except Unauthenticated as refused:
                raise ToolError(str(refused)) from refused
            call = calls.Call(
                key_id=caller.key_id,
                key_name=caller.key_name,
                scope=caller.scope.value,
                tool=tool,
                arguments=arguments,
            )
            try:
                self._calls.hit(db, [calls.source_of(caller.key_id)])
            except RateLimited as limited:
                reason = (
                    f"this assistant key made too many calls; try again in "
                    f"{limited.retry_after_s} s"
                )
                self._audit(db, caller, call, f"refused: {reason}")
                raise ToolError(reason) from limited
            if not caller.scope.allows(needs):
                reason = (
                    f"this assistant key has the '{caller.scope}' scope and {tool} needs "
                    f"'{needs}'; only the user can create a key with a wider scope, in Settings"
                )
                self._audit(db, caller, call, f"refused: {reason}")
                raise ToolError(reason)
            try:
                result = work(db, caller)
            except TraderTapeError as failed:
                db.rollback()
                self._audit(db, caller, call, f"failed: {failed}")
                raise ToolError(str(failed)) from failed
            self._audit(db, caller, call, "ok")
            return result

    def _audit(self, db: Session, caller: Caller, call: calls.Call, outcome: str) -> None:
        runtime = self.runtime
        calls.record(
            db,
            keys=runtime.audit_keys,
            clock=runtime.clock,
            user_id=caller.user_id,
            call=call,
            outcome=outcome,
        )
