"""Which router answers a request, remembered by method and path.

FastAPI finds a request's route by asking each included router in turn whether one of its
routes matches, and each asks all of its routes: a route of the thirtieth router costs a
walk past some 150 routes of the others (0.4–0.7 ms on our VMs, more than the rest of a
desk read). The answer depends only on the method and the path, so `RouteIndex` keeps it:
a request whose (method, path) was routed before goes straight to the router that answered
it (a route of another kind still matches the request itself, as FastAPI would; an
included router, whose match is a walk of its routes that adds nothing to the scope, is
not asked again, and is kept as a copy whose only candidate is the route of its own that
answered, so handing the request on walks that one route, not those before it), and
anything else (a path no route matches in full, a WebSocket, the lifespan) takes FastAPI's
own walk.

It steps in for the app router's own dispatch (`APIRouter.app`), doing what that does
once it has found the route, with FastAPI's helpers for it; `install_route_index` leaves
routing alone when those are not there (a FastAPI whose internals moved on), and
tests/api/test_route_index.py checks that every route is found where FastAPI finds it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

log = logging.getLogger("tradertape.api")

MAX_PATHS = 4096  # (method, path) pairs remembered; paths with ids in them come and go

try:  # FastAPI's own steps between finding a route and handing it the request
    from fastapi.routing import _apply_router_form_limits, _update_scope
    from fastapi.telemetry._api import _route_selected
except ImportError:  # pragma: no cover - another FastAPI: routing is left as it is
    _apply_router_form_limits = _update_scope = _route_selected = None  # type: ignore[assignment]
try:  # an included router: its match adds nothing to the scope (FastAPI ≥ 0.16x)
    from fastapi.routing import _IncludedRouter as IncludedRouter
except ImportError:  # pragma: no cover - another FastAPI: every kept route is matched again
    IncludedRouter = None  # type: ignore[assignment,misc]

Dispatch = Callable[[Scope, Receive, Send], Awaitable[None]]


class RouteIndex:
    """The app router's dispatch, with the top-level route of each (method, path) kept."""

    def __init__(self, router: Any, walk: Dispatch, *, max_paths: int = MAX_PATHS) -> None:
        self._router = router
        self._walk = walk  # FastAPI's own dispatch
        self._max = max_paths
        self._found: OrderedDict[tuple[str, str, str], BaseRoute] = OrderedDict()
        self.walks = 0  # requests routed by FastAPI's walk (for tests)

    def _first_full(self, scope: Scope) -> BaseRoute | None:
        for route in self._router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route  # type: ignore[no-any-return]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._walk(scope, receive, send)
            return
        key = (scope["method"], scope.get("root_path", ""), scope["path"])
        route = self._found.get(key)
        if route is None:
            route = self._first_full(scope)
            if route is None:  # a 404, a 405 or a redirect: FastAPI decides
                self.walks += 1
                await self._walk(scope, receive, send)
                return
            if IncludedRouter is not None and isinstance(route, IncludedRouter):
                route = _narrowed(route, scope)
            self._found[key] = route
            if len(self._found) > self._max:
                self._found.popitem(last=False)
        router = self._router
        _apply_router_form_limits(scope, router.form_limits)
        if "router" not in scope:
            scope["router"] = router
        if IncludedRouter is None or not isinstance(route, IncludedRouter):
            match, child_scope = route.matches(scope)
            if match != Match.FULL:  # cannot happen for a pure function of the key; be safe
                self.walks += 1
                await self._walk(scope, receive, send)
                return
            _update_scope(scope, child_scope)
        # An included router found for this key matches it again (a pure function of the
        # method and path) and adds nothing to the scope: it is not asked twice, since it
        # walks its own routes to answer, then again to hand the request on (issue 69:
        # about a twentieth of an order's CPU through the route).
        _route_selected(
            scope=scope,
            path=getattr(route, "path_format", None),
            mount=isinstance(route, Mount),
        )
        await route.handle(scope, receive, send)


def _narrowed(included: Any, scope: Scope) -> BaseRoute:
    """`included` as it answers `scope`: a copy whose candidates are only the one that
    matched it in full (the first, as FastAPI's walk takes it), so handing the request on
    walks one route, not the router's every route before it (issue 69: ``POST /api/orders``
    is the trading router's seventh). A copy of the same router and inclusion; should the
    router's routes change, it takes them all again (its candidates' version is theirs)."""
    match, _, route, context = included._match(scope)  # noqa: SLF001 - FastAPI's own walk
    if match != Match.FULL or route is None:
        return included  # type: ignore[no-any-return]
    narrowed = IncludedRouter(
        original_router=included.original_router, include_context=included.include_context
    )
    narrowed._effective_candidates = [context if context is not None else route]  # noqa: SLF001
    narrowed._effective_candidates_version = included._effective_candidates_version  # noqa: SLF001
    return narrowed


def install_route_index(app: FastAPI) -> RouteIndex | None:
    """Route `app`'s requests through a `RouteIndex` (None when FastAPI's steps or its
    router's dispatch are not what the index replaces: routing is then unchanged)."""
    router = app.router
    if _route_selected is None or router.middleware_stack != router.app:
        log.warning("route index not installed: FastAPI's router is not the one it expects")
        return None
    index = RouteIndex(router, router.app)
    router.middleware_stack = index
    return index
