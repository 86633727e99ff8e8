"""Never store what cannot be returned: limits refuse a request before anything is written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.test_strategies_api import SMA_CROSS
from tests.helpers import sign_in
from tests.workers_kit import Worker, new_worker, set_price
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.db.models import Order
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings

COMPARE = {
    "type": "compare",
    "left": {"type": "indicator", "name": "close"},
    "op": ">",
    "right": {"type": "literal", "value": 1},
}


def negated(times: int) -> dict[str, Any]:
    """A condition under `times` nested ``not`` nodes (each one JSON level)."""
    condition: dict[str, Any] = COMPARE
    for _ in range(times):
        condition = {"type": "not", "condition": condition}
    return condition


def nested(levels: int) -> dict[str, Any]:
    """``{"a": {"a": ... {}}}``: an object `levels` deep."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _orders(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Order)) or 0)


@pytest.fixture
def alice(client: TestClient, runtime: Runtime) -> TestClient:
    sign_in(client, runtime, "alice@x.in")
    return client


@pytest.fixture
def worker(client: TestClient, runtime: Runtime) -> Worker:
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_l", runtime_state={"risk": {"max_loss": 500}})
    return worker


def test_a_strategy_nested_200_deep_is_refused_and_the_library_still_reads(alice: TestClient):
    assert alice.post("/api/strategies", json=SMA_CROSS).status_code == 201
    before = alice.get("/api/strategies").json()

    response = alice.post("/api/strategies", json={**SMA_CROSS, "entry_rules": negated(200)})

    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["field"].startswith("entry_rules.condition.condition.")
    assert problem["msg"] == "nested deeper than 32 levels"
    listed = alice.get("/api/strategies")
    assert listed.status_code == 200
    assert listed.json() == before


def test_a_deep_strategy_replacement_leaves_the_stored_one(alice: TestClient):
    created = alice.post("/api/strategies", json=SMA_CROSS).json()
    body = {**SMA_CROSS, "entry_rules": negated(200)}

    assert alice.put(f"/api/strategies/{created['id']}", json=body).status_code == 422
    assert alice.get(f"/api/strategies/{created['id']}").json() == created


