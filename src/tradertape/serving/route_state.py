"""The routers' built request handling, built once per process and shared by its apps.

FastAPI builds an included router's request handling (each route's dependencies read from
its signature, its body and answer models made into validators) the first time a request
reaches that router, and it builds it again for every app the router is included in: 0.3 to
0.55 s of a first request in a new app (`ready_routes` pays it before a server serves).
A process builds one app to serve; the test suite builds one per test, and that build was
half of its time.

What gets built depends only on the router and how it was included (prefix, error answers,
operation ids, the answer class), all the same in every app `create_app` makes, and on the
object FastAPI asks for dependency overrides, the app itself by default. Every app made here
names `OVERRIDES` instead (the project overrides no dependency), so two apps' inclusions of
a router are equal and the second app takes the first one's, already built. An inclusion
that differs in anything is kept as it is and built for its own app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRouter


@dataclass
class Overrides:
    """What FastAPI reads a dependency override from (the app's own ``dependency_overrides``
    is not read by apps that share their routers: override here, for every app at once)."""

    dependency_overrides: dict[Any, Any] = field(default_factory=dict)


OVERRIDES = Overrides()

# id(router) -> its inclusions, each built on first use (a router compares by its routes,
# so it is no dict key; an id is, and the inclusion kept holds the router alive)
_built: dict[int, list[Any]] = {}
_lock = threading.Lock()


def prepare(app: FastAPI) -> None:
    """Before routers are included: their inclusions name `OVERRIDES`, not this app."""
    app.router.dependency_overrides_provider = OVERRIDES


def share_included(app: FastAPI) -> None:
    """Swap each router inclusion of `app` for an equal one an earlier app of this process
    made (and its first request built). Call once the routers are included, before the app
    serves."""
    routes = app.router.routes
    with _lock:
        for i, route in enumerate(routes):
            included: APIRouter | None = getattr(route, "original_router", None)
            context = getattr(route, "include_context", None)
            if included is None or context is None:
                continue  # a route of the app's own, not an included router
            known = _built.setdefault(id(included), [])
            earlier = next((e for e in known if e.include_context == context), None)
            if earlier is None:
                known.append(route)
            else:
                routes[i] = earlier
    getattr(app.router, "_mark_routes_changed", lambda: None)()
