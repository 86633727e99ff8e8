"""Worker streams: SSE (P&L, timeline, execution events, ticks, candles) and the three
WebSockets, with quick heartbeats so every test ends in well under a second of waiting."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.workers_kit import PREFIX, Worker, new_worker, order, set_price
from tradertape.runtime import Runtime
from tradertape.services.workers.streams import Event
from tradertape.serving.open_streams import EventStream, StreamCap
from tradertape.settings import Settings
from tradertape.testkit import make_tick


@pytest.fixture
def settings(settings: Settings) -> Settings:
    quick = {"worker_stream_poll_secs": 0.02, "worker_stream_heartbeat_secs": 0.2}
    return settings.model_copy(update=quick)


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_s")
    worker.place("run_s", "run_s:entry:1", order(quantity=2))
    return worker


class Frames:
    """SSE frames of a streaming response: ``(event, data)``, ``("heartbeat", None)``."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def next(self) -> tuple[str | None, Any]:
        event: str | None = None
        for line in self._lines:
            if line.startswith(": heartbeat"):
                return "heartbeat", None
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                return event, json.loads(line.split(":", 1)[1])
        raise AssertionError("the stream ended")

    def until(self, wanted: str | None) -> Any:
        for _ in range(200):
            event, data = self.next()
            if event == wanted:
                return data
        raise AssertionError(f"no {wanted} event")


@contextmanager
def stream(worker: Worker, path: str, **params: Any) -> Iterator[Frames]:
    headers = {"Authorization": f"Bearer {worker.secret}"}
    with worker.http.stream("GET", PREFIX + path, headers=headers, params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Frames(response.iter_lines())


def test_pnl_stream_sends_changes_and_heartbeats(worker: Worker, runtime: Runtime):
    with stream(worker, "/runs/run_s/pnl/stream", interval_seconds=0.25) as frames:
        first = frames.until("snapshot")
        assert first["totals"]["unrealized_pnl"] == 0.0
        assert frames.next() == ("heartbeat", None)  # nothing changed
        set_price(runtime, "NSE:INFY", "1510")
        moved = frames.until("snapshot")
    assert moved["totals"]["unrealized_pnl"] == 20.0
    assert set(moved) == set(first)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/runs/nope/pnl/stream", {}, 404),
        ("/runs/run_s/pnl/stream", {"interval_seconds": 0.1}, 422),
        ("/runs/nope/timeline/stream", {}, 404),
        ("/runs/run_s/timeline/stream", {"limit": 2001}, 422),
        ("/market/ticks/stream", {"tokens": "12,abc"}, 422),
        ("/market/candles/stream", {"symbol": "NSE:NOPE"}, 404),
    ],
)
def test_streams_refuse_before_streaming(
    worker: Worker, path: str, params: dict[str, Any], status: int
):
    assert worker.call("GET", path, params=params).status_code == status


def test_timeline_stream_backfills_then_follows(worker: Worker, client: TestClient):
    other = Worker(TestClient(client.app), worker.secret, worker.token_id)
    decision = {"decision_type": "note", "action": "observe", "summary": "watching"}
    with stream(worker, "/runs/run_s/timeline/stream") as frames:
        backfill = frames.until(None)
        assert (backfill["cursor"], backfill["event_type"]) == (1, "order.updated")
        assert frames.next() == ("heartbeat", None)
        other.call("POST", "/runs/run_s/decision-events", json=decision)
        live = frames.until(None)
    assert (live["cursor"], live["event_type"], live["summary"]) == (2, "decision.note", "watching")
    assert set(live) == set(backfill)


def test_timeline_stream_resumes_after_a_cursor_with_filters(worker: Worker):
    note = {"decision_type": "note", "action": "observe", "summary": "one"}
    worker.call("POST", "/runs/run_s/decision-events", json=note)
    worker.call("POST", "/runs/run_s/decision-events", json={**note, "summary": "two"})
    with stream(
        worker, "/runs/run_s/timeline/stream", after_cursor=2, event_kind="decision"
    ) as frames:
        assert frames.until(None)["summary"] == "two"


