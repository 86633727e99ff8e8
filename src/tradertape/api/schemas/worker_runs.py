"""A worker run as the worker API shows it (``/algo-workers/worker/runs``).

The SDKs read the fields named here; further keys are kept (`OpenModel`). A run's
documents (``metadata``, ``runtime_state``, the summary and risk fields) are the worker's
own JSON, passed back as they were stored.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradertape.api.schemas.open_models import OpenModel


class WorkerField(OpenModel):
    """An entry of a run's ``summary_fields`` or ``risk_schema``: the worker's own JSON;
    ``key`` names a ``runtime_state.risk`` value a risk patch also writes here."""

    key: Any = Field(default=None, description="usually the field's name (a string)")
    label: Any = Field(default=None, description="usually what a screen shows for it")
    value: Any = Field(default=None, description="the field's value, as the worker set it")


class RunListItem(OpenModel):
    """A run in the run list."""

    strategy_run_id: str
    name: str | None
    template_id: str
    account_scope: str
    execution_mode: str
    status: str
    created_at: str | None
    updated_at: str | None
    closed_at: str | None


class RunOut(RunListItem):
    """The full run: identity, the worker's documents, its session and health."""

    token_id: str
    summary_fields: list[WorkerField]
    risk_schema: list[WorkerField]
    allowed_actions: list[str]
    runtime_state: dict[str, Any]
    metadata: dict[str, Any]
    worker_session_nonce: str | None = Field(description="the claimed session's; null: none")
    worker_session_claimed_at: str | None
    last_heartbeat_at: str | None
    heartbeat_age_sec: int | None
    health_status: str
    session_status: str
    recovery_status: Any = Field(description="from `runtime_state.runtime_recovery`; `none`")
    recovery_action_required: bool
