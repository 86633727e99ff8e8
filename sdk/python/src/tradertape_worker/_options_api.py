"""The ``client.options`` namespace: chains, greeks, contract selection and option runs.

`OptionWorkerClient` and `AsyncOptionWorkerClient` describe each call once (like the
rest of the SDK) and send it through the client they belong to, so they share its
connection, token and error mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from tradertape_worker._base import (
    AsyncIO,
    Call,
    JsonDict,
    SyncIO,
    T,
    as_dict,
    endpoint,
    json_call,
    nonce_headers,
)

_BASE = "/worker/options"


def _u(underlying: str) -> str:
    return f"{_BASE}/underlyings/{quote(str(underlying).strip(), safe='')}"


def _run(run_id: str) -> str:
    return f"{_BASE}/runs/{quote(str(run_id), safe='')}"


def _legs(legs: Sequence[Mapping[str, Any] | BaseModel]) -> list[JsonDict]:
    return [
        leg.model_dump(mode="json", exclude_none=True) if isinstance(leg, BaseModel) else dict(leg)
        for leg in legs
    ]


def _action(
    path: str,
    payload: Mapping[str, Any] | None,
    safety_token: str | None,
    session_nonce: str | None,
) -> Call[JsonDict]:
    body = dict(payload or {})
    if safety_token is not None:
        body["safety_token"] = safety_token
    return Call(
        "POST",
        path,
        as_dict,
        json=body,
        headers=nonce_headers(session_nonce),
    )


class OptionsAPI:
    """Every options endpoint (the reference's ``client.options`` table)."""

    @endpoint
    def ensure_session(self, underlying: str) -> Call[JsonDict]:
        """What is listed for `underlying` (``NIFTY``) and its index price."""
        return json_call("GET", f"{_u(underlying)}/session")

    @endpoint
    def list_expiries(self, underlying: str) -> Call[JsonDict]:
        """``{underlying, expiries, spot_ltp, updated_at}``, nearest first."""
        return json_call("GET", f"{_u(underlying)}/expiries")

    @endpoint
    def get_chain(self, underlying: str, expiry: str | None = None) -> Call[JsonDict]:
        """One expiry's chain (``current_week``, ``next_week``, ``nearest``, a date…)."""
        return json_call("GET", f"{_u(underlying)}/chain", params={"expiry": expiry})

    @endpoint
    def get_mini_chain(
        self, underlying: str, expiry: str | None = None, window: int = 5
    ) -> Call[JsonDict]:
        """The `window` strikes either side of ATM."""
        params = {"expiry": expiry, "window": window}
        return json_call("GET", f"{_u(underlying)}/mini-chain", params=params)

    @endpoint
    def get_greeks(self, underlying: str, expiry: str | None = None) -> Call[JsonDict]:
        """Every contract of one expiry with IV and greeks."""
        return json_call("GET", f"{_u(underlying)}/greeks", params={"expiry": expiry})

    @endpoint
    def get_pcr(self, underlying: str, expiry: str | None = None) -> Call[JsonDict]:
        """Put/call ratio of one expiry's open interest (``value``)."""
        return json_call("GET", f"{_u(underlying)}/analytics/pcr", params={"expiry": expiry})

    @endpoint
    def get_max_pain(self, underlying: str, expiry: str | None = None) -> Call[JsonDict]:
        """The max-pain strike of one expiry (``value``)."""
        return json_call("GET", f"{_u(underlying)}/analytics/max-pain", params={"expiry": expiry})

    @endpoint
    def resolve_contracts(self, underlying: str, payload: Mapping[str, Any]) -> Call[JsonDict]:
        """``{expiry, legs: [{option_type, strike | offset | delta_target | moneyness}]}``."""
        return json_call("POST", f"{_u(underlying)}/selection/resolve", body=dict(payload))

    @endpoint
    def preview_strategy(self, payload: Mapping[str, Any]) -> Call[JsonDict]:
        """Resolve a strategy's legs and price it: ``{underlying, expiry, legs, net_premium}``."""
        return json_call("POST", f"{_BASE}/strategies/preview", body=dict(payload))

    @endpoint
    def create_run(
        self,
        strategy_name: str,
        product: str,
        legs: Sequence[Mapping[str, Any] | BaseModel],
        protection: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        strategy_run_id: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """An option run on the worker run `strategy_run_id` (or on a new paper run)."""
        body: JsonDict = {
            "strategy_name": strategy_name,
            "product": product,
            "legs": _legs(legs),
            "protection": dict(protection) if protection is not None else None,
            "metadata": dict(metadata or {}),
        }
        if strategy_run_id is not None:
            body["strategy_run_id"] = strategy_run_id
        path = f"{_BASE}/runs"
        return Call(
            "POST",
            path,
            as_dict,
            json=body,
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def preview_run_entry(
        self, strategy_run_id: str, payload: Mapping[str, Any] | None = None
    ) -> Call[JsonDict]:
        """The entry basket with net premium, margin and charges (places nothing)."""
        return json_call("POST", f"{_run(strategy_run_id)}/preview-entry", body=dict(payload or {}))

    @endpoint
    def preview_entry(
        self, strategy_run_id: str, payload: Mapping[str, Any] | None = None
    ) -> Call[JsonDict]:
        """`preview_run_entry` (the README's name)."""
        return json_call("POST", f"{_run(strategy_run_id)}/preview-entry", body=dict(payload or {}))

    @endpoint
    def preview_exit(
        self, strategy_run_id: str, payload: Mapping[str, Any] | None = None
    ) -> Call[JsonDict]:
        """The orders that would flatten the run, with their charges."""
        return json_call("POST", f"{_run(strategy_run_id)}/preview-exit", body=dict(payload or {}))

    @endpoint
    def enter(
        self,
        strategy_run_id: str,
        payload: Mapping[str, Any] | None = None,
        safety_token: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Place the legs as one basket, once per idempotency key (``payload``'s, or derived)."""
        return _action(f"{_run(strategy_run_id)}/enter", payload, safety_token, session_nonce)

    @endpoint
    def exit(
        self,
        strategy_run_id: str,
        payload: Mapping[str, Any] | None = None,
        safety_token: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Flatten the legs at market (shorts bought back first)."""
        return _action(f"{_run(strategy_run_id)}/exit", payload, safety_token, session_nonce)

    @endpoint
    def get_run_state(self, strategy_run_id: str) -> Call[JsonDict]:
        """The option run with each leg's position and mark."""
        return json_call("GET", f"{_run(strategy_run_id)}/state")

    @endpoint
    def update_protection(
        self,
        strategy_run_id: str,
        protection: Mapping[str, Any],
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Replace the rules: ``{rules, precedence}`` or ``{"stoploss_pct": 2.0}``."""
        path = f"{_run(strategy_run_id)}/protection"
        return Call(
            "PUT",
            path,
            as_dict,
            json=dict(protection),
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def get_protection_state(self, strategy_run_id: str) -> Call[JsonDict]:
        """The rules' verdict on the current metrics."""
        return json_call("GET", f"{_run(strategy_run_id)}/protection/state")

    @endpoint
    def replay_protection(
        self,
        strategy_run_id: str,
        metric_snapshots: Sequence[Mapping[str, Any]],
        protection: Mapping[str, Any] | None = None,
    ) -> Call[JsonDict]:
        """What-if: the rules (the run's, or ``protection``) on each snapshot of metrics."""
        body: dict[str, Any] = {"metric_snapshots": [dict(m) for m in metric_snapshots]}
        if protection is not None:
            body["protection"] = dict(protection)
        return json_call("POST", f"{_run(strategy_run_id)}/protection/replay", body=body)


class OptionWorkerClient(OptionsAPI, SyncIO):
    """``client.options`` of the blocking client."""

    def __init__(self, parent: SyncIO) -> None:
        self._parent = parent

    def _send(self, call: Call[T]) -> T:
        return self._parent._send(call)


class AsyncOptionWorkerClient(OptionsAPI, AsyncIO):
    """``client.options`` of the asyncio client (``await client.options.get_chain(...)``)."""

    def __init__(self, parent: AsyncIO) -> None:
        self._parent = parent

    async def _asend(self, call: Call[T]) -> T:
        return await self._parent._asend(call)
