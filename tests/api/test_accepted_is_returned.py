"""Whatever a write route accepts, the matching read returns: never store what cannot be read.

Each property sends generated input (nested JSON deep and wide, any unicode text, decimals)
to a write route. A refusal must be a 4xx; an acceptance must read back equal, and the reads
that list or journal the row must keep answering.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.test_request_limits import COMPARE
from tests.api.test_strategies_api import SMA_CROSS
from tests.helpers import sign_in
from tests.workers_kit import Worker, new_worker, set_price
from tradertape.runtime import Runtime

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_ids = itertools.count()

# Mostly input a route should take (any unicode text but NUL, finite numbers, within the
# bounds), and in one case of four, input it must refuse: text a database or UTF-8 cannot
# hold, NaN and infinities, nesting far past the bounds.
good_text = st.text(st.characters(exclude_characters="\x00"), max_size=20)
bad_text = st.text(st.characters() | st.sampled_from(("\x00", "\ud800", "\udfff")), max_size=20)
text = good_text | good_text | good_text | bad_text


def _json(keys: st.SearchStrategy[str], numbers: st.SearchStrategy[float]) -> Any:
    scalars = st.none() | st.booleans() | st.integers() | numbers | keys
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=6),
        max_leaves=80,
    )


good_wide = _json(good_text, st.floats(allow_nan=False, allow_infinity=False))
bad_wide = _json(bad_text, st.floats())


@st.composite
def deep(draw: st.DrawFn, levels: st.SearchStrategy[int]) -> Any:
    """A value under many levels of objects and arrays (each as deep as `levels` draws)."""
    value = draw(good_wide)
    for _ in range(draw(levels)):
        value = [value] if draw(st.booleans()) else {draw(good_text): value}
    return value


good_objects = st.dictionaries(good_text, good_wide | deep(st.integers(1, 12)), max_size=6)
bad_objects = st.dictionaries(text, bad_wide | deep(st.integers(13, 300)), min_size=1, max_size=6)
json_objects = good_objects | good_objects | good_objects | bad_objects


def canonical(value: Any) -> Any:
    """JSON as its text means it: a number is its decimal value (PostgreSQL stores 1e+16 as
    10000000000000000 and reads it back as an integer), whatever Python type carries it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value)).normalize() if isinstance(value, float) else Decimal(value)
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return {key: canonical(item) for key, item in value.items()}


def _sent(response: Any) -> bool:
    """Accepted (2xx), or refused as the client's fault (4xx) — never a server error."""
    assert response.status_code < 500, response.text
    accepted: bool = 200 <= response.status_code < 300
    event("accepted" if accepted else f"refused {response.status_code}")  # see the balance
    return accepted


def _raw(http: TestClient | httpx.Client, method: str, url: str, body: Any, **headers: str) -> Any:
    # httpx refuses to write some JSON a careless client might send; write it ourselves.
    content = json.dumps(body, ensure_ascii=True)
    headers = {"Content-Type": "application/json", **headers}
    return http.request(method, url, content=content, headers=headers)


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_prop", runtime_state={"risk": {"max_loss": 500}})
    return worker


def _worker_call(worker: Worker, method: str, path: str, body: Any) -> Any:
    url = "/api/algo-workers/worker" + path
    return _raw(worker.http, method, url, body, Authorization=f"Bearer {worker.secret}")


@PROPERTY
@given(metadata=json_objects, state=json_objects, field=json_objects)
def test_a_created_run_reads_back(worker: Worker, metadata: Any, state: Any, field: Any):
    run_id = f"run_gen_{next(_ids)}"
    body = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "strategy_run_id": run_id,
        "metadata": metadata,
        "runtime_state": {"custom": state},
        "summary_fields": [field],
    }
    if not _sent(_worker_call(worker, "POST", "/runs", body)):
        assert worker.call("GET", f"/runs/{run_id}").status_code == 404
        return
    run = worker.call("GET", f"/runs/{run_id}")
    assert run.status_code == 200
    assert canonical(run.json()["metadata"]) == canonical(metadata)
    assert canonical(run.json()["runtime_state"]["custom"]) == canonical(state)
    assert canonical(run.json()["summary_fields"]) == canonical([field])
    assert worker.call("GET", "/runs").status_code == 200


