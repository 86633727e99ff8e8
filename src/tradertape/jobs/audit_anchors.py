"""The audit trail's anchors written as the server runs: every `audit_anchor_every_secs`,
in the process that holds the database's lease (one writer per data folder), each user's
grown trail head is signed into the anchor file (`services.audit.anchors`)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from tradertape.db.leader import LeaderLease
from tradertape.runtime import Runtime
from tradertape.services.audit.anchors import anchor_heads

log = logging.getLogger("tradertape.audit")


def anchor_once(runtime: Runtime) -> int:
    """Anchor every grown trail now; the number of anchors moved (0 when the database does
    not answer: the next round tries again)."""
    try:
        with runtime.db.jobs.session() as db:
            return anchor_heads(
                db, file=runtime.audit_anchors, keys=runtime.audit_keys, clock=runtime.clock
            )
    except (SQLAlchemyError, OSError) as exc:
        log.warning("audit anchors not written this round: %s", exc)
        return 0


async def anchor_loop(runtime: Runtime, lease: LeaderLease) -> None:
    """Anchor while this process leads (another process's anchors are its own to write)."""
    every = runtime.settings.audit_anchor_every_secs
    while True:
        await asyncio.sleep(every)
        if lease.held:
            await asyncio.to_thread(anchor_once, runtime)
