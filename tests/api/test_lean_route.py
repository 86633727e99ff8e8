"""`LeanRoute` answers every request as FastAPI's own handling of the same route does.

Two routes of one signature (a JSON body model and a request-only credential that refuses
a missing cookie), one a `LeanRoute` and one FastAPI's, get the same requests: the same
status and body for any body, content type and cookie (malformed JSON, an empty body, a
body that is not JSON, a field out of bounds, no cookie), and the answer's 401 before the
body's 422 as FastAPI orders them. A route of another shape is left to FastAPI.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from starlette.responses import Response

from tradertape.errors import Unauthenticated
from tradertape.serving.lean_route import LeanRoute, lean_handler
from tradertape.serving.limits import RequestLimits


class Body(BaseModel):
    symbol: str = Field(min_length=1, max_length=8)
    quantity: int = Field(ge=1)
    note: str | None = None


async def who(request: Request) -> str:
    cookie = request.cookies.get("c")
    if not cookie:
        raise Unauthenticated("not signed in")
    return cookie


Who = Annotated[str, Depends(who)]


async def place(body: Body, caller: Who) -> Response:
    answer = {"caller": caller, **body.model_dump()}
    return Response(json.dumps(answer), 201, media_type="application/json")


class Out(BaseModel):
    status: str
    result: dict[str, Any]


async def submit(
    run: Annotated[str, Field(max_length=3)],
    body: Body,
    caller: Who,
    limit: Annotated[int, Query(ge=1)] = 2,
    nonce: Annotated[str | None, Header(alias="x-nonce", max_length=4)] = None,
) -> dict[str, Any]:
    return {
        "status": "accepted",
        "result": {
            "run": run,
            "limit": limit,
            "nonce": nonce,
            "quantity": body.quantity,
            "caller": caller,
        },
        "dropped": True,
    }


def _app() -> FastAPI:
    app = FastAPI()
    router = APIRouter()
    router.add_api_route("/lean", place, methods=["POST"], route_class_override=LeanRoute)
    router.add_api_route("/plain", place, methods=["POST"])
    for kind, route_class in (("lean", LeanRoute), ("plain", None)):
        router.add_api_route(
            f"/{kind}/runs/{{run}}",
            submit,
            methods=["POST"],
            response_model=Out,
            status_code=202,
            route_class_override=route_class,
        )
    app.include_router(router, prefix="/api")

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 401)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": json.loads(json.dumps(exc.errors(), default=str))}, 422)

    app.add_exception_handler(Unauthenticated, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    return app


CLIENT = TestClient(_app())
#: The same routes behind the server's size limits, which hand a lean route the JSON they
#: parsed (`limits.PARSED_BODY`): a plain route parses the bytes itself.
LIMITED = TestClient(RequestLimits(_app(), max_body_bytes=1024, max_json_depth=4))


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=10), _nested, max_leaves=6
)
bodies = st.one_of(
    st.fixed_dictionaries(
        {"symbol": st.text(max_size=10), "quantity": st.integers(-2, 3)},
        optional={"note": st.none() | st.text(max_size=4), "extra": json_values},
    ).map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=20),
    st.sampled_from([b"", b"{", b'{"symbol": "A", "quantity": 1', b"[1,]", b"null"]),
)
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/vnd.x+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "json",
        "application/jsonx",
    ]
)


def _answer(
    path: str,
    body: bytes,
    content_type: str | None,
    cookie: str | None,
    extra: dict[str, str] | None = None,
    client: TestClient = CLIENT,
) -> Any:
    headers = {} if content_type is None else {"content-type": content_type}
    headers.update(extra or {})
    client.cookies.clear()
    if cookie is not None:
        client.cookies.set("c", cookie)
    response = client.post(path, content=body, headers=headers)
    return response.status_code, response.json(), response.headers.get("content-type")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, content_type=content_types, cookie=st.none() | st.just("me"))
def test_the_lean_route_answers_as_fastapi_does(
    body: bytes, content_type: str | None, cookie: str | None
) -> None:
    assert _answer("/api/lean", body, content_type, cookie) == _answer(
        "/api/plain", body, content_type, cookie
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, content_type=content_types, cookie=st.none() | st.just("me"))
def test_behind_the_size_limits_the_lean_route_answers_as_fastapi_does(
    body: bytes, content_type: str | None, cookie: str | None
) -> None:
    """The JSON the limits parsed, taken by the lean route, is what FastAPI parses."""
    lean = _answer("/api/lean", body, content_type, cookie, client=LIMITED)
    assert lean == _answer("/api/plain", body, content_type, cookie, client=LIMITED)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies,
    content_type=content_types,
    cookie=st.none() | st.just("me"),
    run=st.sampled_from(["r1", "long-run"]),
    query=st.sampled_from(["", "?limit=3", "?limit=0", "?limit=x"]),
    nonce=st.none() | st.sampled_from(["n1", "too-long"]),
)
def test_params_and_a_model_answer_are_handled_as_fastapi_does(
    body: bytes,
    content_type: str | None,
    cookie: str | None,
    run: str,
    query: str,
    nonce: str | None,
) -> None:
    extra = {} if nonce is None else {"x-nonce": nonce}
    lean = _answer(f"/api/lean/runs/{run}{query}", body, content_type, cookie, extra)
    plain = _answer(f"/api/plain/runs/{run}{query}", body, content_type, cookie, extra)
    assert lean == plain


def test_a_good_order_is_placed_and_a_bad_one_refused_in_fastapis_order() -> None:
    good = json.dumps({"symbol": "INFY", "quantity": 2}).encode()
    assert _answer("/api/lean", good, "application/json", "me")[:2] == (
        201,
        {"caller": "me", "symbol": "INFY", "quantity": 2, "note": None},
    )
    assert _answer("/api/lean/runs/r1?limit=4", good, "application/json", "me")[:2] == (
        202,
        {
            "status": "accepted",
            "result": {"run": "r1", "limit": 4, "nonce": None, "quantity": 2, "caller": "me"},
        },
    )
    bad = json.dumps({"symbol": "", "quantity": 0}).encode()
    assert _answer("/api/lean", bad, "application/json", None)[0] == 401  # the cookie first
    assert _answer("/api/lean", b"{", "application/json", None)[0] == 422  # malformed JSON first


def test_a_route_of_another_shape_is_left_to_fastapi() -> None:
    async def with_a_cookie_parameter(body: Body, c: Annotated[str, Cookie()]) -> Response:
        return Response(b"{}")

    async def with_a_generator_dependency(
        body: Body, held: Annotated[int, Depends(held_one)]
    ) -> Response:
        return Response(b"{}")

    def not_async(body: Body, caller: Who) -> Response:
        return Response(b"{}")

    router = APIRouter()
    for endpoint in (with_a_cookie_parameter, with_a_generator_dependency, not_async, place):
        router.add_api_route("/x", endpoint, methods=["POST"], route_class_override=LeanRoute)
    found = [lean_handler(route) for route in router.routes]
    assert [handler is None for handler in found] == [True, True, True, False]


async def held_one() -> AsyncIterator[int]:
    yield 1