def test_run_metadata_400_deep_is_refused_and_no_run_is_stored(worker: Worker):
    body = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "strategy_run_id": "run_deep",
        "metadata": nested(400),
    }
    response = worker.call("POST", "/runs", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"].startswith("metadata.a.a.")
    assert worker.call("GET", "/runs/run_deep").status_code == 404


def test_a_risk_patch_400_deep_is_refused_and_the_state_kept(worker: Worker):
    response = worker.call("PATCH", "/runs/run_l/risk", json={"patch": {"x": nested(400)}})

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"].startswith("patch.x.a.")
    assert worker.call("GET", "/runs/run_l").json()["runtime_state"]["risk"] == {"max_loss": 500}
    assert worker.call("GET", "/runs/run_l/timeline").status_code == 200


def test_intent_metadata_400_deep_places_no_order(worker: Worker, runtime: Runtime):
    response = worker.place("run_l", "run_l:entry:deep", metadata=nested(400))

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"].startswith("metadata.a.a.")
    assert _orders(runtime) == 0
    timeline = worker.call("GET", "/runs/run_l/timeline")
    assert timeline.status_code == 200
    assert [e["event_type"] for e in timeline.json()["events"] if "order" in e["event_type"]] == []


def test_a_two_megabyte_body_is_413_and_nothing_is_stored(worker: Worker):
    body = {
        "template_id": "basic-equity",
        "account_scope": "kite:paper",
        "strategy_run_id": "run_big",
        "runtime_state": {"blob": "x" * 2_000_000},
    }
    response = worker.call("POST", "/runs", json=body)

    assert response.status_code == 413
    assert "1048576 bytes" in response.json()["detail"]
    assert worker.call("GET", "/runs/run_big").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "msg"),
    [
        pytest.param("metadata", {"k": "\x00"}, "NUL character", id="nul"),
        pytest.param("metadata", {"k\ud800": 1}, "unpaired surrogate", id="surrogate-key"),
        pytest.param("metadata", {"k": float("nan")}, "finite number", id="nan"),
    ],
)
def test_unstorable_json_is_422_naming_the_field(
    worker: Worker, field: str, value: dict[str, Any], msg: str
):
    body = {"template_id": "basic-equity", "account_scope": "kite:paper", field: value}
    # httpx refuses NaN and surrogates: send the JSON text a careless client would
    raw = json.dumps(body, ensure_ascii=True)
    response = worker.http.post(
        "/api/algo-workers/worker/runs",
        content=raw,
        headers={"Authorization": f"Bearer {worker.secret}", "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["field"].startswith(field)
    assert msg in problem["msg"]
    listed = worker.call("GET", "/runs").json()["items"]
    assert [run["strategy_run_id"] for run in listed] == ["run_l"]


def test_a_nul_in_a_strategy_name_is_422_naming_it_on_every_database(alice: TestClient):
    response = alice.post("/api/strategies", json={**SMA_CROSS, "name": "bad\x00name"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "name"
    assert alice.get("/api/strategies", params={"is_template": False}).json() == []


def test_free_form_fields_have_their_own_bounds(worker: Worker):
    big = worker.call("PATCH", "/runs/run_l/risk", json={"patch": {"x": "y" * 70_000}})
    deep = worker.place("run_l", "run_l:entry:d20", metadata=nested(20))

    assert big.status_code == 422
    assert big.json()["detail"][0]["field"] == "patch"
    assert "at most 65536 bytes" in big.json()["detail"][0]["msg"]
    assert deep.status_code == 422
    assert deep.json()["detail"][0]["field"] == "metadata"
    assert "nested deeper than 16 levels" in deep.json()["detail"][0]["msg"]


def test_a_strategy_of_too_many_nodes_is_422_naming_the_part(alice: TestClient):
    wide = {"type": "and", "conditions": [{"type": "and", "conditions": [COMPARE] * 50}] * 10}

    response = alice.post("/api/strategies", json={**SMA_CROSS, "entry_rules": wide})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "entry_rules"
    assert "at most 500" in response.json()["detail"][0]["msg"]
    assert alice.get("/api/strategies", params={"is_template": False}).json() == []


_UNBOUNDED_PATTERN = re.compile(r"[*+]|\{\d+,\}")


def _unbounded_text(schema: dict[str, Any]) -> bool:
    if schema.keys() & {"maxLength", "enum", "const", "format"}:
        return False
    return bool(_UNBOUNDED_PATTERN.search(schema.get("pattern", "*")))


def _unbounded(schema: dict[str, Any], where: str, refs: list[str]) -> Iterator[str]:
    """Strings, arrays and free objects of a request schema that have no stated bound."""
    if "$ref" in schema:
        refs.append(schema["$ref"].rsplit("/", 1)[1])
        return
    branches = schema.get("anyOf", [])
    decimal = {b.get("type") for b in branches} >= {"number", "string"}
    for branch in branches:
        if not (decimal and branch.get("type") == "string"):  # digits: the money rule's
            yield from _unbounded(branch, where, refs)
    kind = schema.get("type")
    if kind == "string" and _unbounded_text(schema):
        yield f"{where} (text)"
    if kind == "array":
        if "maxItems" not in schema:
            yield f"{where} (list)"
        yield from _unbounded(schema.get("items", {}), f"{where}[]", refs)
    for name, child in schema.get("properties", {}).items():
        yield from _unbounded(child, f"{where}.{name}", refs)
    free = schema.get("additionalProperties", kind == "object" and "properties" not in schema)
    if free is True and "x-max-bytes" not in schema:
        yield f"{where} (object)"
    elif isinstance(free, dict):
        yield from _unbounded(free, f"{where}.*", refs)


def test_every_text_list_and_object_a_request_carries_has_a_bound(client: TestClient):
    """Request bodies and query parameters, as the OpenAPI document states them."""
    spec = client.get("/api/openapi.json").json()
    schemas, seen = spec["components"]["schemas"], set()
    refs: list[str] = []
    found: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += _unbounded(content["schema"], f"{where} body", refs)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found += _unbounded(parameter["schema"], f"{where} ?{parameter['name']}", refs)
    while refs:
        name = refs.pop()
        if name not in seen:
            seen.add(name)
            found += _unbounded(schemas[name], name, refs)
    assert found == []


def test_a_nul_in_the_path_is_422_on_every_database(worker: Worker):
    response = worker.call("GET", "/runs/run%00x")

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "path"


def test_a_surrogate_in_raw_bytes_is_refused_too(worker: Worker):
    """Python's JSON parser reads an encoded surrogate (ED A0 80) that UTF-8 forbids."""
    body = b'{"template_id": "basic-equity", "account_scope": "kite:paper", "metadata": '
    response = worker.http.post(
        "/api/algo-workers/worker/runs",
        content=body + b'{"k": "\xed\xa0\x80"}}',
        headers={"Authorization": f"Bearer {worker.secret}", "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "metadata.k"


def test_risk_patches_cannot_add_up_past_the_state_bound(worker: Worker):
    sizes = []
    for i in range(9):  # 60 KB each: the ninth would take the state past 512 KB
        response = worker.call("PATCH", "/runs/run_l/risk", json={"patch": {f"k{i}": "v" * 60_000}})
        sizes.append(response.status_code)

    assert sizes == [200] * 8 + [422]
    assert response.json()["detail"][0]["field"] == "patch"
    state = worker.call("GET", "/runs/run_l").json()["runtime_state"]
    assert sorted(state["risk"]) == ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "max_loss"]


def test_the_limits_are_settings(settings: Settings, clock: ManualClock, database: Database):
    small = settings.model_copy(update={"max_request_body_bytes": 2048, "max_json_depth": 4})
    runtime = Runtime.build(small, clock=clock, db=database, transport=LogTransport())
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        sign_in(http, runtime, "small@x.in")
        big = http.post("/api/strategies", json={**SMA_CROSS, "description": "d" * 3000})
        deep = http.post("/api/strategies", json=SMA_CROSS)  # exit rule conditions: 5 levels

    assert big.status_code == 413
    assert "2048 bytes" in big.json()["detail"]
    assert deep.status_code == 422
    assert deep.json()["detail"][0]["msg"] == "nested deeper than 4 levels"


def test_the_parsed_body_is_handed_on_only_for_the_bytes_it_was_parsed_from() -> None:
    from tradertape.serving.limits import PARSED_BODY, parsed

    scope: dict[str, object] = {PARSED_BODY: (b'{"a":1}', {"a": 1})}
    assert parsed(scope, b'{"a":1}') == (True, {"a": 1})
    assert parsed(scope, b'{"a":2}') == (False, None)
    assert parsed({}, b'{"a":1}') == (False, None)
