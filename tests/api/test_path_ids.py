"""An id in a path past what a row id can be is a 422 naming it, on every route
(docs/api-conventions.md, "Ids"): one past 64 bits used to reach the driver, a 500."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.api.test_conventions import OPENAPI_SNAPSHOT
from tests.helpers import sign_in
from tests.workers_kit import PREFIX
from tradertape.runtime import Runtime

PAST_64_BITS = "99999999999999999999"


def _integer_path_params(document: dict[str, object]) -> list[tuple[str, str, list[str]]]:
    """(method, path, the names of its integer path parameters) of every operation having one."""
    found = []
    for path, item in document["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            names = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "path" and p["schema"].get("type") == "integer"
            ]
            if names:
                found.append((method.upper(), path, names))
    return found


def test_an_id_past_64_bits_is_a_422_naming_it_on_every_route(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "ids@x.in", admin=True)  # the admin routes too
    bearers = {  # the routes a bearer credential reaches, and their credential
        PREFIX: client.post("/api/algo-workers/tokens", json={"name": "w"}).json()["token"],
        "/api/agent/": client.post("/api/agent/keys", json={"name": "a"}).json()["api_key"],
    }
    # the checked-in document, held equal to the app's routes by test_conventions.py
    operations = _integer_path_params(json.loads(OPENAPI_SNAPSHOT.read_text()))
    assert len(operations) > 50  # the walk found the routes
    for method, path, names in operations:
        url = path
        for name in re.findall(r"\{(\w+)\}", path):
            url = url.replace(f"{{{name}}}", PAST_64_BITS if name in names else "1")
        secret = next((v for k, v in bearers.items() if path.startswith(k)), None)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 422, (method, path, response.status_code, response.text)
        named = {e["loc"][-1] for e in response.json()["detail"] if e["loc"][0] == "path"}
        assert named == set(names), (method, path, response.text)
