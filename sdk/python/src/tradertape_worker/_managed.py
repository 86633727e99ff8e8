"""`ManagedRun` and `AsyncManagedRun`: a claimed run whose calls carry the session nonce.

``client.run(config)`` gets or creates the run (a 404 means create; a run with another
template, scope or mode is refused), claims its session, beats once, yields one of
these, and releases the session on the way out. It never exits the run, never calls
`safety_check` for you, and never decides anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradertape_worker._base import JsonDict
from tradertape_worker._exceptions import ClientValidationError, KiteAlgoWorkerError
from tradertape_worker._models import SafetyCheckResult, WorkerRunHealthSnapshot
from tradertape_worker._protection import BackendProtection
from tradertape_worker._run_config import RunConfig

if TYPE_CHECKING:
    from tradertape_worker._async_client import AsyncKiteAlgoWorkerClient
    from tradertape_worker._client import KiteAlgoWorkerClient

_IDENTITY = ("template_id", "account_scope", "execution_mode")


def check_same_run(existing: Mapping[str, Any], config: RunConfig) -> None:
    """Refuse to attach to a run created with another template, scope or mode."""
    wrong = {
        key: (existing.get(key), getattr(config, key))
        for key in _IDENTITY
        if str(existing.get(key)) != str(getattr(config, key))
    }
    if wrong:
        raise KiteAlgoWorkerError(
            f"run {config.strategy_run_id} exists with another configuration: {wrong}",
            status_code=409,
        )


def _nonce(nonce: str | None) -> str:
    if nonce is None:
        raise ClientValidationError("this ManagedRun has no claimed session")
    return nonce


@dataclass
class ManagedRun:
    """A run held by this worker (blocking client)."""

    client: KiteAlgoWorkerClient
    config: RunConfig
    run: JsonDict
    session_nonce: str | None = None

    @property
    def run_id(self) -> str:
        """The run's ``strategy_run_id``."""
        return str(self.run["strategy_run_id"])

    def refresh(self) -> JsonDict:
        """Re-read the run from the backend."""
        self.run = self.client.get_run(self.run_id)
        return self.run

    def get_health_snapshot(self) -> WorkerRunHealthSnapshot:
        """The run's health."""
        return self.client.get_run_health_snapshot(self.run_id)

    def heartbeat(
        self,
        *,
        worker_id: str | None = None,
        status: str = "healthy",
        metrics: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """Tell the backend this worker is alive."""
        return self.client.run_heartbeat(
            self.run_id,
            session_nonce=_nonce(self.session_nonce),
            worker_id=worker_id,
            status=status,
            metrics=metrics,
        )

    def progress(self, note: str | None = None) -> JsonDict:
        """Record progress."""
        return self.client.run_progress(
            self.run_id, session_nonce=_nonce(self.session_nonce), note=note
        )

    def safety_check(self) -> SafetyCheckResult:
        """Whether the run may trade now."""
        return self.client.safety_check(self.run_id)

    def place_order(
        self,
        order: Mapping[str, Any],
        *,
        idempotency_key: str,
        metadata: Mapping[str, Any] | None = None,
        safety_token: str | None = None,
    ) -> JsonDict:
        """Place an order once per key."""
        return self.client.place_order(
            self.run_id,
            order,
            idempotency_key,
            metadata=metadata,
            safety_token=safety_token,
            session_nonce=self.session_nonce,
        )

    def place_basket(
        self,
        orders: Iterable[Mapping[str, Any]],
        *,
        idempotency_key: str,
        metadata: Mapping[str, Any] | None = None,
        all_or_none: bool = False,
        dry_run: bool = False,
        safety_token: str | None = None,
    ) -> JsonDict:
        """Place a basket once per key."""
        return self.client.place_basket(
            self.run_id,
            orders,
            idempotency_key,
            metadata=metadata,
            all_or_none=all_or_none,
            dry_run=dry_run,
            safety_token=safety_token,
            session_nonce=self.session_nonce,
        )

    def patch_risk(self, patch: Mapping[str, Any], *, reason: str | None = None) -> JsonDict:
        """Change the run's risk settings."""
        return self.client.patch_risk(
            self.run_id, patch, reason=reason, session_nonce=self.session_nonce
        )

    def update_backend_protection(
        self,
        protection: BackendProtection,
        *,
        reason: str | None = None,
        reset_trailing: bool = True,
    ) -> JsonDict:
        """Replace the run's backend protection."""
        return self.client.update_backend_protection(
            self.run_id,
            protection,
            reason=reason,
            reset_trailing=reset_trailing,
            session_nonce=self.session_nonce,
        )

    def log_decision_event(self, **payload: Any) -> JsonDict:
        """Journal a decision."""
        return self.client.log_decision_event(
            self.run_id, session_nonce=self.session_nonce, **payload
        )

    def get_pnl(self) -> JsonDict:
        """The run's grouped P&L."""
        return self.client.get_run_pnl(self.run_id)

    def list_timeline(self, **params: Any) -> JsonDict:
        """The run's journal."""
        return self.client.list_timeline(self.run_id, **params)

    def stream_timeline(self, **params: Any) -> Iterator[JsonDict]:
        """SSE of the run's journal."""
        return self.client.stream_timeline(self.run_id, **params)

    def exit_run(
        self,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        dry_run: bool = False,
    ) -> JsonDict:
        """Flatten and close the run."""
        return self.client.exit_run(
            self.run_id,
            reason=reason,
            idempotency_key=idempotency_key,
            dry_run=dry_run,
            session_nonce=self.session_nonce,
        )


@dataclass
class AsyncManagedRun:
    """A run held by this worker (asyncio client)."""

    client: AsyncKiteAlgoWorkerClient
    config: RunConfig
    run: JsonDict
    session_nonce: str | None = None

    @property
    def run_id(self) -> str:
        """The run's ``strategy_run_id``."""
        return str(self.run["strategy_run_id"])

    async def refresh(self) -> JsonDict:
        """Re-read the run from the backend."""
        self.run = await self.client.get_run(self.run_id)
        return self.run

    async def heartbeat(
        self,
        *,
        worker_id: str | None = None,
        status: str = "healthy",
        metrics: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """Tell the backend this worker is alive."""
        return await self.client.run_heartbeat(
            self.run_id,
            session_nonce=_nonce(self.session_nonce),
            worker_id=worker_id,
            status=status,
            metrics=metrics,
        )

    async def safety_check(self) -> SafetyCheckResult:
        """Whether the run may trade now."""
        return await self.client.safety_check(self.run_id)

    async def place_order(
        self,
        order: Mapping[str, Any],
        *,
        idempotency_key: str,
        metadata: Mapping[str, Any] | None = None,
        safety_token: str | None = None,
    ) -> JsonDict:
        """Place an order once per key."""
        return await self.client.place_order(
            self.run_id,
            order,
            idempotency_key,
            metadata=metadata,
            safety_token=safety_token,
            session_nonce=self.session_nonce,
        )

    async def log_decision_event(self, **payload: Any) -> JsonDict:
        """Journal a decision."""
        return await self.client.log_decision_event(
            self.run_id, session_nonce=self.session_nonce, **payload
        )

    def stream_timeline(self, **params: Any) -> AsyncIterator[JsonDict]:
        """SSE of the run's journal."""
        return self.client.stream_timeline(self.run_id, **params)

    async def exit_run(
        self,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        dry_run: bool = False,
    ) -> JsonDict:
        """Flatten and close the run."""
        return await self.client.exit_run(
            self.run_id,
            reason=reason,
            idempotency_key=idempotency_key,
            dry_run=dry_run,
            session_nonce=self.session_nonce,
        )