@PROPERTY
@given(patch=json_objects)
def test_a_risk_patch_reads_back(worker: Worker, patch: Any):
    before = worker.call("GET", "/runs/run_prop").json()["runtime_state"]["risk"]
    if not _sent(_worker_call(worker, "PATCH", "/runs/run_prop/risk", {"patch": patch})):
        assert worker.call("GET", "/runs/run_prop").json()["runtime_state"]["risk"] == before
        return
    run = worker.call("GET", "/runs/run_prop")
    assert run.status_code == 200
    assert canonical(run.json()["runtime_state"]["risk"]) == canonical({**before, **patch})
    assert worker.call("GET", "/runs/run_prop/timeline").status_code == 200


@PROPERTY
@given(metadata=json_objects, details=json_objects)
def test_decision_metadata_reads_back_on_the_timeline(worker: Worker, metadata: Any, details: Any):
    body = {
        "summary": "generated",
        "decision_type": "note",
        "action": "observe",
        "details": details,
        "metadata": metadata,
    }
    response = _worker_call(worker, "POST", "/runs/run_prop/decision-events", body)
    if not _sent(response):
        return
    timeline = worker.call("GET", "/runs/run_prop/timeline", params={"event_kind": "decision"})
    assert timeline.status_code == 200
    event = next(e for e in timeline.json()["events"] if e["cursor"] == response.json()["cursor"])
    assert canonical(event["payload"]["metadata"]) == canonical(metadata)


@PROPERTY
@given(metadata=json_objects)
def test_an_intent_with_any_accepted_metadata_keeps_the_run_readable(worker: Worker, metadata: Any):
    key = f"run_prop:gen:{next(_ids):06d}"
    body = {
        "intent_type": "place_order",
        "payload": {"order": {**_ORDER}},
        "idempotency_key": key,
        "metadata": metadata,
    }
    if not _sent(_worker_call(worker, "POST", "/runs/run_prop/intents", body)):
        return
    assert worker.call("GET", "/runs/run_prop/timeline").status_code == 200
    assert worker.call("GET", "/runs/run_prop").status_code == 200
    replay = _worker_call(worker, "POST", "/runs/run_prop/intents", body)
    assert replay.status_code == 200
    assert replay.json()["status"] == "deduped"


_ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "product": "CNC",
    "order_type": "MARKET",
    "quantity": 1,
}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A DSL condition tree, wide or deep (up to 250 more levels of ``not``)."""
    literal = {"type": "literal", "value": draw(st.floats(-1e9, 1e9))}
    leaf = {**COMPARE, "right": literal}
    tree = draw(
        st.recursive(
            st.just(leaf),
            lambda inner: (
                st.builds(lambda c: {"type": "not", "condition": c}, inner)
                | st.builds(
                    lambda cs, kind: {"type": kind, "conditions": cs},
                    st.lists(inner, min_size=1, max_size=8),
                    st.sampled_from(("and", "or")),
                )
            ),
            max_leaves=60,
        )
    )
    for _ in range(draw(st.integers(0, 10) | st.integers(0, 10) | st.integers(0, 250))):
        tree = {"type": "not", "condition": tree}
    return tree


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


def _document(strategy: dict[str, Any]) -> dict[str, Any]:
    """The parts of a stored document a sender chose (the server numbers versions)."""
    return {k: v for k, v in strategy["document"].items() if k != "version"}


@PROPERTY
@given(
    name=text | st.text(min_size=100, max_size=130),
    description=text | st.text(max_size=2100),
    entry=conditions(),
    replacement=conditions(),
)
def test_a_saved_strategy_reads_back(
    alice: TestClient, name: str, description: str, entry: Any, replacement: Any
):
    before = alice.get("/api/strategies").json()
    body = {**SMA_CROSS, "name": name, "description": description, "entry_rules": entry}
    created = _raw(alice, "POST", "/api/strategies", body)
    if not _sent(created):
        assert alice.get("/api/strategies").json() == before
        return
    strategy_id = created.json()["id"]
    stored = alice.get(f"/api/strategies/{strategy_id}")
    assert stored.status_code == 200
    assert _document(stored.json()) == _document(created.json())
    assert (stored.json()["name"], stored.json()["description"]) == (name, description)
    assert alice.get("/api/strategies").status_code == 200
    shared = alice.post(f"/api/strategies/{strategy_id}/share", json={})
    assert shared.status_code == 200
    assert alice.get("/api/strategies").status_code == 200  # the list every user sees
    stored = alice.get(f"/api/strategies/{strategy_id}")

    replaced = _raw(
        alice, "PUT", f"/api/strategies/{strategy_id}", {**body, "entry_rules": replacement}
    )
    if _sent(replaced):
        reread = alice.get(f"/api/strategies/{strategy_id}").json()
        assert _document(reread) == _document(replaced.json())
    else:
        assert alice.get(f"/api/strategies/{strategy_id}").json() == stored.json()


@PROPERTY
@given(
    amount=st.decimals(Decimal("0.01"), Decimal(10) ** 12, places=2)
    | st.decimals(Decimal("0.001"), Decimal(10) ** 13, places=3),
    pct=st.decimals(Decimal("0.0001"), Decimal(1000), places=4)
    | st.decimals(Decimal("0.00001"), Decimal(1001), places=5),
)
def test_a_risk_rule_reads_back(alice: TestClient, amount: Decimal, pct: Decimal):
    body = {"type": "max_exposure", "threshold_amount": str(amount), "threshold_pct": str(pct)}
    created = alice.post("/api/risk/rules", json=body)
    if not _sent(created):
        return
    rule = alice.get(f"/api/risk/rules/{created.json()['id']}")
    assert rule.status_code == 200
    assert Decimal(str(rule.json()["threshold_amount"])) == amount
    assert Decimal(str(rule.json()["threshold_pct"])) == pct
    assert alice.delete(f"/api/risk/rules/{created.json()['id']}").status_code == 204


@PROPERTY
@given(
    name=text | st.text(min_size=110, max_size=130),
    capital=st.decimals(Decimal("0.01"), Decimal(10) ** 11, places=2)
    | st.decimals(Decimal("0.001"), Decimal(10) ** 12, places=3),
    size_pct=st.decimals(Decimal("0.001"), Decimal(100), places=3)
    | st.decimals(Decimal("0.001"), Decimal(101), places=4),
)
def test_a_deployed_portfolio_reads_back(
    alice: TestClient, name: str, capital: Decimal, size_pct: Decimal
):
    template = alice.get("/api/strategies", params={"is_template": True}).json()[1]["id"]
    body = {
        "strategy_id": template,
        "name": name,
        "universe": "nifty_50",
        "starting_capital": str(capital),
        "position_size_pct": str(size_pct),
        "paper_fill": "close",
    }
    _raw(alice, "POST", "/api/portfolio/funds", {"amount": str(capital)})
    deployed = _raw(alice, "POST", "/api/model/portfolios/deploy", body)
    if not _sent(deployed):
        return
    listed = alice.get("/api/model/portfolios")
    assert listed.status_code == 200
    (portfolio,) = (p for p in listed.json() if p["id"] == deployed.json()["id"])
    assert portfolio["name"] == name
    assert Decimal(str(portfolio["starting_capital"])) == capital
    assert Decimal(str(portfolio["position_size_pct"])) == size_pct
