"""Every call an assistant makes, in its user's audit trail, named by its key.

An entry is ``assistant.call`` from source ``assistant:<key id>``; its payload names the
key, the tool, the arguments and the outcome (``ok``, ``refused: …``, ``failed: …``). It is
chained and signed as the order events are (`services.audit.trail`), so the user can read
back, and verify, what each assistant did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tradertape.ports.clock import Clock
from tradertape.services.audit.keys import AuditKeys
from tradertape.services.audit.trail import Appended, AuditTrail

CALL_KIND = "assistant.call"
_MAX_ARGUMENT_TEXT = 2000  # what a payload keeps of the arguments (an assistant may send a lot)


@dataclass(frozen=True, slots=True)
class Call:
    """One call an assistant made with its key."""

    key_id: int
    key_name: str
    scope: str
    tool: str
    arguments: dict[str, Any]


def source_of(key_id: int) -> str:
    """The audit entry's source for an assistant key."""
    return f"assistant:{key_id}"


def record(
    db: Session, *, keys: AuditKeys, clock: Clock, user_id: int, call: Call, outcome: str
) -> None:
    """Append the call to the user's trail and commit."""
    arguments = _bounded(call.arguments)
    AuditTrail(keys).record(
        db,
        user_id,
        Appended(
            at=clock.now(),
            kind=CALL_KIND,
            source=source_of(call.key_id),
            order_id=None,
            payload={
                "key_id": call.key_id,
                "key_name": call.key_name,
                "scope": call.scope,
                "tool": call.tool,
                "arguments": arguments,
                "outcome": outcome[:500],
            },
        ),
    )
    db.commit()


def _bounded(arguments: dict[str, Any]) -> dict[str, Any]:
    text = repr(arguments)
    if len(text) <= _MAX_ARGUMENT_TEXT:
        return arguments
    return {"truncated": text[:_MAX_ARGUMENT_TEXT]}
