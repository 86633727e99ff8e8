"""Worker sessions: claim, release, run heartbeat and progress, fenced by a nonce.

One worker at a time holds a run. A claim succeeds only when nobody holds it or the
holder has gone quiet (no heartbeat within the freshness window, or none at all within
the claim window after claiming); even the same token cannot claim twice. Every step
runs under the run's lock, so two claimants racing get one nonce and one 409.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from tradertape.db.models import WorkerRun, WorkerToken
from tradertape.domain.worker_runs import nonce_presented
from tradertape.errors import Rejected
from tradertape.security.tokens import digests_equal
from tradertape.services.workers.access import locked_run
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import iso

MAX_NOTE = 200


def _require_holder(run: WorkerRun, header: str | None) -> None:
    """Heartbeat, progress and release need the holder's exact nonce."""
    presented = nonce_presented(header)
    if presented is None:
        raise Rejected(
            409,
            "WORKER_SESSION_REQUIRED",
            "send the X-Worker-Session-Nonce of your claimed session",
            strategy_run_id=run.run_key,
        )
    held = run.session_nonce
    if held is None or not digests_equal(presented, held):
        raise Rejected(
            409,
            "WORKER_SESSION_CONFLICT",
            "this nonce does not hold the run's worker session",
            strategy_run_id=run.run_key,
        )


def claim(workers: WorkerContext, db: Session, token: WorkerToken, run_key: str) -> dict[str, Any]:
    """Take the run's session; 409 ``WORKER_SESSION_CONFLICT`` while another holds it."""
    run = locked_run(db, token, run_key)
    now = workers.clock.now()
    if not workers.windows.claimable(
        run.session_nonce, run.session_claimed_at, run.last_heartbeat_at, now
    ):
        raise Rejected(
            409,
            "WORKER_SESSION_CONFLICT",
            "another worker session holds this run; it can be taken over once it goes stale",
            strategy_run_id=run.run_key,
        )
    run.session_nonce = f"wsn_{secrets.token_hex(16)}"
    run.session_claimed_at = now
    run.last_heartbeat_at = None  # the new holder's own beats count from here
    run.updated_at = now
    db.commit()
    return {
        "strategy_run_id": run.run_key,
        "worker_session_nonce": run.session_nonce,
        "worker_session_claimed_at": iso(now),
    }


def release(
    workers: WorkerContext, db: Session, token: WorkerToken, run_key: str, nonce: str | None
) -> dict[str, Any]:
    """Give the session up (the holder's nonce only)."""
    run = locked_run(db, token, run_key)
    _require_holder(run, nonce)
    run.session_nonce = None
    run.session_claimed_at = None
    run.updated_at = workers.clock.now()
    db.commit()
    return {"status": "released", "strategy_run_id": run.run_key}


def heartbeat(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    nonce: str | None,
    beat: dict[str, Any],
) -> dict[str, Any]:
    """Mark the holder alive; the body (status, metrics, worker id) is kept for display."""
    run = locked_run(db, token, run_key)
    _require_holder(run, nonce)
    now = workers.clock.now()
    run.last_heartbeat_at = now
    run.heartbeat = beat
    db.commit()
    return {"status": "ok", "strategy_run_id": run.run_key, "last_heartbeat_at": iso(now)}


def progress(
    workers: WorkerContext,
    db: Session,
    token: WorkerToken,
    run_key: str,
    nonce: str | None,
    note: str | None,
) -> dict[str, Any]:
    """Record the holder's progress signal (arrival time and an optional short note)."""
    run = locked_run(db, token, run_key)
    _require_holder(run, nonce)
    run.last_progress_at = workers.clock.now()
    run.progress_note = note
    db.commit()
    return {"status": "ok", "strategy_run_id": run.run_key, "recorded": True}
