"""The cloud's agent API (seed 001 "Agent API"), spoken with the agent's ``zt_`` key.

The contract is ``docs/agent-api.md`` (the server's pydantic models answer it); `Poll`
reads the poll's answer exactly as written there, and an answer that is not is a
`CloudError` naming what is missing, never a KeyError deep in a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tradertape_agent import __version__


class CloudError(Exception):
    """The cloud could not be asked or answered oddly; the message is the user's."""


class CloudRefused(CloudError):
    """The cloud answered a 4xx other than 401, 403, 408 and 429 (docs/agent-api.md lists
    404, 409 and 422): asking again the same way will not help."""


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


class CloudBusy(CloudUnreachable):
    """The cloud answered, but not now: a 5xx, 408 or 429 (ask again later)."""


#: Answers that say "later", not "never".
RETRY_LATER = (408, 429)


#: What each handed-out signal must carry for the agent to place it.
SIGNAL_FIELDS = ("signal_id", "signal_type", "symbol", "side", "quantity", "placement", "risk")
PLACEMENT_FIELDS = ("kind", "trigger_values", "legs")


@dataclass(frozen=True)
class Poll:
    """``GET /api/agent/pending-signals``: signals to place, the gate's refusals (each
    once), the account's kill switch and its upload obfuscation switch."""

    signals: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    kill_switch: bool
    obfuscate: bool
    #: The catalog's sector of each symbol synced or handed out (an older cloud: none).
    sectors: Mapping[str, str] = field(default_factory=dict)
    #: Signals waiting for the user's approval in the cloud (an older cloud: none).
    awaiting: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, data: Any) -> Poll:
        if not isinstance(data, Mapping):
            raise CloudError("the cloud's pending signals were not a JSON object")
        lists = {}
        for name in ("signals", "refused"):
            rows = data.get(name)
            if not isinstance(rows, list):
                raise CloudError(f"the cloud's pending signals had no '{name}' list")
            lists[name] = [_signal(row, name) for row in rows]
        flags = {}
        for name in ("kill_switch", "obfuscate"):
            value = data.get(name)
            if not isinstance(value, bool):
                raise CloudError(f"the cloud's pending signals had no '{name}' flag")
            flags[name] = value
        awaiting = data.get("awaiting") or []
        if not isinstance(awaiting, list):
            raise CloudError("the cloud's pending signals had an 'awaiting' that is no list")
        sectors = data.get("sectors") or {}
        if not isinstance(sectors, Mapping):
            raise CloudError("the cloud's pending signals had a 'sectors' that is no object")
        return cls(
            lists["signals"],
            lists["refused"],
            flags["kill_switch"],
            flags["obfuscate"],
            {str(k): str(v) for k, v in sectors.items()},
            [_signal(row, "awaiting") for row in awaiting],
        )


