"""`AsyncKiteAlgoWorkerClient`: the asyncio client, method for method the blocking one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

import httpx

from tradertape_worker._base import AsyncIO, Call, JsonDict, SSEDecoder, T
from tradertape_worker._client import headers_for, read
from tradertape_worker._config import AlgoWorkerConfig, require_mode
from tradertape_worker._exceptions import (
    NotFoundError,
    StreamDisconnectedError,
    TransportError,
    error_for_response,
)
from tradertape_worker._execution_api import ExecutionAPI
from tradertape_worker._journal_api import JournalAPI
from tradertape_worker._managed import AsyncManagedRun, check_same_run
from tradertape_worker._market_api import MarketAPI
from tradertape_worker._options_api import AsyncOptionWorkerClient
from tradertape_worker._run_config import RunConfig
from tradertape_worker._runs_api import RunsAPI


class AsyncKiteAlgoWorkerClient(RunsAPI, ExecutionAPI, JournalAPI, MarketAPI, AsyncIO):
    """The worker API over HTTP, for asyncio (``await client.place_order(...)``)."""

    def __init__(
        self,
        config: AlgoWorkerConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=config.timeout)

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncKiteAlgoWorkerClient:
        """A client configured from ``KITE_ALGO_*`` environment variables."""
        return cls(AlgoWorkerConfig.from_env(), **kwargs)

    @property
    def options(self) -> AsyncOptionWorkerClient:
        """The options namespace (``await client.options.get_chain("NIFTY")``)."""
        return AsyncOptionWorkerClient(self)

    async def aclose(self) -> None:
        """Close the connection pool (if this client opened it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _request(self, call: Call[Any], *, read_timeout: bool = True) -> httpx.Request:
        timeout = httpx.Timeout(
            self.config.timeout, read=self.config.timeout if read_timeout else None
        )
        return self._http.build_request(
            call.method,
            self.config.url(call.path),
            params=call.query(),
            json=call.json,
            headers=headers_for(self.config, call),
            timeout=timeout,
        )

    async def _asend(self, call: Call[T]) -> T:
        try:
            response = await self._http.send(self._request(call))
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {call.path}: {exc}") from exc
        return read(call, response)

    async def _astream(self, call: Call[JsonDict]) -> AsyncIterator[JsonDict]:
        try:
            response = await self._http.send(self._request(call, read_timeout=False), stream=True)
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {call.path}: {exc}") from exc
        try:
            if not response.is_success:
                await response.aread()
                raise error_for_response(response)
            decoder = SSEDecoder(call.path)
            async for line in response.aiter_lines():
                item = decoder.feed(line)
                if item is SSEDecoder.END:
                    return
                if item is not None:
                    yield item
        except httpx.TransportError as exc:
            raise StreamDisconnectedError(f"the stream {call.path} broke: {exc}") from exc
        finally:
            await response.aclose()

    async def _get_or_create(self, config: RunConfig) -> JsonDict:
        require_mode(config.execution_mode)
        if config.strategy_run_id:
            try:
                existing = await self.get_run(config.strategy_run_id)
            except NotFoundError:
                return await self.create_run_from_config(config)
            check_same_run(existing, config)
            return existing
        return await self.create_run_from_config(config)

    @asynccontextmanager
    async def run(
        self,
        config: RunConfig,
        *,
        claim_session: bool = True,
        heartbeat_on_enter: bool = True,
        release_on_exit: bool = True,
    ) -> AsyncIterator[AsyncManagedRun]:
        """Get or create the run, claim its session, beat once; release on the way out."""
        if heartbeat_on_enter and not claim_session:
            raise ValueError("heartbeat_on_enter needs claim_session=True")
        run = await self._get_or_create(config)
        run_id = str(run["strategy_run_id"])
        nonce: str | None = None
        if claim_session:
            nonce = str((await self.claim_session(run_id))["worker_session_nonce"])
            if heartbeat_on_enter:
                await self.run_heartbeat(run_id, session_nonce=nonce)
        failed = False
        try:
            yield AsyncManagedRun(client=self, config=config, run=run, session_nonce=nonce)
        except BaseException:
            failed = True
            raise
        finally:
            if release_on_exit and nonce is not None:
                try:
                    await self.release_session(run_id, session_nonce=nonce)
                except Exception:
                    if not failed:
                        raise