def test_execution_events_list_and_stream(worker: Worker):
    note = {"decision_type": "note", "action": "observe", "summary": "not an execution"}
    worker.call("POST", "/runs/run_s/decision-events", json=note)
    listed = worker.call("GET", "/runs/run_s/execution-events").json()
    assert [e["event_type"] for e in listed["events"]] == ["order.updated"]
    assert listed["last_cursor"] == 1
    with stream(worker, "/runs/run_s/execution-events/stream") as frames:
        event = frames.until(None)
    assert set(event) == {
        "cursor",
        "strategy_run_id",
        "account_id",
        "basket_execution_id",
        "event_type",
        "payload",
        "created_at",
    }


def test_ticks_stream_snapshot_then_ticks(worker: Worker, runtime: Runtime):
    with stream(worker, "/market/ticks/stream", symbols="NSE:INFY,NSE:TCS", mode="ltp") as frames:
        snapshot = frames.until("snapshot")
        assert [q["symbol"] for q in snapshot["quotes"]] == ["NSE:INFY"]
        assert snapshot["missing"] == ["NSE:TCS"]
        set_price(runtime, "NSE:TCS", "3200")
        ticks = frames.until("ticks")["ticks"]
    assert [(t["symbol"], t["last_price"]) for t in ticks] == [("NSE:TCS", 3200.0)]


def test_candles_stream_snapshot_then_the_forming_candle(worker: Worker, runtime: Runtime):
    now = runtime.clock.now()
    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=now))
    with stream(worker, "/market/candles/stream", symbol="NSE:INFY", interval="minute") as frames:
        snapshot = frames.until("snapshot")
        assert snapshot["current"]["close"] == 1500.0
        runtime.candle_book.update(make_tick("NSE:INFY", "1502", ts=now))
        update = frames.until("candle")
    assert (update["symbol"], update["interval"]) == ("NSE:INFY", "minute")
    assert update["candle"] | {"ts": None} == {
        "ts": None,
        "open": 1500.0,
        "high": 1502.0,
        "low": 1500.0,
        "close": 1502.0,
        "volume": 1000,
        "oi": None,
        "is_complete": False,
    }


def test_streams_need_their_action(client: TestClient, runtime: Runtime):
    reader = new_worker(client, runtime, "r@x.in", allowed_actions=["market:read"])
    response = reader.call("GET", "/market/ticks/stream", params={"symbols": "NSE:INFY"})
    assert response.status_code == 403


async def _failing() -> AsyncIterator[Event]:
    yield "snapshot", {"n": 1}
    raise RuntimeError("boom")


@pytest.mark.anyio
async def test_a_failing_stream_ends_with_an_error_event():
    response = EventStream(_failing(), cap=StreamCap(1), user_id=1)
    body = "".join([chunk async for chunk in response.body_iterator])  # type: ignore[misc]
    assert body.endswith('event: error\ndata: {"detail":"stream failed; reconnect"}\n\n')
    assert 'event: snapshot\ndata: {"n":1}\n\n' in body


# ---- WebSockets ------------------------------------------------------------------------


def ws_of(worker: Worker) -> Any:
    assert isinstance(worker.http, TestClient)
    return worker.http.websocket_connect