def _signal(row: Any, where: str) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise CloudError(f"a signal under '{where}' was not a JSON object")
    missing = [f for f in SIGNAL_FIELDS if f not in row]
    placement = row.get("placement")
    if isinstance(placement, Mapping):
        missing += [f"placement.{f}" for f in PLACEMENT_FIELDS if f not in placement]
    elif "placement" not in missing:
        missing.append("placement (an object)")
    if missing:
        sid = row.get("signal_id", "?")
        raise CloudError(f"signal {sid} under '{where}' lacks {', '.join(missing)}")
    return dict(row)


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
        self.poll_interval: int | None = None
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

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        poll: bool = False,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        headers = {"X-Agent-Version": __version__, "X-Agent-Health": self.health}
        if poll and self.poll_interval:
            headers["X-Agent-Poll-Interval"] = str(self.poll_interval)
        try:
            if files is not None:
                answer = self._http.request(
                    method, path, files=files, data=form, headers=headers, timeout=120
                )
            else:
                answer = self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CloudUnreachable(f"Cloud unreachable at {self.url}: {exc}") from None
        if answer.status_code in (401, 403):
            raise CloudAuthError
        if answer.status_code >= 500 or answer.status_code in RETRY_LATER:
            raise CloudBusy(f"Cloud error at {self.url}{path}: HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise CloudRefused(f"the cloud refused {method} {path}: {_detail(answer)}")
        try:
            return answer.json()
        except ValueError:
            raise CloudError(
                f"{self.url}{path} did not answer JSON; is the cloud URL right?"
            ) from None

    def pending_signals(self) -> Poll:
        """``GET /api/agent/pending-signals``, read as the contract says."""
        return Poll.read(self._call("GET", "/api/agent/pending-signals", poll=True))

    def signal_result(self, result: dict[str, Any]) -> Any:
        """``POST /api/agent/signal-result``."""
        return self._call("POST", "/api/agent/signal-result", result)

    def decide(self, signal_id: int, action: str) -> Any:
        """``POST /api/agent/signals/{id}/approve|reject``: the user's decision in the agent."""
        assert action in ("approve", "reject"), action
        return self._call("POST", f"/api/agent/signals/{int(signal_id)}/{action}")

    def sync_holdings(self, snapshot: dict[str, Any]) -> Any:
        return self._call("POST", "/api/agent/sync-holdings", snapshot)

    def sync_positions(self, snapshot: dict[str, Any]) -> Any:
        return self._call("POST", "/api/agent/sync-positions", snapshot)

    def expected_positions(self) -> list[dict[str, Any]]:
        """``GET /api/agent/expected-positions``: what the cloud holds open per broker and
        symbol (a list of ``{"broker", "symbol", "quantity", ...}``)."""
        rows = self._call("GET", "/api/agent/expected-positions")
        if not isinstance(rows, list) or not all(
            isinstance(r, Mapping) and "symbol" in r and "quantity" in r for r in rows
        ):
            raise CloudError("the cloud's expected positions were not a list of positions")
        return [dict(r) for r in rows]

    def alert_fires(self, after_id: int) -> list[dict[str, Any]]:
        """``GET /api/agent/alert-fires?after_id=``: the owner's alert fires after the last the
        agent saw, oldest first (a page of at most 50)."""
        rows = self._call("GET", f"/api/agent/alert-fires?after_id={after_id}")
        if not isinstance(rows, list) or not all(
            isinstance(r, Mapping) and isinstance(r.get("id"), int) and "symbol" in r for r in rows
        ):
            raise CloudError("the cloud's alert fires were not a list of fires")
        return [dict(r) for r in rows]

    def mutual_funds(self) -> dict[str, Any]:
        """``GET /api/agent/mutual-funds``: the owner's CAS funds, valued by the cloud."""
        data = self._call("GET", "/api/agent/mutual-funds")
        if not isinstance(data, Mapping) or not isinstance(data.get("funds"), list):
            raise CloudError("the cloud's mutual funds were not a list of funds")
        return dict(data)

    def upload(
        self, kind: str, filename: str, content: bytes, *, fingerprint: str | None
    ) -> dict[str, Any]:
        """``POST /api/uploads/tradebook|ledger``: one file, flagged obfuscated with the
        factor's `fingerprint` when it was scaled. The cloud's report of it comes back."""
        field = "files[]" if kind == "tradebook" else "file"
        form = {"obfuscated": "true", "factor_fingerprint": fingerprint} if fingerprint else {}
        data = self._call(
            "POST",
            f"/api/uploads/{kind}",
            files=[(field, (filename, content, "application/octet-stream"))],
            form=form,
        )
        if not isinstance(data, Mapping):
            raise CloudError("the cloud's upload report was not one")
        report = (data.get("files") or [None])[0] if kind == "tradebook" else data
        if not isinstance(report, Mapping) or "status" not in report:
            raise CloudError("the cloud's upload report was not one")
        return dict(report)

    def pending_token(self, broker: str = "kite") -> dict[str, Any]:
        """``GET /api/agent/pending-token``: ``{"broker": ..., "request_token": ... | null}``."""
        data = self._call("GET", f"/api/agent/pending-token?broker={broker}")
        return data if isinstance(data, dict) else {}

    def broker_sessions(self) -> list[dict[str, Any]]:
        """``GET /api/agent/broker-sessions``: each configured broker's session at the cloud,
        its expiry and ``action`` ("… log in again" once it expired or the broker ended it)."""
        data = self._call("GET", "/api/agent/broker-sessions")
        return (
            [dict(row) for row in data if isinstance(row, Mapping)]
            if isinstance(data, list)
            else []
        )

    def access_token(self, broker: str, token: str, broker_user_id: str | None) -> Any:
        """``POST /api/agent/access-token``: the session exchanged with the local secret."""
        body = {"broker": broker, "access_token": token, "broker_user_id": broker_user_id}
        return self._call("POST", "/api/agent/access-token", body)


def _detail(answer: httpx.Response) -> str:
    """The cloud's ``detail``: its words, or each bad field's name and why (a 422)."""
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):
        said = [
            f"{d.get('field') or '.'.join(str(x) for x in d.get('loc', []))}: {d.get('msg')}"
            for d in detail
            if isinstance(d, Mapping)
        ]
        detail = "; ".join(said)
    return str(detail) if detail else f"HTTP {answer.status_code}"
