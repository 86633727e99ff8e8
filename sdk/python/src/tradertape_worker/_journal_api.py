"""Grouped P&L, funds, the run's journal (decision events, timeline) and their streams."""

from __future__ import annotations

from typing import Any

from tradertape_worker._base import (
    Call,
    JsonDict,
    as_dict,
    endpoint,
    json_call,
    nonce_headers,
    stream,
)
from tradertape_worker._models import (
    WorkerFundsSnapshot,
    WorkerRunPnlSnapshot,
    WorkerTimelineResponse,
)


class JournalAPI:
    """P&L, funds and journal endpoints (mixed into both clients)."""

    @endpoint
    def get_run_pnl(self, strategy_run_id: str) -> Call[JsonDict]:
        """The run's grouped P&L: ``totals`` (five numbers) and ``legs``."""
        return json_call("GET", f"/worker/runs/{strategy_run_id}/pnl")

    @endpoint
    def get_run_pnl_snapshot(self, strategy_run_id: str) -> Call[WorkerRunPnlSnapshot]:
        """`get_run_pnl`, typed."""
        path = f"/worker/runs/{strategy_run_id}/pnl"
        return Call("GET", path, WorkerRunPnlSnapshot.model_validate)

    @stream
    def stream_run_pnl(
        self, strategy_run_id: str, *, interval_seconds: float = 1.0
    ) -> Call[JsonDict]:
        """SSE: the P&L snapshot each time it changes (``interval_seconds`` 0.25..5)."""
        params = {"interval_seconds": interval_seconds}
        return json_call("GET", f"/worker/runs/{strategy_run_id}/pnl/stream", params=params)

    @endpoint
    def get_funds(self, *, mode: str = "paper", account_scope: str | None = None) -> Call[JsonDict]:
        """Funds of the token's scope (or another it may use)."""
        return json_call(
            "GET", "/worker/funds", params={"mode": mode, "account_scope": account_scope}
        )

    @endpoint
    def get_funds_snapshot(
        self, *, mode: str = "paper", account_scope: str | None = None
    ) -> Call[WorkerFundsSnapshot]:
        """`get_funds`, typed."""
        params = {"mode": mode, "account_scope": account_scope}
        return Call("GET", "/worker/funds", WorkerFundsSnapshot.model_validate, params=params)

    @endpoint
    def get_run_funds(self, strategy_run_id: str) -> Call[JsonDict]:
        """Account funds plus the run's exposure against its allocation cap."""
        return json_call("GET", f"/worker/runs/{strategy_run_id}/funds")

    @endpoint
    def log_decision_event(
        self, /, strategy_run_id: str, *, session_nonce: str | None = None, **payload: Any
    ) -> Call[JsonDict]:
        """Journal a decision: ``event_type``/``summary``/``details`` (seed 002) or
        ``decision_type``/``action``/``summary``/``metadata``."""
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/decision-events",
            as_dict,
            json=payload,
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def list_timeline(self, /, strategy_run_id: str, **params: Any) -> Call[JsonDict]:
        """The run's events after ``after_cursor`` (filters: ``event_kind``, ``event_type``…)."""
        return json_call("GET", f"/worker/runs/{strategy_run_id}/timeline", params=params)

    @endpoint
    def list_timeline_snapshot(
        self, /, strategy_run_id: str, **params: Any
    ) -> Call[WorkerTimelineResponse]:
        """`list_timeline`, typed."""
        path = f"/worker/runs/{strategy_run_id}/timeline"
        return Call("GET", path, WorkerTimelineResponse.model_validate, params=params)

    @stream
    def stream_timeline(self, /, strategy_run_id: str, **params: Any) -> Call[JsonDict]:
        """SSE: events after ``after_cursor``, then each new one."""
        return json_call("GET", f"/worker/runs/{strategy_run_id}/timeline/stream", params=params)

    @endpoint
    def list_execution_events(
        self,
        strategy_run_id: str,
        *,
        after_cursor: int = 0,
        limit: int = 200,
        basket_execution_id: str | None = None,
        event_type: str | None = None,
    ) -> Call[JsonDict]:
        """The run's execution events (orders, baskets) only."""
        params = {
            "after_cursor": after_cursor,
            "limit": limit,
            "basket_execution_id": basket_execution_id,
            "event_type": event_type,
        }
        path = f"/worker/runs/{strategy_run_id}/execution-events"
        return json_call("GET", path, params=params)

    @stream
    def stream_execution_events(self, /, strategy_run_id: str, **params: Any) -> Call[JsonDict]:
        """SSE: execution events after ``after_cursor``, then each new one."""
        path = f"/worker/runs/{strategy_run_id}/execution-events/stream"
        return json_call("GET", path, params=params)
