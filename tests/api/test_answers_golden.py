"""The JSON the Kite-shaped and worker routes answer, held to a golden copy.

A scripted session (an operator on paper, a worker with a paper run and an option run,
and a user trading live at the fake Kite with a live worker token) records every answer
on the manual clock. Random ids are replaced by placeholders numbered in order of first
appearance; long lists keep their head and tail. The answers must equal the golden copy
in every key, value and JSON type (``1`` is not ``1.0``), so response models can never
drop a field, add one, or turn a number into another.

``TRADERTAPE_REGOLD=1`` rewrites the copy (only on purpose: review the diff).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.conftest import fake as fake  # noqa: F401 - fixture
from tests.brokers.kite.test_live_gtts import OCO, SINGLE, _sweep
from tests.brokers.kite.test_live_orders import connect
from tests.helpers import sign_in
from tests.live_kit import BUY
from tests.workers_kit import PROTECTED_POSITION, Worker, new_worker, order, set_price
from tradertape.candles import CandleSource
from tradertape.domain.worker_access import DEFAULT_ACTIONS
from tradertape.fakebrokers.kite import DEFAULT_API_SECRET
from tradertape.ports.broker import DailyBar
from tradertape.ports.clock import IST, ManualClock
from tradertape.runtime import Runtime
from tradertape.services.brokers.live_trading import kite_postback_checksum
from tradertape.settings import Settings
from tradertape.testkit import make_tick

pytestmark = pytest.mark.db

GOLDEN = Path(__file__).parent / "golden"
KEEP = 3  # a long list keeps this many items at its head and at its tail
KITE_USER = "FK1234"
LIVE_SCOPE = f"kite:{KITE_USER}"

# Values drawn at random: order and trade ids, tokens, nonces, claims, leg ids.
RANDOM = re.compile(
    r"\b\d{15}\b|\b\d{14}\b"  # our order and trade ids (IST date + digits)
    r"|\bworker_[0-9a-f]{16}\b|\bkwa_[A-Za-z0-9_\-]+|\bwsn_[0-9a-f]{32}\b"
    r"|\b[po]cl_[0-9a-f]{20}\b|\bleg_[0-9a-f]{8}\b|\brun_[0-9a-f]{32}\b"
    r"|\bwst_[A-Za-z0-9_\-.]+|\btt[0-9a-f]{18}\b"
)
RANDOM_KEYS = frozenset({"safety_token", "token", "checksum"})
TIMINGS = frozenset({"timings_ms", "duration_ms"})  # how long a backtest took: never the same


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:  # noqa: F811 - the fake Kite's server
    return server_settings(tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True)


class Placeholders:
    """Each random value, wherever it appears, becomes ``<n>`` (first seen, first numbered)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def text(self, value: str) -> str:
        return RANDOM.sub(self._name, value)

    def _name(self, found: re.Match[str]) -> str:
        return self.names.setdefault(found.group(), f"<{len(self.names) + 1}>")

    def value(self, value: Any, key: str | None = None) -> Any:
        if key in TIMINGS:  # its keys, or its type
            return sorted(value) if isinstance(value, dict) else type(value).__name__
        if isinstance(value, dict):
            return {self.text(k): self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            items = [self.value(v) for v in value]
            if len(items) > 2 * KEEP + 1:
                return {"__list__": len(items), "head": items[:KEEP], "tail": items[-KEEP:]}
            return items
        if isinstance(value, str):
            if key in RANDOM_KEYS and value:
                return self._name(re.match(".+", value, re.DOTALL))  # type: ignore[arg-type]
            return self.text(value)
        return value


class Answer(Protocol):
    """An HTTP response (the test client's or httpx's)."""

    @property
    def is_success(self) -> bool: ...
    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


# An instant as the API writes it; docs/api-conventions.md, "Time": in UTC, with ``Z``.
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(?P<zone>Z|[+-]\d\d:?\d\d)?")
# Market data keeps the exchange's clock, as Kite writes it: a candle's ``ts`` and the range
# asked for, a quote's trade and exchange times, a session's open and close.
MARKET_TIMES = frozenset(
    {"ts", "from", "to", "last_trade_time", "exchange_timestamp", "opens_at", "closes_at"}
)


def not_utc(value: Any, key: str | None = None, where: str = "$") -> list[str]:
    """Where an answer writes an instant other than in UTC with ``Z``."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in not_utc(v, k, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in not_utc(v, key, f"{where}[{i}]")]
    found = INSTANT.fullmatch(value) if isinstance(value, str) else None
    if found is None or found["zone"] == "Z" or key in MARKET_TIMES:
        return []
    return [f"{where}: {value}"]


class Recorder:
    """The answers of a session, in order, each labelled by its call (each instant in them
    checked to be written in UTC with ``Z``)."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        self.placeholders = Placeholders()
        self.not_utc: list[str] = []

    def __call__(self, label: str, response: Answer) -> Any:
        assert response.is_success, f"{label}: {response.status_code} {response.text}"
        body = response.json()
        self.not_utc += [f"{label}: {p}" for p in not_utc(body)]
        self.answers.append(
            {
                "call": label,
                "status": response.status_code,
                "body": self.placeholders.value(body),
            }
        )
        return body


def same(a: Any, b: Any, where: str = "$") -> list[str]:
    """Where `a` and `b` differ, JSON types included (``True`` is not ``1``, ``1`` not ``1.0``)."""
    if type(a) is not type(b):
        return [f"{where}: {a!r} ({type(a).__name__}) != {b!r} ({type(b).__name__})"]
    if isinstance(a, dict):
        problems = [f"{where}: key {k!r} only in one" for k in set(a) ^ set(b)]
        for key in a.keys() & b.keys():
            problems += same(a[key], b[key], f"{where}.{key}")
        return problems
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [
            p
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for p in same(x, y, f"{where}[{i}]")
        ]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def check(name: str, recorder: Recorder) -> None:
    """Compare with (or, asked to, write) the golden copy `name`."""
    path = GOLDEN / f"{name}.json"
    if os.environ.get("TRADERTAPE_REGOLD") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(recorder.answers, indent=1, ensure_ascii=False) + "\n")
    assert not recorder.not_utc, "\n".join(recorder.not_utc[:40])
    golden = json.loads(path.read_text())
    assert [a["call"] for a in recorder.answers] == [a["call"] for a in golden]
    problems = []
    for seen, kept in zip(recorder.answers, golden, strict=True):
        problems += [f"{seen['call']}: {p}" for p in same(seen, kept)]
    assert not problems, "\n".join(problems[:40])


