"""Connection, run lifecycle, sessions, safety, risk and backend protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tradertape_worker._base import (
    Call,
    JsonDict,
    as_dict,
    endpoint,
    json_call,
    nonce_headers,
)
from tradertape_worker._config import require_mode
from tradertape_worker._models import RunProtectionState, SafetyCheckResult, WorkerRunHealthSnapshot
from tradertape_worker._protection import BackendProtection
from tradertape_worker._run_config import RunConfig


def _beat(worker_id: str | None, status: str, metrics: Mapping[str, Any] | None) -> JsonDict:
    body: JsonDict = {"status": status, "metrics": dict(metrics or {})}
    if worker_id is not None:
        body["worker_id"] = worker_id
    return body


def _protection_state(run: Any) -> RunProtectionState:
    state = as_dict(run).get("runtime_state") or {}
    return RunProtectionState.model_validate(state.get("backend_protection_state") or {})


class RunsAPI:
    """Endpoints of the run lifecycle (mixed into both clients)."""

    @endpoint
    def health(self) -> Call[JsonDict]:
        """What the token may do: ``{status: "ok", token_id, account_scope, allowed_*}``."""
        return json_call("GET", "/worker/health")

    @endpoint
    def heartbeat(
        self,
        worker_id: str | None = None,
        status: str = "healthy",
        metrics: Mapping[str, Any] | None = None,
    ) -> Call[JsonDict]:
        """Token-level liveness (the backend's fallback sign of life for its runs)."""
        return json_call("POST", "/worker/heartbeat", body=_beat(worker_id, status, metrics))

    @endpoint
    def create_run(
        self,
        *,
        template_id: str,
        account_scope: str,
        strategy_run_id: str | None = None,
        execution_mode: str = "paper",
        summary_fields: Iterable[Mapping[str, Any]] | None = None,
        risk_schema: Iterable[Mapping[str, Any]] | None = None,
        allowed_actions: Iterable[str] | None = None,
        runtime_state: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        backend_protection: BackendProtection | None = None,
    ) -> Call[JsonDict]:
        """Create a run, or recover this token's run of the same ``strategy_run_id``.

        ``live`` is refused here unless ``KITE_ALGO_ENABLE_LIVE=1``.
        """
        config = RunConfig(
            template_id=template_id,
            account_scope=account_scope,
            execution_mode=execution_mode,
            strategy_run_id=strategy_run_id,
            summary_fields=[dict(f) for f in summary_fields or []],
            risk_schema=[dict(f) for f in risk_schema or []],
            allowed_actions=list(allowed_actions or ["edit_risk", "exit_strategy"]),
            runtime_state=dict(runtime_state or {}),
            metadata=dict(metadata or {}),
            backend_protection=backend_protection,
        )
        return _create(config)

    @endpoint
    def create_run_from_config(self, config: RunConfig) -> Call[JsonDict]:
        """`create_run` from a `RunConfig`."""
        return _create(config)

    @endpoint
    def get_run(self, strategy_run_id: str) -> Call[JsonDict]:
        """The run with its health fields; 404 (`NotFoundError`) if unknown."""
        return json_call("GET", f"/worker/runs/{strategy_run_id}")

    @endpoint
    def get_run_health_snapshot(self, strategy_run_id: str) -> Call[WorkerRunHealthSnapshot]:
        """The run's operational health, typed."""
        return Call(
            "GET", f"/worker/runs/{strategy_run_id}", WorkerRunHealthSnapshot.model_validate
        )

    @endpoint
    def get_run_protection_state(self, strategy_run_id: str) -> Call[RunProtectionState]:
        """``runtime_state.backend_protection_state`` of the run."""
        return Call("GET", f"/worker/runs/{strategy_run_id}", _protection_state)

    @endpoint
    def list_runs(self, *, limit: int = 25, cursor: str | None = None) -> Call[JsonDict]:
        """This token's runs, newest first; pass ``next_cursor`` back for more."""
        return json_call("GET", "/worker/runs", params={"limit": limit, "cursor": cursor})

    @endpoint
    def claim_session(self, strategy_run_id: str) -> Call[JsonDict]:
        """Take the run's worker session: ``{worker_session_nonce, ...}``."""
        return json_call("POST", f"/worker/runs/{strategy_run_id}/claim-session")

    @endpoint
    def release_session(self, strategy_run_id: str, *, session_nonce: str) -> Call[JsonDict]:
        """Give the session up."""
        return Call(
            "DELETE",
            f"/worker/runs/{strategy_run_id}/claim-session",
            as_dict,
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def run_heartbeat(
        self,
        strategy_run_id: str,
        *,
        session_nonce: str,
        worker_id: str | None = None,
        status: str = "healthy",
        metrics: Mapping[str, Any] | None = None,
    ) -> Call[JsonDict]:
        """The session holder is alive."""
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/heartbeat",
            as_dict,
            json=_beat(worker_id, status, metrics),
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def run_progress(
        self, strategy_run_id: str, *, session_nonce: str, note: str | None = None
    ) -> Call[JsonDict]:
        """Record progress (needs the ``runs:progress`` action)."""
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/progress",
            as_dict,
            json={"note": note} if note is not None else {},
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def safety_check(self, strategy_run_id: str) -> Call[SafetyCheckResult]:
        """Whether the run may trade; pass ``safety_token`` to the next guarded action."""
        return Call(
            "GET", f"/worker/runs/{strategy_run_id}/safety-check", SafetyCheckResult.model_validate
        )

    @endpoint
    def patch_risk(
        self,
        strategy_run_id: str,
        patch: Mapping[str, Any],
        reason: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Merge `patch` into ``runtime_state.risk`` (and matching ``risk_schema`` values)."""
        return Call(
            "PATCH",
            f"/worker/runs/{strategy_run_id}/risk",
            as_dict,
            json={"patch": dict(patch), "reason": reason},
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def update_backend_protection(
        self,
        strategy_run_id: str,
        backend_protection: BackendProtection,
        *,
        reason: str | None = None,
        reset_trailing: bool = True,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Replace the run's protection (a new generation); the updated run."""
        body = {
            "backend_protection": backend_protection.to_dict(),
            "reason": reason,
            "reset_trailing": reset_trailing,
        }
        return Call(
            "PATCH",
            f"/worker/runs/{strategy_run_id}/protection",
            as_dict,
            json=body,
            headers=nonce_headers(session_nonce),
        )


def _create(config: RunConfig) -> Call[JsonDict]:
    require_mode(config.execution_mode)
    return json_call("POST", "/worker/runs", body=config.to_create_run_payload())
