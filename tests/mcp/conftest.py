"""An assistant key of each scope and an MCP client on the server, in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from mcp_types import CallToolResult

from mcp import Client
from tests.helpers import make_user
from tradertape.mcp.server import build_server
from tradertape.runtime import Runtime
from tradertape.services.accounts import assistant_keys


def issue_key(runtime: Runtime, user_id: int, scope: str, name: str = "Claude") -> str:
    """A new assistant key's secret."""
    with runtime.db.session() as db:
        issued = assistant_keys.create(
            db, clock=runtime.clock, user_id=user_id, name=name, scope=scope
        )
        return issued.secret


def user_with_key(runtime: Runtime, scope: str, email: str = "a@x.in") -> tuple[int, str]:
    """A user and a key of theirs with `scope`."""
    user_id = make_user(runtime, email)
    return user_id, issue_key(runtime, user_id, scope)


def fund(runtime: Runtime, user_id: int, rupees: str) -> None:
    """Add money to the user's paper account."""
    with runtime.db.session() as db:
        runtime.exchange.deposit(db, user_id=user_id, amount=Decimal(rupees), note="test")


@asynccontextmanager
async def connected(runtime: Runtime, secret: str, *, feed: bool = True) -> AsyncIterator[Client]:
    """The SDK's client on a server started with `secret` (as `tradertape mcp` is; without
    a `feed`, as it is: quoting the last stored closes)."""
    async with Client(build_server(runtime, secret=secret, feed=feed)) as client:
        yield client


def structured(result: CallToolResult) -> dict[str, Any]:
    """A successful call's structured answer."""
    assert not result.is_error, result.content
    answer = result.structured_content
    assert isinstance(answer, dict)
    return answer


def text_of(result: CallToolResult) -> str:
    """The text of a call's answer (an error's message)."""
    return " ".join(getattr(block, "text", "") for block in result.content)


Issue = Callable[[str], str]
