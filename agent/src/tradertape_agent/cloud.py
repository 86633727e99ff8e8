"""The cloud's agent API (seed 001 "Agent API"), spoken with the agent's ``zt_`` key.

Each answer's shape is written down in ``agent/README.md``; the server's routes answer it.
"""

from __future__ import annotations

from typing import Any

import httpx

from tradertape_agent import __version__


class CloudError(Exception):
    """The cloud could not be asked or answered oddly; the message is the user's."""


class CloudAuthError(CloudError):
    """The cloud refused the key (401/403)."""

    def __init__(self) -> None:
        super().__init__(
            "Cloud authentication failed: the agent API key is wrong, expired or revoked. "
            "Regenerate it in TraderTape Settings → Trading Agent, then run "
            "tradertape-agent configure again."
        )


class CloudUnreachable(CloudError):
    """No answer (DNS, refused connection, timeout) or a 5xx."""


class Cloud:
    """A client of the agent API. `transport` replaces the network (tests)."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.health = "ok"
        self._http = httpx.Client(
            base_url=self.url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": f"tradertape-agent/{__version__}",
            },
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"X-Agent-Version": __version__, "X-Agent-Health": self.health}
        try:
            answer = self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CloudUnreachable(f"Cloud unreachable at {self.url}: {exc}") from None
        if answer.status_code in (401, 403):
            raise CloudAuthError
        if answer.status_code >= 500:
            raise CloudUnreachable(f"Cloud error at {self.url}{path}: HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise CloudError(f"The cloud refused {method} {path}: {_detail(answer)}")
        try:
            return answer.json()
        except ValueError:
            raise CloudError(
                f"{self.url}{path} did not answer JSON; is the cloud URL right?"
            ) from None

    def pending_signals(self) -> dict[str, Any]:
        """``GET /api/agent/pending-signals``: ``{"signals": [...], ...}``."""
        data = self._call("GET", "/api/agent/pending-signals")
        if not isinstance(data, dict) or not isinstance(data.get("signals"), list):
            raise CloudError("the cloud's pending signals had no 'signals' list")
        return data

    def signal_result(self, result: dict[str, Any]) -> Any:
        """``POST /api/agent/signal-result``."""
        return self._call("POST", "/api/agent/signal-result", result)

    def sync_holdings(self, snapshot: dict[str, Any]) -> Any:
        return self._call("POST", "/api/agent/sync-holdings", snapshot)

    def sync_positions(self, snapshot: dict[str, Any]) -> Any:
        return self._call("POST", "/api/agent/sync-positions", snapshot)

    def expected_positions(self) -> list[dict[str, Any]]:
        """``GET /api/agent/expected-positions``: what the cloud holds open per symbol."""
        data = self._call("GET", "/api/agent/expected-positions")
        rows = data.get("positions") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise CloudError("the cloud's expected positions had no 'positions' list")
        return rows

    def pending_token(self) -> dict[str, Any]:
        """``GET /api/agent/pending-token``: ``{"broker": ..., "request_token": ... | null}``."""
        data = self._call("GET", "/api/agent/pending-token")
        return data if isinstance(data, dict) else {}

    def access_token(self, broker: str, token: str, expires_at: str | None) -> Any:
        body = {"broker": broker, "access_token": token, "expires_at": expires_at}
        return self._call("POST", "/api/agent/access-token", body)


def _detail(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else f"HTTP {answer.status_code}"