def _operator_paper(
    client: TestClient, runtime: Runtime, clock: ManualClock, take: Recorder
) -> None:
    sign_in(client, runtime, "golden@x.in")
    take("POST /api/portfolio/funds", client.post("/api/portfolio/funds", json={"amount": 1000000}))
    for view in ("holdings", "positions", "orders", "trades", "margins"):
        take(f"GET /api/portfolio/{view} (empty)", client.get(f"/api/portfolio/{view}"))
    client.post("/api/orders", json=order(quantity=5))  # fills at 1500
    client.post("/api/orders", json=order("TCS", quantity=2, product="MIS"))
    client.post("/api/orders", json=order("TCS", "SELL", quantity=1, product="MIS"))
    limit = {**order(quantity=5), "order_type": "LIMIT", "price": 1400}
    resting = client.post("/api/orders", json=limit).json()["order_id"]
    take(
        "PUT /api/orders/{id}",
        client.put(f"/api/orders/{resting}", json={"quantity": 3, "price": 1401}),
    )
    take("GET /api/orders/{id}", client.get(f"/api/orders/{resting}"))
    take("GET /api/orders/{id}/history", client.get(f"/api/orders/{resting}/history"))
    take("DELETE /api/orders/{id}", client.delete(f"/api/orders/{resting}"))
    sl = {
        **order(quantity=1, product="MIS"),
        "order_type": "SL",
        "price": 1540,
        "trigger_price": 1535,
    }
    stop = client.post("/api/orders", json=sl).json()["order_id"]
    take("GET /api/orders/{id} (SL)", client.get(f"/api/orders/{stop}"))
    filled = client.get("/api/portfolio/orders").json()[0]["order_id"]
    take("GET /api/orders/{id}/history (filled)", client.get(f"/api/orders/{filled}/history"))
    leg = {"transaction_type": "BUY", "quantity": 5, "order_type": "LIMIT", "product": "CNC"}
    single: dict[str, Any] = {
        "type": "single",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [1450],
            "last_price": 1500,
        },
        "orders": [{**leg, "price": 1455}],
    }
    two_leg = {
        "type": "two-leg",
        "condition": {
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "trigger_values": [1400, 1600],
            "last_price": 1500,
        },
        "orders": [
            {**leg, "transaction_type": "SELL", "price": 1395},
            {**leg, "transaction_type": "SELL", "price": 1595},
        ],
    }
    first = client.post("/api/gtt/triggers", json=single).json()["trigger_id"]
    client.post("/api/gtt/triggers", json=two_leg)
    moved = {**single, "condition": {**single["condition"], "trigger_values": [1460]}}
    client.put(f"/api/gtt/triggers/{first}", json=moved)
    take("GET /api/gtt/triggers/{id}", client.get(f"/api/gtt/triggers/{first}"))
    take("GET /api/gtt/triggers", client.get("/api/gtt/triggers"))
    client.delete(f"/api/gtt/triggers/{first}")
    take("GET /api/gtt/triggers/{id} (deleted)", client.get(f"/api/gtt/triggers/{first}"))
    set_price(runtime, "NSE:INFY", "1510")
    for view in ("holdings", "positions", "orders", "trades", "margins"):
        take(f"GET /api/portfolio/{view}", client.get(f"/api/portfolio/{view}"))
    clock.advance(timedelta(days=3))  # Monday: yesterday's delivery settled, MIS squared off
    for key, price in (("NSE:INFY", "1520"), ("NSE:TCS", "3210")):
        set_price(runtime, key, price)
    for view in ("holdings", "positions", "margins"):
        take(f"GET /api/portfolio/{view} (next session)", client.get(f"/api/portfolio/{view}"))
    take("GET /api/strategies/schema", client.get("/api/strategies/schema"))


