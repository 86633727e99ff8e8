"""The app's front middlewares (request id, cross-site check, limits): each refusal, in the
order the checks run, carries the request's id as every other answer does."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.runtime import Runtime

ID = {"X-Request-ID": "front-1"}
EVIL = {"Origin": "https://evil.example"}


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        pytest.param(EVIL, "{}", 403, id="cross-site"),
        pytest.param({}, "x" * 2_000_000, 413, id="too-large"),
        pytest.param({}, _deep(40), 422, id="too-deep"),
        # cross-site is judged first: a forged request is refused before its body is read
        pytest.param(EVIL, "x" * 2_000_000, 403, id="cross-site-before-size"),
    ],
)
def test_each_refusal_carries_the_request_id(
    client: TestClient, runtime: Runtime, headers: dict[str, str], body: str, status: int
):
    sign_in(client, runtime, "front@x.in")
    response = client.post(
        "/api/orders",
        content=body,
        headers={**ID, **headers, "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.headers["x-request-id"] == "front-1"
    if status == 422:  # the limits' own answer, not the route's
        assert response.json()["detail"][0]["type"] == "json_too_deep"


def test_an_admitted_request_reads_its_body_once_checked(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "front@x.in")
    response = client.post("/api/orders", content=json.dumps({"quantity": 1}), headers=ID)
    assert response.status_code == 422  # the route's own validation saw the body
    assert response.headers["x-request-id"] == "front-1"
    assert any(error["loc"][0] == "body" for error in response.json()["detail"])
