"""`KiteAlgoWorkerClient`: the blocking client (every API method is in the mixins)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import httpx

from tradertape_worker._base import Call, JsonDict, SSEDecoder, SyncIO, T
from tradertape_worker._config import AlgoWorkerConfig, require_mode
from tradertape_worker._exceptions import (
    NotFoundError,
    StreamDisconnectedError,
    TransportError,
    error_for_response,
)
from tradertape_worker._execution_api import ExecutionAPI
from tradertape_worker._journal_api import JournalAPI
from tradertape_worker._managed import ManagedRun, check_same_run
from tradertape_worker._market_api import MarketAPI
from tradertape_worker._options_api import OptionWorkerClient
from tradertape_worker._run_config import RunConfig
from tradertape_worker._runs_api import RunsAPI


def headers_for(config: AlgoWorkerConfig, call: Call[Any]) -> dict[str, str]:
    """Authentication and the call's own headers."""
    return {
        "Authorization": f"Bearer {config.token}",
        "Accept": "application/json",
        **call.headers,
    }


def read(call: Call[T], response: httpx.Response) -> T:
    """The parsed answer, or the exception for an error status."""
    if not response.is_success:
        raise error_for_response(response)
    if response.status_code == 204 or not response.content:
        return call.parse({})
    try:
        body = response.json()
    except ValueError:
        body = {"raw": response.text}
    return call.parse(body)


class KiteAlgoWorkerClient(RunsAPI, ExecutionAPI, JournalAPI, MarketAPI, SyncIO):
    """The worker API over HTTP, blocking.

    Parameters
    ----------
    config
        Where the backend is and the worker token.
    transport
        An httpx transport (tests, proxies); ignored when `http_client` is given.
    http_client
        An httpx client to send through (it is not closed by `close`).
    """

    def __init__(
        self,
        config: AlgoWorkerConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=config.timeout)

    @classmethod
    def from_env(cls, **kwargs: Any) -> KiteAlgoWorkerClient:
        """A client configured from ``KITE_ALGO_*`` environment variables."""
        return cls(AlgoWorkerConfig.from_env(), **kwargs)

    @property
    def options(self) -> OptionWorkerClient:
        """The options namespace (chains, greeks, selection, option runs)."""
        return OptionWorkerClient(self)

    def close(self) -> None:
        """Close the connection pool (if this client opened it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _request(self, call: Call[Any]) -> httpx.Request:
        return self._http.build_request(
            call.method,
            self.config.url(call.path),
            params=call.query(),
            json=call.json,
            headers=headers_for(self.config, call),
            timeout=self.config.timeout,
        )

    def _send(self, call: Call[T]) -> T:
        try:
            response = self._http.send(self._request(call))
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {call.path}: {exc}") from exc
        return read(call, response)

    def _stream(self, call: Call[JsonDict]) -> Iterator[JsonDict]:
        request = self._request(call)
        request.extensions["timeout"] = httpx.Timeout(self.config.timeout, read=None).as_dict()
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {call.path}: {exc}") from exc
        if not response.is_success:
            response.read()
            response.close()
            raise error_for_response(response)
        return self._events(call.path, response)

    @staticmethod
    def _events(path: str, response: httpx.Response) -> Iterator[JsonDict]:
        decoder = SSEDecoder(path)
        try:
            for line in response.iter_lines():
                item = decoder.feed(line)
                if item is SSEDecoder.END:
                    return
                if item is not None:
                    yield item
        except httpx.TransportError as exc:
            raise StreamDisconnectedError(f"the stream {path} broke: {exc}") from exc
        finally:
            response.close()

    def _get_or_create(self, config: RunConfig) -> JsonDict:
        require_mode(config.execution_mode)
        if config.strategy_run_id:
            try:
                existing = self.get_run(config.strategy_run_id)
            except NotFoundError:
                return self.create_run_from_config(config)
            check_same_run(existing, config)
            return existing
        return self.create_run_from_config(config)

    @contextmanager
    def run(
        self,
        config: RunConfig,
        *,
        claim_session: bool = True,
        heartbeat_on_enter: bool = True,
        release_on_exit: bool = True,
    ) -> Iterator[ManagedRun]:
        """Get or create the run, claim its session, beat once; release on the way out."""
        if heartbeat_on_enter and not claim_session:
            raise ValueError("heartbeat_on_enter needs claim_session=True")
        run = self._get_or_create(config)
        run_id = str(run["strategy_run_id"])
        nonce: str | None = None
        if claim_session:
            nonce = str(self.claim_session(run_id)["worker_session_nonce"])
            if heartbeat_on_enter:
                self.run_heartbeat(run_id, session_nonce=nonce)
        failed = False
        try:
            yield ManagedRun(client=self, config=config, run=run, session_nonce=nonce)
        except BaseException:
            failed = True
            raise
        finally:
            if release_on_exit and nonce is not None:
                try:
                    self.release_session(run_id, session_nonce=nonce)
                except Exception:
                    if not failed:
                        raise
