"""The routers' request handling is built once per process and shared by the apps it makes
(tradertape.serving.route_state): a second app answers as a first one does, without building."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.api.app import create_app
from tradertape.api.routes import health
from tradertape.runtime import Runtime
from tradertape.serving import route_state


def _inclusions(app: FastAPI) -> dict[int, object]:
    return {
        id(route.original_router): route
        for route in app.router.routes
        if hasattr(route, "original_router")
    }


def test_a_second_app_takes_the_first_apps_built_routers_and_answers_the_same(
    client: TestClient, runtime: Runtime
) -> None:
    sign_in(client, runtime, "alice@x.in")
    first = client.get("/api/risk/state")
    assert first.status_code == 200

    app = create_app(runtime)
    again = _inclusions(app)
    earlier = _inclusions(create_app(runtime))
    assert len(again) >= 30  # every router of the API, and the pages
    assert all(again[key] is earlier[key] for key in again)

    with TestClient(app, base_url="http://testserver") as second:
        second.cookies.update(client.cookies)
        assert second.get("/api/risk/state").json() == first.json()
        missing = second.get("/api/no-such-thing")
        assert missing.status_code == 404
        assert "detail" in missing.json()


def test_an_inclusion_that_differs_is_built_for_its_own_app() -> None:
    def included(prefix: str) -> FastAPI:
        app = FastAPI()
        route_state.prepare(app)
        app.include_router(health.router, prefix=prefix)
        route_state.share_included(app)
        return app

    [one], [same], [other] = (
        list(_inclusions(included(p)).values()) for p in ("/v9", "/v9", "/v8")
    )
    assert same is one
    assert other is not one


def test_a_dependency_override_reaches_every_app_that_shares_the_routers() -> None:
    def word() -> str:
        return "real"

    router = APIRouter()

    @router.get("/word")
    def read(value: str = Depends(word)) -> dict[str, str]:
        return {"word": value}

    def app() -> TestClient:
        made = FastAPI()
        route_state.prepare(made)
        made.include_router(router)
        route_state.share_included(made)
        return TestClient(made)

    with app() as one:
        assert one.get("/word").json() == {"word": "real"}
    route_state.OVERRIDES.dependency_overrides[word] = lambda: "stand-in"
    try:
        with app() as two:
            assert two.get("/word").json() == {"word": "stand-in"}
    finally:
        route_state.OVERRIDES.dependency_overrides.pop(word)
