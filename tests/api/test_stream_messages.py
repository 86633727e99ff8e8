"""What the streams and WebSockets send is what the document says: each message read
here must validate against its stream's message model (`api.schemas.streams`), and the
model must keep the message as sent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tests.api.test_worker_streams import Frames, stream, ws_of, ws_url
from tests.api.test_worker_streams import settings as settings  # noqa: F401 - quick heartbeats
from tests.api.test_worker_streams import worker as worker  # noqa: F401 - a run with an order
from tests.api.test_ws_ticks import feed as feed  # noqa: F401 - the simulated market
from tests.api.test_ws_ticks import quick_session, subscribe, tick
from tests.workers_kit import Worker, set_price
from tradertape.api.schemas.streams import (
    MarketCandlesMessage,
    MarketTicksMessage,
    RunExecutionMessage,
    RunPnlMessage,
    RunTimelineMessage,
    TickerMessage,
)
from tradertape.feed.simulated import SimulatedFeed
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def kept(model: type[BaseModel], message: dict[str, Any]) -> None:
    """`message` is one of `model`'s, and reads back unchanged."""
    parsed = model.model_validate(message)
    assert parsed.model_dump(mode="json", exclude_unset=True) == message


def sse_messages(frames: Frames, count: int) -> list[dict[str, Any]]:
    """The next `count` frames as ``{event, data}`` (an unnamed frame is SSE's ``message``;
    heartbeat comments are skipped, as a WebSocket's heartbeat message is checked below)."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        event, data = frames.next()
        if event != "heartbeat":
            found.append({"event": event or "message", "data": data})
    return found


def test_run_streams_send_their_messages(worker: Worker, runtime: Runtime):
    with stream(worker, "/runs/run_s/pnl/stream", interval_seconds=0.25) as frames:
        [first] = sse_messages(frames, 1)
        set_price(runtime, "NSE:INFY", "1510")
        [moved] = sse_messages(frames, 1)
    for message in (first, moved):
        kept(RunPnlMessage, message)
    with stream(worker, "/runs/run_s/timeline/stream") as frames:
        for message in sse_messages(frames, 1):
            kept(RunTimelineMessage, message)
    with stream(worker, "/runs/run_s/execution-events/stream") as frames:
        for message in sse_messages(frames, 1):
            kept(RunExecutionMessage, message)


def test_market_streams_send_their_messages(worker: Worker, runtime: Runtime):
    with stream(worker, "/market/ticks/stream", symbols="NSE:INFY,NSE:TCS", mode="full") as f:
        [snapshot] = sse_messages(f, 1)
        set_price(runtime, "NSE:TCS", "3200")
        [ticks] = sse_messages(f, 1)
    assert (snapshot["event"], ticks["event"]) == ("snapshot", "ticks")
    kept(MarketTicksMessage, snapshot)
    kept(MarketTicksMessage, ticks)
    now = runtime.clock.now()
    runtime.candle_book.update(make_tick("NSE:INFY", "1500", ts=now))
    with stream(worker, "/market/candles/stream", symbol="NSE:INFY", interval="minute") as f:
        [snapshot] = sse_messages(f, 1)
        runtime.candle_book.update(make_tick("NSE:INFY", "1502", ts=now))
        [candle] = sse_messages(f, 1)
    assert (snapshot["event"], candle["event"]) == ("snapshot", "candle")
    kept(MarketCandlesMessage, snapshot)
    kept(MarketCandlesMessage, candle)


def test_worker_websockets_send_the_same_messages(worker: Worker, runtime: Runtime):
    url = ws_url("/runs/run_s/pnl", token=worker.secret, interval_seconds=0.25)
    with ws_of(worker)(url) as ws:
        snapshot, heartbeat = ws.receive_json(), ws.receive_json()
    assert heartbeat["event"] == "heartbeat"
    kept(RunPnlMessage, snapshot)
    kept(RunPnlMessage, heartbeat)
    url = ws_url("/market/ticks", token=worker.secret, symbols="NSE:INFY", mode="quote")
    with ws_of(worker)(url) as ws:
        kept(MarketTicksMessage, ws.receive_json())
    with ws_of(worker)(ws_url("/runs/nope/pnl", token=worker.secret)) as ws:
        refused = ws.receive_json()
    assert refused["event"] == "error"
    kept(RunPnlMessage, refused)


@pytest.mark.parametrize("mode", ["ltp", "quote", "full"])
def test_the_browsers_ticker_sends_its_messages(
    client: TestClient, runtime: Runtime, feed: SimulatedFeed, clock: ManualClock, mode: str
):
    quick_session(client, runtime)
    with client.websocket_connect("/api/ws/ticks") as ws:
        kept(TickerMessage, ws.receive_json())
        kept(TickerMessage, subscribe(ws, "NSE:RELIANCE", mode=mode))
        tick(client, feed, clock)
        kept(TickerMessage, ws.receive_json())
        kept(TickerMessage, subscribe(ws, "NSE:NOPE"))


def test_a_stream_that_fails_says_so_in_its_models():
    error = {"event": "error", "data": {"detail": "stream failed; reconnect"}}
    for model in (RunPnlMessage, RunTimelineMessage, MarketTicksMessage, MarketCandlesMessage):
        kept(model, error)
    kept(RunPnlMessage, {"event": "end", "data": {"detail": "Strategy run not found"}})
