"""`RunConfig`: everything ``client.run(...)`` needs to create or recover a run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradertape_worker._config import env_scope_and_mode
from tradertape_worker._protection import BackendProtection


class RunConfig(BaseModel):
    """A run's identity and starting document; immutable, changed with the ``with_*`` copies."""

    model_config = ConfigDict(frozen=True)

    template_id: str = Field(min_length=1)
    account_scope: str = Field(min_length=1)
    execution_mode: str = "paper"
    strategy_run_id: str | None = None
    summary_fields: list[dict[str, Any]] = Field(default_factory=list)
    risk_schema: list[dict[str, Any]] = Field(default_factory=list)
    allowed_actions: list[str] = Field(default_factory=lambda: ["edit_risk", "exit_strategy"])
    runtime_state: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    backend_protection: BackendProtection | None = None

    @classmethod
    def from_env(
        cls,
        template_id: str,
        *,
        strategy_run_id: str | None = None,
        environ: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> RunConfig:
        """Scope and mode from ``KITE_ALGO_ACCOUNT_SCOPE``/``KITE_ALGO_EXECUTION_MODE``
        (``dry_run`` by default; ``live`` only with ``KITE_ALGO_ENABLE_LIVE=1``)."""
        scope, mode = env_scope_and_mode(environ)
        return cls(
            template_id=template_id,
            account_scope=scope,
            execution_mode=mode,
            strategy_run_id=strategy_run_id,
            **fields,
        )

    def with_metadata(self, **values: Any) -> RunConfig:
        """A copy with metadata added."""
        return self.model_copy(update={"metadata": {**self.metadata, **values}})

    def with_summary_field(self, key: str, value: Any, **extra: Any) -> RunConfig:
        """A copy with one more run-card field."""
        entry = {"key": key, "value": value, **extra}
        return self.model_copy(update={"summary_fields": [*self.summary_fields, entry]})

    def with_risk_patch(self, **patch: Any) -> RunConfig:
        """A copy whose ``runtime_state.risk`` has `patch` merged in."""
        risk = {**dict(self.runtime_state.get("risk") or {}), **patch}
        return self.model_copy(update={"runtime_state": {**self.runtime_state, "risk": risk}})

    def with_runtime_state_patch(self, **patch: Any) -> RunConfig:
        """A copy with top-level runtime state keys replaced."""
        return self.model_copy(update={"runtime_state": {**self.runtime_state, **patch}})

    def with_allowed_actions(self, *actions: str) -> RunConfig:
        """A copy that also allows `actions`."""
        merged = [*self.allowed_actions, *(a for a in actions if a not in self.allowed_actions)]
        return self.model_copy(update={"allowed_actions": merged})

    def with_backend_protection(self, protection: BackendProtection) -> RunConfig:
        """A copy with a backend protection document."""
        return self.model_copy(update={"backend_protection": protection})

    def to_create_run_payload(self) -> dict[str, Any]:
        """The body of ``POST /worker/runs``."""
        state = dict(self.runtime_state)
        if self.backend_protection is not None:
            state["backend_protection"] = self.backend_protection.to_dict()
        payload: dict[str, Any] = {
            "template_id": self.template_id,
            "account_scope": self.account_scope,
            "execution_mode": self.execution_mode,
            "summary_fields": list(self.summary_fields),
            "risk_schema": list(self.risk_schema),
            "allowed_actions": list(self.allowed_actions),
            "runtime_state": state,
            "metadata": dict(self.metadata),
        }
        if self.strategy_run_id is not None:
            payload["strategy_run_id"] = self.strategy_run_id
        return payload
