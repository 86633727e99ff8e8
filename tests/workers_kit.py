"""A worker as the SDK drives the API: bearer token, the worker prefix, JSON in and out."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick

PREFIX = "/api/algo-workers/worker"


def order(
    symbol: str = "INFY", side: str = "BUY", quantity: int = 1, **extra: Any
) -> dict[str, Any]:
    """An equity MARKET order as ``equity_market_order`` builds it."""
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": side,
        "variety": "regular",
        "product": "CNC",
        "order_type": "MARKET",
        "quantity": quantity,
        "validity": "DAY",
        **extra,
    }


class Worker:
    """HTTP calls a worker makes, with its token."""

    def __init__(self, http: TestClient | httpx.Client, secret: str, token_id: str) -> None:
        self.http = http
        self.secret = secret
        self.token_id = token_id

    def _headers(self, nonce: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"}
        if nonce is not None:
            headers["X-Worker-Session-Nonce"] = nonce
        return headers

    def call(
        self,
        method: str,
        path: str,
        *,
        nonce: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """One request under the worker prefix."""
        return self.http.request(
            method, PREFIX + path, headers=self._headers(nonce), json=json, params=params
        )

    def create_run(self, run_id: str = "run_test_001", **body: Any) -> dict[str, Any]:
        """Create (or recover) a paper run on the token's scope."""
        payload = {
            "template_id": "basic-equity",
            "account_scope": "kite:paper",
            "execution_mode": "paper",
            "strategy_run_id": run_id,
            **body,
        }
        response = self.call("POST", "/runs", json=payload)
        assert response.status_code in (200, 201), response.text
        run: dict[str, Any] = response.json()
        return run

    def place(
        self, run_id: str, key: str, the_order: dict[str, Any] | None = None, **extra: Any
    ) -> Any:
        """``place_order`` with an idempotency key."""
        body = {
            "intent_type": "place_order",
            "payload": {"order": the_order or order()},
            "idempotency_key": key,
            "metadata": {},
            **extra,
        }
        nonce = body.pop("nonce", None)
        return self.call("POST", f"/runs/{run_id}/intents", json=body, nonce=nonce)


def issue_token(client: TestClient, runtime: Runtime, email: str, **grants: Any) -> tuple[str, str]:
    """Sign `email` in (creating the user) and issue a worker token; (secret, token id). Its
    scope is ``kite:paper`` unless `grants` name one (the suite's runs use that account)."""
    sign_in(client, runtime, email)
    body = {"name": "worker", "account_scope": "kite:paper", **grants}
    response = client.post("/api/algo-workers/tokens", json=body)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["token"], body["token_id"]


def new_worker(
    client: TestClient, runtime: Runtime, email: str = "w@x.in", **grants: Any
) -> Worker:
    """A worker on its own HTTP client (the operator's cookie stays on `client`)."""
    secret, token_id = issue_token(client, runtime, email, **grants)
    return Worker(TestClient(client.app), secret, token_id)


def set_price(runtime: Runtime, key: str, price: str) -> None:
    """Make `price` the last traded price of `key` now."""
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now()))


# A worker run's backend protection of one INFY position: a 2 % stop, trailing 5 %.
PROTECTED_POSITION: dict[str, Any] = {
    "enabled": True,
    "positions": [
        {
            "symbol": "NSE:INFY",
            "product": "CNC",
            "side": "BUY",
            "quantity": 1,
            "entry_price": 1500,
            "stoploss_pct": 2,
            "trailing_stoploss_pct": 5,
        }
    ],
}