def _worker_paper(worker: Worker, take: Recorder) -> None:
    call = worker.call
    run = {"template_id": "basic-equity", "account_scope": "kite:paper", "execution_mode": "paper"}
    meta = {"strategy_name": "Golden", "note": {"nested": [1, 2.5, None]}}
    take(
        "POST /runs",
        call("POST", "/runs", json={**run, "strategy_run_id": "run_g", "metadata": meta}),
    )
    take("POST /runs (recovered)", call("POST", "/runs", json={**run, "strategy_run_id": "run_g"}))
    take("GET /runs", call("GET", "/runs"))
    take("GET /runs/{id}", call("GET", "/runs/run_g"))
    nonce = take("POST /claim-session", call("POST", "/runs/run_g/claim-session"))[
        "worker_session_nonce"
    ]
    take(
        "POST /runs/{id}/heartbeat",
        call("POST", "/runs/run_g/heartbeat", nonce=nonce, json={"metrics": {"loops": 3}}),
    )
    take(
        "POST /runs/{id}/progress",
        call("POST", "/runs/run_g/progress", nonce=nonce, json={"note": "half"}),
    )
    take("GET /runs/{id}/safety-check", call("GET", "/runs/run_g/safety-check"))
    take("GET /runs/{id} (claimed)", call("GET", "/runs/run_g"))
    take("POST /intents", worker.place("run_g", "golden-key-1", order(quantity=4), nonce=nonce))
    take(
        "POST /intents (deduped)",
        worker.place("run_g", "golden-key-1", order(quantity=4), nonce=nonce),
    )
    limit = {**order(quantity=2), "order_type": "LIMIT", "price": 1400}
    resting = take(
        "POST /intents (limit)", worker.place("run_g", "golden-key-2", limit, nonce=nonce)
    )["result"]["order_id"]
    basket = {
        "intent_type": "place_basket",
        "payload": {
            "basket": {"orders": [order(quantity=1), order("TCS", quantity=1)], "all_or_none": True}
        },
        "idempotency_key": "golden-basket-1",
        "metadata": {"why": "golden"},
    }
    take("POST /intents (basket)", call("POST", "/runs/run_g/intents", nonce=nonce, json=basket))
    dry = {**basket, "idempotency_key": "golden-basket-2"}
    dry["payload"] = {"basket": {"orders": [order(quantity=1)], "dry_run": True}}
    take("POST /intents (dry basket)", call("POST", "/runs/run_g/intents", nonce=nonce, json=dry))
    take("POST /preview/order", call("POST", "/runs/run_g/preview/order", json={"order": limit}))
    take(
        "POST /preview/basket",
        call(
            "POST",
            "/runs/run_g/preview/basket",
            json={"orders": [order(quantity=1), order("TCS", "SELL", quantity=1, product="MIS")]},
        ),
    )
    take("GET /orders", call("GET", "/orders", params={"strategy_run_id": "run_g"}))
    take("GET /trades", call("GET", "/trades", params={"strategy_run_id": "run_g"}))
    take("GET /orders/{id}", call("GET", f"/orders/{resting}", params={"strategy_run_id": "run_g"}))
    take(
        "POST /orders/{id}/modify",
        call(
            "POST",
            f"/orders/{resting}/modify",
            nonce=nonce,
            json={"strategy_run_id": "run_g", "price": 1410, "quantity": 3},
        ),
    )
    take(
        "GET /orders/{id}/history",
        call("GET", f"/orders/{resting}/history", params={"strategy_run_id": "run_g"}),
    )
    take(
        "POST /orders/{id}/cancel",
        call("POST", f"/orders/{resting}/cancel", nonce=nonce, json={"strategy_run_id": "run_g"}),
    )
    take("GET /runs/{id}/pnl", call("GET", "/runs/run_g/pnl"))
    take("GET /funds", call("GET", "/funds"))
    take("GET /runs/{id}/funds", call("GET", "/runs/run_g/funds"))
    decision = {
        "decision_type": "entry",
        "action": "enter",
        "summary": "golden entry",
        "metadata": {"score": 0.7},
    }
    take(
        "POST /decision-events",
        call("POST", "/runs/run_g/decision-events", nonce=nonce, json=decision),
    )
    note = {"event_type": "signal.generated", "summary": "a note", "details": {"x": 1}}
    take(
        "POST /decision-events (event_type)",
        call("POST", "/runs/run_g/decision-events", nonce=nonce, json=note),
    )
    take("GET /runs/{id}/timeline", call("GET", "/runs/run_g/timeline"))
    take("GET /runs/{id}/execution-events", call("GET", "/runs/run_g/execution-events"))
    take(
        "PATCH /runs/{id}/risk",
        call(
            "PATCH",
            "/runs/run_g/risk",
            nonce=nonce,
            json={"patch": {"stop_loss_pct": 1.5}, "reason": "tighter"},
        ),
    )
    take(
        "PATCH /runs/{id}/protection",
        call(
            "PATCH",
            "/runs/run_g/protection",
            nonce=nonce,
            json={"backend_protection": PROTECTED_POSITION},
        ),
    )
    take("GET /runs/{id}/safety-check (protected)", call("GET", "/runs/run_g/safety-check"))
    take(
        "POST /runs/{id}/exit (dry run)",
        call("POST", "/runs/run_g/exit", nonce=nonce, json={"dry_run": True}),
    )
    take(
        "POST /runs/{id}/exit",
        call(
            "POST",
            "/runs/run_g/exit",
            nonce=nonce,
            json={"reason": "golden", "idempotency_key": "golden-exit-1"},
        ),
    )
    take("GET /runs/{id} (closed)", call("GET", "/runs/run_g"))
    take("DELETE /claim-session", call("DELETE", "/runs/run_g/claim-session", nonce=nonce))
    take("GET /runs (after)", call("GET", "/runs", params={"limit": 1}))