def ws_url(path: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{PREFIX}/ws{path}?{query}"


def test_ws_run_pnl_snapshot_heartbeat_and_change(worker: Worker, runtime: Runtime):
    url = ws_url("/runs/run_s/pnl", token=worker.secret, interval_seconds=0.25)
    with ws_of(worker)(url) as ws:
        first = ws.receive_json()
        assert first["event"] == "snapshot"
        assert first["data"]["strategy_run_id"] == "run_s"
        assert ws.receive_json() == {"event": "heartbeat", "data": {}}
        set_price(runtime, "NSE:INFY", "1490")
        changed = ws.receive_json()
    assert changed["event"] == "snapshot"
    assert changed["data"]["totals"]["unrealized_pnl"] == -20.0


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/runs/run_s/pnl", {"token": "kwa_nope"}, 4401),
        ("/runs/run_s/pnl", {"token": ""}, 4401),
        ("/runs/nope/pnl", {}, 4404),
        ("/runs/run_s/pnl", {"interval_seconds": 9}, 4400),
        ("/runs/run_s/pnl", {"interval_seconds": "x"}, 4400),
        ("/market/ticks", {"mode": "deep"}, 4400),
        ("/market/candles", {"interval": "5minute"}, 4400),
        ("/market/candles", {"symbol": "NSE:NOPE"}, 4400),
        ("/market/candles", {"symbol": "INFY", "interval": "2m"}, 4400),
        ("/market/candles", {"instrument_token": "abc"}, 4400),
    ],
)
def test_ws_refusals_have_close_codes(worker: Worker, path: str, params: dict[str, Any], code: int):
    params = {"token": worker.secret, **params}
    with ws_of(worker)(ws_url(path, **params)) as ws:
        message = ws.receive_json()
        assert message["event"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == code


def test_ws_without_the_action_is_4403(client: TestClient, runtime: Runtime):
    reader = new_worker(client, runtime, "q@x.in", allowed_actions=["market:read"])
    with ws_of(reader)(ws_url("/market/ticks", token=reader.secret)) as ws:
        ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_ws_ticks_snapshot_then_ticks(worker: Worker, runtime: Runtime):
    url = ws_url("/market/ticks", token=worker.secret, symbols="NSE:INFY", mode="quote")
    with ws_of(worker)(url) as ws:
        snapshot = ws.receive_json()
        assert snapshot["event"] == "snapshot"
        assert snapshot["data"]["quotes"][0]["last_price"] == 1500.0
        runtime.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        set_price(runtime, "NSE:INFY", "1501")
        message = ws.receive_json()
        while message["event"] == "heartbeat":
            message = ws.receive_json()
    assert message["event"] == "ticks"
    assert message["data"]["ticks"][0]["last_price"] == 1501.0


def test_ws_candles_by_token(worker: Worker, runtime: Runtime):
    now = runtime.clock.now()
    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=now))
    url = ws_url("/market/candles", token=worker.secret, instrument_token=7457281, interval="1m")
    with ws_of(worker)(url) as ws:
        assert ws.receive_json()["event"] == "snapshot"
        runtime.candle_book.update(make_tick("NSE:INFY", "1499", ts=now))
        message = ws.receive_json()
        while message["event"] == "heartbeat":
            message = ws.receive_json()
    assert message["event"] == "candle"
    assert message["data"]["candle"]["low"] == 1499.0


def test_the_document_declares_each_stream_as_server_sent_events(client: TestClient):
    """The fuzzer found every stream's 200 declared as JSON only, while it sends
    `text/event-stream`: a client generated from the document would parse it as JSON."""
    paths = client.get("/api/openapi.json").json()["paths"]
    streams = {
        path: item
        for path, item in paths.items()
        if path.endswith("/stream")
        or (path.startswith(("/api/backtest/", "/api/backtests/")) and path.endswith("/events"))
    }
    # the worker contract's five, the owner's desk of a run (P&L, timeline), a backtest's
    # progress, a sweep's, an options sweep's and a walk-forward's of either kind
    assert len(streams) == 12
    for path, item in streams.items():
        assert "text/event-stream" in item["get"]["responses"]["200"]["content"], path


def test_ws_beyond_the_users_open_streams_is_4429_until_one_closes(
    worker: Worker, client: TestClient
):
    client.app.state.streams.cap.per_user = 1  # type: ignore[attr-defined]
    url = ws_url("/runs/run_s/pnl", token=worker.secret, interval_seconds=0.25)
    with ws_of(worker)(url) as held:
        assert held.receive_json()["event"] == "snapshot"
        with ws_of(worker)(url) as over:
            refusal = over.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                over.receive_json()
    assert closed.value.code == 4429
    assert "too many open streams" in refusal["data"]["detail"]
    with ws_of(worker)(url) as again:  # the first one's place came back as it closed
        assert again.receive_json()["event"] == "snapshot"
