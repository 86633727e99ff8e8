"""A yes/no in a request body is JSON ``true`` or ``false`` (issue 66): ``{"on": 0}`` was
read as switching the kill switch off and ``"autoslice": "yes"`` as true. Every request
body's flag is a `decimal_input.Flag`; the walk below finds one that is not."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, Strict

from tests.api.test_trading_api import ORDER
from tests.helpers import sign_in
from tradertape.runtime import Runtime

# Request models whose flags are not yet strict, and why: each is another change's to make.
NOT_YET = {
    # the strategy DSL is also read back from stored documents (strategies/dsl.py)
    "tradertape.strategies.dsl",
    # the local agent's and model portfolios' bodies: being changed beside this (issue 66)
    "tradertape.api.schemas.agent",
    "tradertape.services.portfolios.deploy",
}


def _leaves(annotation: Any) -> Iterator[Any]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        yield annotation
        return
    if not args:
        yield annotation
    for arg in args:
        yield from _leaves(arg)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _loose_flags(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        for leaf in _leaves(field.annotation):
            base = typing.get_args(leaf)[0] if typing.get_args(leaf) else leaf
            if isinstance(base, type) and issubclass(base, BaseModel):
                yield from _loose_flags(base, seen)
            metadata = [*field.metadata, *getattr(leaf, "__metadata__", ())]
            strict = any(isinstance(m, Strict) for m in metadata)
            if base is bool and not strict and model.__module__ not in NOT_YET:
                yield f"{model.__module__}.{model.__name__}.{name}"


def test_every_request_bodys_flag_is_strict(client: TestClient):
    loose: set[str] = set()
    seen: set[type[BaseModel]] = set()
    for route in _routes(client.app.routes):  # type: ignore[attr-defined]
        for param in route.dependant.body_params:
            for leaf in _leaves(param.field_info.annotation):
                if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                    loose.update(_loose_flags(leaf, seen))
    assert len(seen) > 50  # the walk reached the bodies
    assert not loose, sorted(loose)


@pytest.mark.parametrize("on", [0, 1, "yes", "true", "off", None])
def test_the_kill_switch_takes_only_true_or_false(client: TestClient, runtime: Runtime, on: object):
    sign_in(client, runtime, "a@x.in")
    answer = client.post("/api/risk/kill-switch", json={"on": on})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "on"
    assert client.get("/api/risk/state").json()["kill_switch"] is False  # nothing changed


@pytest.mark.parametrize("autoslice", ["yes", 1, "true"])
def test_an_orders_autoslice_is_true_or_false(
    client: TestClient, runtime: Runtime, autoslice: object
):
    sign_in(client, runtime, "a@x.in")
    answer = client.post("/api/orders", json={**ORDER, "autoslice": autoslice})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "autoslice"
    assert client.get("/api/portfolio/orders").json() == []