def _candles(runtime: Runtime, clock: ManualClock) -> None:
    """A minute's tick from 10:00 to 10:11 (the forming candles), and five stored days."""
    start = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
    for i in range(12):
        tick = make_tick(
            "NSE:INFY", str(1500 + i), ts=start + timedelta(minutes=i), volume=10 * (i + 1)
        )
        runtime.candle_book.update(tick)
        runtime.quotes.update(tick)
    clock.set(datetime(2026, 11, 20, 10, 11, 10, tzinfo=IST))
    days = [date(2026, 11, d) for d in (16, 17, 18, 19)]
    bars = [DailyBar(d, 1400 + i, 1410 + i, 1390 + i, 1405 + i, 1000) for i, d in enumerate(days)]
    runtime.candles.write_daily("NSE:INFY", bars, source=CandleSource.IMPORT)


def _worker_market(worker: Worker, take: Recorder) -> None:
    call = worker.call
    for interval in ("5minute", "day"):
        params = {"symbol": "NSE:INFY", "interval": interval, "lookback": 3}
        take(f"GET /market/candles ({interval})", call("GET", "/market/candles", params=params))
    take(
        "GET /market/instruments/resolve",
        call("GET", "/market/instruments/resolve", params={"symbol": "NSE:INFY"}),
    )
    take(
        "GET /market/instruments/resolve (option)",
        call("GET", "/market/instruments/resolve", params={"symbol": "NSE:NIFTY 50"}),
    )
    take(
        "POST /market/instruments/resolve",
        call(
            "POST",
            "/market/instruments/resolve",
            json={"symbols": ["NSE:INFY", "NSE:NOPE"], "instrument_tokens": [12]},
        ),
    )
    take(
        "GET /market/instruments/search",
        call("GET", "/market/instruments/search", params={"query": "INF", "limit": 3}),
    )
    for mode in ("ltp", "quote", "full"):
        body = {"symbols": ["NSE:INFY", "NSE:TCS", "NSE:SBIN"], "mode": mode}
        take(f"POST /market/quotes ({mode})", call("POST", "/market/quotes", json=body))
    take(
        "GET /market/candles",
        call(
            "GET",
            "/market/candles",
            params={"symbol": "NSE:INFY", "interval": "minute", "lookback": 5},
        ),
    )
    take(
        "GET /market/history",
        call(
            "GET",
            "/market/history",
            params={
                "symbol": "NSE:INFY",
                "timeframe": "day",
                "from": "2026-11-02",
                "to": "2026-11-20",
            },
        ),
    )
    snap = {
        "symbols": ["NSE:INFY"],
        "mode": "ltp",
        "candles": [{"symbol": "NSE:INFY", "interval": "5minute", "lookback": 2}],
    }
    take("POST /market/snapshot", call("POST", "/market/snapshot", json=snap))
    take(
        "GET /market/calendar",
        call("GET", "/market/calendar", params={"from": "2026-11-01", "to": "2026-11-30"}),
    )
    take("GET /market/calendar/status", call("GET", "/market/calendar/status"))
    take("GET /market/indices/{list}", call("GET", "/market/indices/Nifty50"))
    take("GET /market/indices/{list}/status", call("GET", "/market/indices/Nifty50/status"))


