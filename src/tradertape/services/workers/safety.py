"""The safety check and its short-lived HMAC safety tokens.

A token says "this run could trade, in this state, until this instant". It is signed
with a key derived from the server secret and bound to the run, the token that asked,
and a fingerprint of the state that decides trading (run status, protection status,
generation, exit claim). An intent that carries one is refused once the token has
expired or the state has moved on, so a worker acting on a stale decision is stopped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tradertape.db.models import WorkerRun
from tradertape.domain.worker_runs import RunStatus, heartbeat_age
from tradertape.errors import Rejected
from tradertape.security.tokens import digests_equal
from tradertape.services.workers.context import WorkerContext
from tradertape.services.workers.views import iso

_PREFIX = "wst1"

OPTIONS_NOT_APPLICABLE: dict[str, Any] = {
    "applicable": False,
    "run_status": None,
    "evaluation_mode": None,
    "triggered": False,
    "blocking": False,
    "blocking_reason": None,
    "matched_rule": None,
    "metrics": {},
    "recommended_exit_orders_count": 0,
}


def protection_state(run: WorkerRun) -> dict[str, Any]:
    """The run's backend-protection state (an empty dict before any)."""
    state = run.runtime_state.get("backend_protection_state")
    return state if isinstance(state, dict) else {}


# Option-run statuses in which the run may still trade (reference §3.3).
_OPTIONS_ACTIVE = ("created", "entry_previewed", "entering", "entered", "partial_entry")


def options_run(run: WorkerRun) -> dict[str, Any]:
    """The option run's status and verdict as mirrored on the run (empty without one)."""
    mirrored = run.runtime_state.get("options_run")
    return mirrored if isinstance(mirrored, dict) else {}


def blocking_reasons(run: WorkerRun) -> list[str]:
    """Why the run may not trade now; empty when it may."""
    state = protection_state(run)
    options = options_run(run)
    reasons = []
    if run.status != RunStatus.OPEN:
        reasons.append("RUN_NOT_OPEN")
    if state.get("status") == "triggered":
        reasons.append("GENERIC_PROTECTION_TRIGGERED")
    if state.get("exit_submitted") or state.get("exit_claim_id"):
        reasons.append("GENERIC_EXIT_IN_PROGRESS")
    if options and options.get("status") not in _OPTIONS_ACTIVE:
        reasons.append("OPTIONS_RUN_NOT_ACTIVE")
    if options.get("triggered"):
        reasons.append("OPTIONS_PROTECTION_TRIGGERED")
    return reasons


def fingerprint(run: WorkerRun) -> str:
    """A digest of everything that decides whether the run may trade."""
    state = protection_state(run)
    parts = (
        run.status,
        str(state.get("status") or "none"),
        "1" if state.get("exit_submitted") else "0",
        str(state.get("generation") or 0),
        str(state.get("exit_claim_id") or ""),
        # Whether the option run lets the run trade, not its exact status: creating and
        # previewing an option run must not void the token the worker is about to use.
        "1" if options_run(run).get("status", "created") in _OPTIONS_ACTIVE else "0",
        "1" if options_run(run).get("triggered") else "0",
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(workers: WorkerContext, body: bytes) -> bytes:
    return hmac.new(workers.safety_key, body, hashlib.sha256).digest()


def issue(workers: WorkerContext, run: WorkerRun, now: datetime) -> tuple[str, datetime]:
    """A safety token for the run's current state and its expiry."""
    expires = now + workers.safety_ttl
    claims = {
        "r": run.id,
        "t": run.token_id,
        "f": fingerprint(run),
        "e": int(expires.timestamp() * 1000),
    }
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    return f"{_PREFIX}.{_b64(body)}.{_b64(_sign(workers, body))}", expires


def _claims(workers: WorkerContext, token: str) -> dict[str, Any] | None:
    try:
        prefix, body_text, sig_text = token.split(".")
        body, sig = _unb64(body_text), _unb64(sig_text)
    except ValueError:
        return None
    if prefix != _PREFIX or not hmac.compare_digest(sig, _sign(workers, body)):
        return None
    try:
        claims = json.loads(body)
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def verify(workers: WorkerContext, run: WorkerRun, token: str, now: datetime) -> None:
    """Accept a token issued for this run in its current state and not expired; else 409."""
    claims = _claims(workers, token)
    expires_ms = claims.get("e") if claims else None
    valid = (
        claims is not None
        and claims.get("r") == run.id
        and claims.get("t") == run.token_id
        and isinstance(expires_ms, int)
        and now < datetime.fromtimestamp(expires_ms / 1000, tz=UTC)
        and digests_equal(str(claims.get("f")), fingerprint(run))
    )
    if not valid:
        raise Rejected(
            409,
            "SAFETY_TOKEN_EXPIRED",
            "the safety token is expired, forged or for another state; run safety_check again",
            strategy_run_id=run.run_key,
            blocking_reasons=blocking_reasons(run) or ["SAFETY_STATE_UNKNOWN"],
        )


def _options_block(run: WorkerRun) -> dict[str, Any]:
    options = options_run(run)
    if not options:
        return dict(OPTIONS_NOT_APPLICABLE)
    triggered = bool(options.get("triggered"))
    return {
        **OPTIONS_NOT_APPLICABLE,
        "applicable": True,
        "run_status": options.get("status"),
        "evaluation_mode": options.get("evaluation_mode", "on_demand"),
        "triggered": triggered,
        "blocking": triggered,
        "blocking_reason": "OPTIONS_PROTECTION_TRIGGERED" if triggered else None,
        "matched_rule": options.get("matched_rule"),
    }


def check(workers: WorkerContext, run: WorkerRun, risk: Sequence[str] = ()) -> dict[str, Any]:
    """The safety-check result: exactly the keys the 0.7.4 SDK's strict model accepts.

    `risk` is what the user's risk rules refuse the run now (`RiskMonitor.blocking`: the kill
    switch, a limit already breached): any such reason means ``can_trade: false``.
    """
    now = workers.clock.now()
    reasons = [*blocking_reasons(run), *risk]
    state = protection_state(run)
    token, expires = issue(workers, run, now) if not reasons else (None, None)
    return {
        "strategy_run_id": run.run_key,
        "can_trade": not reasons,
        "run_status": run.status,
        "safety_token": token,
        "token_expires_at": iso(expires),
        "blocking_reasons": reasons,
        "generic_protection": {
            "status": state.get("status", "disabled"),
            "triggered_rule": state.get("triggered_rule"),
            "exit_submitted": bool(state.get("exit_submitted", False)),
            "heartbeat_age_sec": heartbeat_age(run.last_heartbeat_at, now),
            "last_checked_at": state.get("last_checked_at"),
        },
        "options_protection": _options_block(run),
        "evaluated_at": iso(now),
    }
