"""Orders: place (exactly once per idempotency key), preview, inspect, cancel, modify, exit.

Every order is checked with the server's field rules before it is sent (`validate_order`),
and idempotency keys are checked for length, so these mistakes cost no round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tradertape_worker._base import (
    Call,
    JsonDict,
    as_dict,
    endpoint,
    idempotency_key,
    json_call,
    nonce_headers,
)
from tradertape_worker._models import OrderPreview, WorkerOrderSnapshot
from tradertape_worker._orders import validate_order


def _orders(orders: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = [dict(order) for order in orders]
    for order in checked:
        validate_order(order)
    return checked


def _intent(
    intent_type: str,
    payload: JsonDict,
    key: str,
    metadata: Mapping[str, Any] | None,
    safety_token: str | None,
) -> JsonDict:
    body: JsonDict = {
        "intent_type": intent_type,
        "payload": payload,
        "idempotency_key": idempotency_key(key),
        "metadata": dict(metadata or {}),
    }
    if safety_token is not None:
        body["safety_token"] = str(safety_token)
    return body


def _order_of(body: Any) -> WorkerOrderSnapshot:
    data = as_dict(body)
    return WorkerOrderSnapshot.model_validate(data.get("order") or data)


class ExecutionAPI:
    """Order endpoints (mixed into both clients)."""

    @endpoint
    def place_order(
        self,
        strategy_run_id: str,
        order: Mapping[str, Any],
        idempotency_key: str,
        metadata: Mapping[str, Any] | None = None,
        safety_token: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Place `order` once per key: ``{status: "accepted"|"deduped", result}``."""
        payload = {"order": _orders([order])[0]}
        body = _intent("place_order", payload, idempotency_key, metadata, safety_token)
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/intents",
            as_dict,
            json=body,
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def place_basket(
        self,
        strategy_run_id: str,
        orders: Iterable[Mapping[str, Any]],
        idempotency_key: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        all_or_none: bool = False,
        dry_run: bool = False,
        safety_token: str | None = None,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Place several orders under one key (all-or-none, or leg by leg; or a dry run)."""
        basket = {"orders": _orders(orders), "all_or_none": all_or_none, "dry_run": dry_run}
        body = _intent("place_basket", {"basket": basket}, idempotency_key, metadata, safety_token)
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/intents",
            as_dict,
            json=body,
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def preview_order(
        self,
        strategy_run_id: str,
        order: Mapping[str, Any],
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> Call[JsonDict]:
        """Margin and itemized charges of `order`, without placing it."""
        body = {"order": _orders([order])[0], "metadata": dict(metadata or {})}
        return json_call("POST", f"/worker/runs/{strategy_run_id}/preview/order", body=body)

    @endpoint
    def preview_order_snapshot(
        self,
        strategy_run_id: str,
        order: Mapping[str, Any],
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> Call[OrderPreview]:
        """`preview_order`, typed."""
        body = {"order": _orders([order])[0], "metadata": dict(metadata or {})}
        path = f"/worker/runs/{strategy_run_id}/preview/order"
        return Call("POST", path, OrderPreview.model_validate, json=body)

    @endpoint
    def preview_basket(
        self,
        strategy_run_id: str,
        orders: Iterable[Mapping[str, Any]],
        *,
        metadata: Mapping[str, Any] | None = None,
        all_or_none: bool = False,
    ) -> Call[JsonDict]:
        """Costs of a basket, leg by leg and together."""
        body = {
            "orders": _orders(orders),
            "metadata": dict(metadata or {}),
            "all_or_none": all_or_none,
        }
        return json_call("POST", f"/worker/runs/{strategy_run_id}/preview/basket", body=body)

    @endpoint
    def list_orders(self, strategy_run_id: str) -> Call[JsonDict]:
        """The run's orders in Kite's shape: ``{strategy_run_id, orders}``."""
        return json_call("GET", "/worker/orders", params={"strategy_run_id": strategy_run_id})

    @endpoint
    def list_trades(self, strategy_run_id: str) -> Call[JsonDict]:
        """The run's trades: ``{strategy_run_id, trades}``."""
        return json_call("GET", "/worker/trades", params={"strategy_run_id": strategy_run_id})

    @endpoint
    def get_order_snapshot(self, strategy_run_id: str, order_id: str) -> Call[WorkerOrderSnapshot]:
        """One of the run's orders, typed."""
        params = {"strategy_run_id": strategy_run_id}
        return Call("GET", f"/worker/orders/{order_id}", _order_of, params=params)

    @endpoint
    def get_order_history(self, strategy_run_id: str, order_id: str) -> Call[JsonDict]:
        """Every state the order went through: ``{strategy_run_id, order_id, history}``."""
        params = {"strategy_run_id": strategy_run_id}
        return json_call("GET", f"/worker/orders/{order_id}/history", params=params)

    @endpoint
    def cancel_order(
        self,
        strategy_run_id: str,
        order_id: str,
        *,
        variety: str = "regular",
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Cancel one of the run's working orders."""
        return Call(
            "POST",
            f"/worker/orders/{order_id}/cancel",
            as_dict,
            json={"strategy_run_id": strategy_run_id, "variety": variety},
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def modify_order(
        self,
        strategy_run_id: str,
        order_id: str,
        patch: Mapping[str, Any],
        *,
        variety: str = "regular",
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Change quantity, prices, type or validity of one of the run's working orders."""
        return Call(
            "POST",
            f"/worker/orders/{order_id}/modify",
            as_dict,
            json={"strategy_run_id": strategy_run_id, "variety": variety, **dict(patch)},
            headers=nonce_headers(session_nonce),
        )

    @endpoint
    def exit_run(
        self,
        strategy_run_id: str,
        reason: str | None = None,
        idempotency_key: str | None = None,
        dry_run: bool = False,
        session_nonce: str | None = None,
    ) -> Call[JsonDict]:
        """Flatten and close the run (``dry_run``: only the plan)."""
        body = {"reason": reason, "idempotency_key": idempotency_key, "dry_run": dry_run}
        return Call(
            "POST",
            f"/worker/runs/{strategy_run_id}/exit",
            as_dict,
            json=body,
            headers=nonce_headers(session_nonce),
        )
