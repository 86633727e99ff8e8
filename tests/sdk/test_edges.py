"""Edge cases against `httpx.MockTransport`: transport failures, odd bodies, stream errors,
the error tree, and the polling helpers with a fake sleep."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tradertape_worker import (
    TERMINAL_ORDER_STATES,
    AlgoWorkerConfig,
    APIStatusError,
    AsyncKiteAlgoWorkerClient,
    CalendarRangeUncoveredError,
    ConflictError,
    KiteAlgoWorkerClient,
    StreamDisconnectedError,
    StreamError,
    TransportError,
    UnsupportedSchemaVersionError,
    WorkerDataUnavailableError,
    ensure_run,
    preview_then_place_order,
    wait_for_fresh_candle,
    wait_for_history,
    wait_for_quotes,
    wait_for_terminal_order_state,
    warmup_history,
)

Handler = Callable[[httpx.Request], httpx.Response]
CONFIG = AlgoWorkerConfig(base_url="http://backend", token="kwa_test")


def client(handler: Handler) -> KiteAlgoWorkerClient:
    return KiteAlgoWorkerClient(CONFIG, transport=httpx.MockTransport(handler))


def sse(*frames: str) -> Handler:
    body = "".join(frames).encode()
    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}
    )


def test_requests_carry_the_token_and_normalized_query():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    worker = client(handler)
    worker.get_historical_candles("408065", ingest=False, passthrough=True)
    worker.release_session("run_x", session_nonce="wsn_1")
    request, release = seen
    assert request.headers["authorization"] == "Bearer kwa_test"
    assert request.url.params["instrument_token"] == "408065"
    assert (request.url.params["ingest"], request.url.params["passthrough"]) == ("false", "true")
    assert "from" not in request.url.params
    assert release.headers["x-worker-session-nonce"] == "wsn_1"
    assert release.url.path == "/api/algo-workers/worker/runs/run_x/claim-session"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            422,
            {"detail": {"rejection_reason": "UNSUPPORTED_SCHEMA_VERSION"}},
            UnsupportedSchemaVersionError,
        ),
        (
            503,
            {"detail": {"rejection_reason": "CALENDAR_RANGE_UNCOVERED"}},
            CalendarRangeUncoveredError,
        ),
        (503, {"detail": "down"}, WorkerDataUnavailableError),
        (409, {"detail": {"rejection_reason": "RUN_NOT_OPEN", "message": "closed"}}, ConflictError),
        (418, "teapot", APIStatusError),
        (500, None, APIStatusError),
    ],
)
def test_error_statuses_map_to_the_tree(status: int, body: Any, kind: type[Exception]):
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, content=b"<html>oops</html>")
        return httpx.Response(status, json=body)

    with pytest.raises(kind) as raised:
        client(handler).health()
    assert type(raised.value) is kind
    assert isinstance(raised.value, APIStatusError)
    assert raised.value.status_code == status
    assert raised.value.response.status_code == status


def test_validation_lists_read_as_field_messages():
    body = {"detail": [{"loc": ["body", "quantity"], "field": "quantity", "msg": "too small"}]}
    with pytest.raises(APIStatusError, match="quantity: too small"):
        client(lambda r: httpx.Response(422, json=body)).health()


def test_odd_success_bodies():
    assert client(lambda r: httpx.Response(204)).health() == {}
    assert client(lambda r: httpx.Response(200, text="plain")).health() == {"raw": "plain"}
    assert client(lambda r: httpx.Response(200, json=[1, 2])).health() == {"raw": [1, 2]}
    assert client(lambda r: httpx.Response(200, json={"x": 1})).list_gtts() == []
    listed = client(lambda r: httpx.Response(200, json=[{"id": 1}, "junk"])).list_gtts()
    assert listed == [{"id": 1}]


def test_transport_failures_are_transport_errors():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError) as raised:
        client(refuse).health()
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    with pytest.raises(TransportError):
        client(refuse).stream_ticks(["INFY"])


def test_stream_frames_end_error_and_bad_json():
    events = client(
        sse(
            ": hi\n\n",
            'event: snapshot\ndata: {"a": 1}\n\n',
            'data: {"b": 2}\n\n',
            "event: end\ndata: {}\n\n",
            'data: {"c": 3}\n\n',
        )
    ).stream_timeline("run_x")
    assert list(events) == [{"a": 1}, {"b": 2}]
    failing = client(sse('event: error\ndata: {"detail": "gone"}\n\n')).stream_timeline("r")
    with pytest.raises(StreamError, match="gone"):
        next(failing)
    garbled = client(sse("data: {nope\n\n")).stream_timeline("r")
    with pytest.raises(StreamError, match="invalid JSON"):
        next(garbled)
    ignored = client(sse("id: 1\nretry: 5\ndata:\n\n", 'data: {"d": 4}\n\n')).stream_timeline("r")
    assert list(ignored) == [{"d": 4}]


class _Broken(httpx.SyncByteStream):
    def __iter__(self):
        yield b'data: {"a": 1}\n\n'
        raise httpx.ReadError("reset")


def test_a_broken_stream_is_a_disconnect():
    worker = client(lambda r: httpx.Response(200, stream=_Broken()))
    events = worker.stream_run_pnl("run_x")
    assert next(events) == {"a": 1}
    with pytest.raises(StreamDisconnectedError):
        next(events)


@pytest.mark.anyio
async def test_async_transport_failures_and_stream_errors():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    broken = AsyncKiteAlgoWorkerClient(CONFIG, transport=httpx.MockTransport(refuse))
    with pytest.raises(TransportError):
        await broken.health()
    with pytest.raises(TransportError):
        await anext(broken.stream_ticks(["INFY"]))
    body = b': hello\n\ndata: {"a": 1}\n\nevent: end\ndata: {}\n\n'
    streaming = AsyncKiteAlgoWorkerClient(
        CONFIG, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    assert [e async for e in streaming.stream_timeline("run_x")] == [{"a": 1}]
    unended = AsyncKiteAlgoWorkerClient(
        CONFIG, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body[:25]))
    )
    assert [e async for e in unended.stream_timeline("run_x")] == [{"a": 1}]
    await unended.aclose()

    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self):
            yield b'data: {"a": 1}\n\n'
            raise httpx.ReadError("reset")

    cut = AsyncKiteAlgoWorkerClient(
        CONFIG, transport=httpx.MockTransport(lambda r: httpx.Response(200, stream=Broken()))
    )
    events = cut.stream_timeline("r")
    assert await anext(events) == {"a": 1}
    with pytest.raises(StreamDisconnectedError):
        await anext(events)
    await cut.aclose()
    async with streaming:  # closes its own pool
        pass


class Script:
    """Answers per path in turn (the last answer repeats); counts the sleeps."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        queue = self.answers[request.url.path.split("/worker/", 1)[1]]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, int):
            return httpx.Response(answer, json={"detail": "no"})
        return httpx.Response(200, json=answer)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def candle(ts: str, *, complete: bool = True) -> dict[str, Any]:
    return {"ts": ts, "open": 1, "high": 1, "low": 1, "close": 1, "is_complete": complete}