def _worker_options(worker: Worker, take: Recorder) -> None:
    call = worker.call
    u = "/options/underlyings/NIFTY"
    take("GET /options/session", call("GET", f"{u}/session"))
    take("GET /options/expiries", call("GET", f"{u}/expiries"))
    take("GET /options/chain", call("GET", f"{u}/chain", params={"expiry": "next_week"}))
    take("GET /options/mini-chain", call("GET", f"{u}/mini-chain", params={"window": 2}))
    take("GET /options/greeks", call("GET", f"{u}/greeks", params={"expiry": "2026-12-08"}))
    take("GET /options/analytics/pcr", call("GET", f"{u}/analytics/pcr"))
    take("GET /options/analytics/max-pain", call("GET", f"{u}/analytics/max-pain"))
    legs = [
        {"option_type": "CE", "offset": 0},
        {"option_type": "CE", "offset": 2},
        {"option_type": "PE", "delta_target": 0.3},
    ]
    resolved = take(
        "POST /options/selection/resolve",
        call("POST", f"{u}/selection/resolve", json={"expiry": "next_week", "legs": legs}),
    )["resolved"]
    strategy = {
        "underlying": "NIFTY",
        "expiry": "current_week",
        "legs": [
            {"option_type": "CE", "offset": 0, "transaction_type": "BUY", "lots": 1},
            {"option_type": "CE", "offset": 2, "transaction_type": "SELL", "lots": 1},
        ],
    }
    take(
        "POST /options/strategies/preview",
        call("POST", "/options/strategies/preview", json=strategy),
    )
    spread = [
        {
            "tradingsymbol": resolved[0]["tradingsymbol"],
            "transaction_type": "BUY",
            "lots": 1,
            "leg_id": "long_call",
        },
        {"tradingsymbol": resolved[1]["tradingsymbol"], "transaction_type": "SELL", "lots": 1},
    ]
    body = {
        "strategy_run_id": "run_opt",
        "strategy_name": "Bull call spread",
        "product": "NRML",
        "legs": spread,
        "protection": {"stoploss_pct": 50},
    }
    worker.create_run("run_opt")
    take("POST /options/runs", call("POST", "/options/runs", json=body))
    r = "/options/runs/run_opt"
    take("GET /options/runs/{id}/state", call("GET", f"{r}/state"))
    take("GET /options/runs/{id}/protection/state", call("GET", f"{r}/protection/state"))
    rules = {"rules": [{"metric": "combined_premium", "operator": "gte", "threshold": 1}]}
    take("PUT /options/runs/{id}/protection", call("PUT", f"{r}/protection", json=rules))
    replay = {"metric_snapshots": [{"combined_premium": 120.5}, {"combined_premium": 0.5}]}
    take(
        "POST /options/runs/{id}/protection/replay",
        call("POST", f"{r}/protection/replay", json=replay),
    )
    take("POST /options/runs/{id}/preview-entry", call("POST", f"{r}/preview-entry"))
    take(
        "POST /options/runs/{id}/enter",
        call("POST", f"{r}/enter", json={"idempotency_key": "golden-enter-1"}),
    )
    take("GET /options/runs/{id}/state (entered)", call("GET", f"{r}/state"))
    take("GET /options/runs/{id}/protection/state (entered)", call("GET", f"{r}/protection/state"))
    take("POST /options/runs/{id}/preview-exit", call("POST", f"{r}/preview-exit"))
    take("POST /options/runs/{id}/exit", call("POST", f"{r}/exit", json={}))
    take("GET /options/runs/{id}/state (exited)", call("GET", f"{r}/state"))


