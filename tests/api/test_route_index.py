"""Requests go to the router that answered their (method, path) before, without FastAPI's walk
past every router (tradertape.serving.dispatch): the same answers, FastAPI's where no route fits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.api.app import create_app
from tradertape.runtime import Runtime
from tradertape.serving.dispatch import RouteIndex, install_route_index


def _index(client: TestClient) -> RouteIndex:
    index = client.app.router.middleware_stack  # type: ignore[attr-defined]
    assert isinstance(index, RouteIndex)
    return index


def _without_index(runtime: Runtime) -> TestClient:
    app = create_app(runtime)
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    app.router.middleware_stack = index._walk  # type: ignore[assignment]  # FastAPI's own
    return TestClient(app, base_url="http://testserver")


REQUESTS = [
    ("GET", "/api/risk/state"),
    ("GET", "/api/risk/rules"),
    ("GET", "/api/risk/rules/999999"),  # a path parameter: another user's or no rule, 404
    ("DELETE", "/api/health"),  # a path no route takes this method on: 405
    ("GET", "/api/no-such-thing"),  # no route: 404
    ("POST", "/api/risk/rules"),  # a body the route refuses: 422
]


def test_the_index_answers_every_request_as_fastapis_walk_does(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "alice@x.in")
    with _without_index(runtime) as plain:
        plain.cookies.update(client.cookies)
        for method, path in REQUESTS:
            ours = client.request(method, path, json={})
            theirs = plain.request(method, path, json={})
            assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json()), path
            assert "detail" in ours.json() or ours.status_code == 200


def test_a_path_routed_once_skips_the_walk_after_and_one_no_route_fits_always_walks(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "alice@x.in")
    index = _index(client)
    before = index.walks
    for _ in range(3):
        assert client.get("/api/risk/state").status_code == 200
        assert client.get("/api/no-such-thing").status_code == 404
    assert index.walks == before + 3  # the three 404s, none of the reads


def test_the_paths_it_keeps_are_bounded(client: TestClient, runtime: Runtime) -> None:
    sign_in(client, runtime, "alice@x.in")
    index = _index(client)
    index._max = 3
    for rule in range(10):
        assert client.get(f"/api/risk/rules/{900000 + rule}").status_code == 404
    assert len(index._found) == 3
    assert client.get("/api/risk/rules/900000").status_code == 404  # forgotten: found again


def _two_route_app() -> tuple[TestClient, APIRouter]:
    router = APIRouter()

    @router.get("/first")
    async def first() -> dict[str, str]:
        return {"route": "first"}

    @router.get("/second/{n}")
    async def second(n: int) -> dict[str, int]:
        return {"n": n}

    app = FastAPI()
    app.include_router(router, prefix="/api")
    assert install_route_index(app) is not None
    return TestClient(app), router


def test_a_kept_router_hands_the_request_to_its_one_route_and_sees_routes_added_later():
    client, router = _two_route_app()
    index = _index(client)
    for _ in range(2):
        assert client.get("/api/second/7").json() == {"n": 7}
    kept: Any = index._found[("GET", "", "/api/second/7")]
    assert len(kept.effective_candidates()) == 1  # the walk past /first is not taken again
    assert client.get("/api/second/x").status_code == 422  # its own path, another key

    @router.get("/third")
    async def third() -> dict[str, str]:
        return {"route": "third"}

    assert len(kept.effective_candidates()) == 3  # the router changed: all of its routes
    assert client.get("/api/second/7").json() == {"n": 7}
    assert client.get("/api/third").json() == {"route": "third"}
    assert client.get("/api/first").json() == {"route": "first"}