def test_polling_helpers_wait_then_return():
    script = Script(
        {
            "market/history": [{"candles": []}, {"candles": [candle("a")]}],
            "orders/o1": [
                {"order": {"order_id": "o1", "status": "OPEN"}},
                {"order": {"order_id": "o1", "status": "COMPLETE"}},
            ],
            "market/quotes": [
                {"quotes": [], "missing": ["NSE:X"]},
                {"quotes": [{"s": 1}], "missing": []},
            ],
            "market/candles": [{"candles": [candle("t1")]}, {"candles": [candle("t2")]}],
        }
    )
    worker = client(script)
    history = wait_for_history(worker, "INFY", sleep=script.sleep, sleep_seconds=0.5)
    order = wait_for_terminal_order_state(worker, "run", "o1", sleep=script.sleep)
    quotes = wait_for_quotes(worker, ["NSE:X"], sleep=script.sleep)
    fresh = wait_for_fresh_candle(worker, "INFY", sleep=script.sleep)

    assert history["candles"][0]["ts"] == "a"
    assert order.status in TERMINAL_ORDER_STATES
    assert quotes["quotes"] == [{"s": 1}]
    assert fresh is not None
    assert fresh.ts == "t2"
    assert script.sleeps == [0.5, 1.0, 1.0, 1.0]


def test_polling_helpers_give_up_with_the_last_answer():
    script = Script(
        {
            "market/history": [{"candles": [candle("a")]}],
            "market/candles": [{"candles": [], "current": candle("f", complete=False)}],
        }
    )
    worker = client(script)
    warm = warmup_history(worker, "INFY", min_candles=5, attempts=3, sleep=script.sleep)
    empty = wait_for_history(worker, "INFY", attempts=1, sleep=script.sleep)
    forming = wait_for_fresh_candle(worker, "INFY", attempts=2, sleep=script.sleep)
    assert len(warm.candles) == 1
    assert empty["candles"]
    assert forming is not None
    assert forming.is_complete is False
    assert script.sleeps == [1.0, 1.0, 1.0]
    nothing = Script({"market/candles": [{"candles": []}]})
    assert wait_for_fresh_candle(client(nothing), "X", attempts=1, sleep=nothing.sleep) is None


def test_ensure_run_and_preview_then_place():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path.split('/worker')[1]}")
        if request.method == "GET":
            return httpx.Response(404, json={"detail": "Strategy run not found"})
        return httpx.Response(200, json=json.loads(request.content or b"{}") | {"ok": True})

    worker = client(handler)
    created = ensure_run(
        worker,
        strategy_run_id="r1",
        template_id="t",
        account_scope="kite:paper",
        execution_mode="paper",
    )
    order = {
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "product": "CNC",
        "order_type": "MARKET",
        "quantity": 1,
    }
    both = preview_then_place_order(worker, "r1", order, idempotency_key="r1:entry:1")
    assert created["strategy_run_id"] == "r1"
    assert set(both) == {"preview", "placed"}
    assert calls == [
        "GET /runs/r1",
        "POST /runs",
        "POST /runs/r1/preview/order",
        "POST /runs/r1/intents",
    ]