def test_paper_answers_match_the_golden_copy(
    client: TestClient, runtime: Runtime, clock: ManualClock
):
    for key, price in (("NSE:INFY", "1500"), ("NSE:TCS", "3200"), ("NSE:NIFTY 50", "25010")):
        set_price(runtime, key, price)
    take = Recorder()
    grants = {"allowed_actions": [*DEFAULT_ACTIONS, "runs:progress"]}
    worker = new_worker(client, runtime, "golden-worker@x.in", **grants)
    _worker_paper(worker, take)
    _worker_options(worker, take)
    _candles(runtime, clock)
    _worker_market(worker, take)
    _operator_paper(client, runtime, clock, take)
    check("paper", take)


def _postback(client: TestClient, fake: Fake) -> dict[str, Any]:
    """Kite's postback of the live order it filled last, signed with the owner's secret."""
    filled: dict[str, Any] = fake.state()["orders"][-1]
    stamp = str(filled["order_timestamp"])
    signed = kite_postback_checksum(filled["order_id"], stamp, DEFAULT_API_SECRET)
    return filled | {"order_timestamp": stamp, "checksum": signed, "user_id": KITE_USER}


def test_live_answers_match_the_golden_copy(
    client: TestClient,
    runtime: Runtime,
    fake: Fake,  # noqa: F811
):
    take = Recorder()
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1488)
    set_price(runtime, "NSE:INFY", "1488")
    take("POST /api/orders (live)", client.post("/api/orders", json=BUY))
    resting = {**BUY, "price": "1400", "idempotency_key": "golden-live-rest"}
    live_id = take("POST /api/orders (live, resting)", client.post("/api/orders", json=resting))[
        "order_id"
    ]
    take("PUT /api/orders/{id} (live)", client.put(f"/api/orders/{live_id}", json={"price": 1405}))
    take("GET /api/orders/{id} (live)", client.get(f"/api/orders/{live_id}"))
    take("DELETE /api/orders/{id} (live)", client.delete(f"/api/orders/{live_id}"))
    for view in ("holdings", "positions", "orders", "trades", "margins"):
        take(f"GET /api/portfolio/{view} (kite)", client.get(f"/api/portfolio/{view}"))
    take(
        "POST /api/brokers/kite/postback",
        client.post("/api/brokers/kite/postback", json=_postback(client, fake)),
    )
    fake.price("NSE:INFY", 1480)
    take("POST /api/gtt/triggers (live)", client.post("/api/gtt/triggers", json=SINGLE))
    take("GET /api/gtt/triggers (live)", client.get("/api/gtt/triggers"))
    issued = client.post(
        "/api/algo-workers/tokens",
        json={"name": "live", "account_scope": LIVE_SCOPE, "allowed_modes": ["live", "dry_run"]},
    )
    worker = Worker(TestClient(client.app), issued.json()["token"], issued.json()["token_id"])
    worker.create_run(
        "run_live_g",
        account_scope=LIVE_SCOPE,
        execution_mode="live",
        metadata={"strategy_family": "indicator_strategy", "strategy_name": "Golden live"},
    )
    kite_oco = {k: v for k, v in OCO.items() if k != "mode"}
    kite_single = {k: v for k, v in SINGLE.items() if k != "mode"}
    call: Callable[..., Any] = worker.call
    placed = take(
        "POST /gtt/triggers",
        call("POST", "/gtt/triggers", json=kite_single | {"strategy_run_id": "run_live_g"}),
    )
    oco = take("POST /gtt/triggers (oco)", call("POST", "/gtt/triggers", json=kite_oco))[
        "trigger_id"
    ]
    take("GET /gtt/triggers", call("GET", "/gtt/triggers"))
    wider = kite_oco | {"condition": kite_oco["condition"] | {"trigger_values": ["1440", "1560"]}}
    take("PUT /gtt/triggers/{id}", call("PUT", f"/gtt/triggers/{oco}", json=wider))
    take("DELETE /gtt/triggers/{id}", call("DELETE", f"/gtt/triggers/{oco}"))
    fake.price("NSE:INFY", 1488)  # Kite fires the single trigger; its buy fills
    _sweep(runtime)
    take("GET /gtt/triggers/{id} (fired)", call("GET", f"/gtt/triggers/{placed['trigger_id']}"))
    take("GET /orders (live run)", call("GET", "/orders", params={"strategy_run_id": "run_live_g"}))
    take("GET /runs/{id}/pnl (live)", call("GET", "/runs/run_live_g/pnl"))
    take(
        "GET /funds (live)",
        call("GET", "/funds", params={"mode": "live", "account_scope": LIVE_SCOPE}),
    )
    check("live", take)


def test_own_rows_match_the_golden_copy(client: TestClient, with_candles: Runtime):
    """Rows of TraderTape's own resources: a backtest's curve and trades, a dashboard's."""
    take = Recorder()
    sign_in(client, with_candles, "golden-own@x.in")
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    strategy = next(s["id"] for s in templates if s["base_model"] == "v1_momentum")
    backtest = {
        "strategy_id": strategy,
        "universe": "nifty_50",
        "start_date": "2025-01-01",
        "end_date": "2025-03-31",
        "starting_capital": 1000000,
        "position_size_pct": 10,
        "max_positions": 5,
        "max_per_sector": 2,
        "slippage_bps": 5,
    }
    run = take("POST /api/backtest/run", client.post("/api/backtest/run", json=backtest))
    take("GET /api/backtest/runs/{id}", client.get(f"/api/backtest/runs/{run['id']}"))
    deploy = {
        "strategy_id": strategy,
        "universe": "nifty_50",
        "starting_capital": "1000000",
        "position_size_pct": "10",
        "max_positions": 5,
        "max_per_sector": 2,
        "paper_fill": "close",
    }
    client.post("/api/portfolio/funds", json={"amount": deploy["starting_capital"]})
    portfolio = client.post("/api/model/portfolios/deploy", json=deploy).json()["id"]
    scan = {"portfolio_id": portfolio, "date": "2025-06-02"}
    [report] = client.post("/api/model/scan", json=scan).json()
    for signal in report["entries"][:2]:
        client.post(f"/api/model/signals/{signal}/approve")
    client.post("/api/model/cart/place", json={"portfolio_id": portfolio})
    client.post("/api/model/scan", json={**scan, "date": "2025-06-03"})
    board = client.get("/api/model/dashboard", params={"portfolio_id": portfolio})
    take("GET /api/model/dashboard", board)
    check("own", take)
