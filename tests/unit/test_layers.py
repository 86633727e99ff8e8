"""Import contract: dependencies point down only (domain ← oms ← services ← api/cli/jobs).

`serving/` (the HTTP machinery around routes) sits beside `api/`, below it: routes and the
app use it, it imports nothing of `api/` (what both need, such as the free-form JSON check a
request body and a schema field share, lives in `serving/`). `jobs/` (background work, its
isolation, the trading loop) wires the OMS's venues as the composition root does.
`services/protection/` watches worker runs and calls the worker contract's exits; the worker
services know nothing of it.

Besides the per-package rules: routes build no queries (they call use-cases), and services
and routes reach the OMS only through its door, the `tradertape.oms` package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "tradertape"


def _imports(package: str, *, root: Path = SRC) -> set[tuple[str, str]]:
    found = set()
    for path in (root / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param(
            "domain",
            (
                "sqlalchemy",
                "fastapi",
                "starlette",
                "httpx",
                "tradertape.db",
                "tradertape.api",
                "tradertape.services",
                "tradertape.ports",
                "tradertape.oms",
                "tradertape.feed",
                "tradertape.bus",
                "tradertape.testkit",
                "tradertape_brokers",
            ),
            id="domain-is-pure",
        ),
        pytest.param(
            "oms",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.runtime",
                "tradertape.services",
                "tradertape.fakebrokers",
                "tradertape_brokers.kite",
                "tradertape_brokers.upstox",
                "tradertape_brokers.groww",
            ),
            id="oms-knows-no-services-nor-adapters",
        ),
        pytest.param(
            "services",
            (
                "fastapi",
                "starlette",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.runtime",
                "tradertape.serving",
            ),
            id="services-know-no-http-nor-wiring",
        ),
        pytest.param(
            "serving",
            (
                "tradertape.api",
                "tradertape.cli",
                "tradertape.jobs",
                "tradertape.oms",
                "tradertape.runtime",
            ),
            id="serving-knows-no-route-nor-engine",
        ),
        pytest.param(
            "jobs",
            ("fastapi", "starlette", "tradertape.api", "tradertape.cli", "tradertape.serving"),
            id="jobs-know-no-http",
        ),
        pytest.param(
            "services/workers",
            ("tradertape.services.protection",),
            id="workers-know-not-their-protection",
        ),
        pytest.param(
            "db", ("tradertape.api", "tradertape.services", "fastapi"), id="db-below-services"
        ),
        pytest.param(
            "candles",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.db",
                "tradertape.services",
            ),
            id="candles-is-an-engine",
        ),
        *(
            pytest.param(
                package,
                (
                    "fastapi",
                    "starlette",
                    "sqlalchemy",
                    "tradertape.api",
                    "tradertape.cli",
                    "tradertape.db",
                    "tradertape.services",
                    "tradertape.oms",
                    "tradertape.testkit",
                ),
                id=f"{package}-is-an-engine",
            )
            for package in ("strategies", "backtest", "journal")
        ),
        pytest.param(
            "indicators",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "tradertape.api",
                "tradertape.cli",
                "tradertape.db",
                "tradertape.services",
                "tradertape.oms",
            ),
            id="indicators-are-an-engine",
        ),
        pytest.param(
            "bus",
            ("fastapi", "starlette", "tradertape.api", "tradertape.db", "tradertape.feed"),
            id="bus-is-transport-only",
        ),
        pytest.param(
            "feed",
            ("fastapi", "starlette", "tradertape.api", "tradertape.db", "tradertape.cli"),
            id="feed-knows-no-http",
        ),
    ],
)
def test_layering(package: str, forbidden: tuple[str, ...]):
    bad = sorted(
        f"{name} imports {module}"
        for name, module in _imports(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    )
    assert bad == []


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param("brokers/python/src", id="broker-adapters"),
        pytest.param("sdk/python/src", id="worker-sdk"),
        pytest.param("agent", id="local-agent"),
    ],
)
def test_distributions_never_import_the_server(folder: str):
    """The adapters, the SDK and the agent install without the server (ARCHITECTURE.md)."""
    if not (ROOT / folder).exists():
        pytest.skip(f"{folder} does not exist yet")
    bad = sorted(
        f"{name} imports {module}"
        for name, module in _imports(folder, root=ROOT)
        if module == "tradertape" or module.startswith("tradertape.")
    )
    assert bad == []


def _route_modules_importing(prefix: str, *, allowed: tuple[str, ...] = ()) -> set[str]:
    routes = SRC / "api" / "routes"
    found = set()
    for path in routes.glob("*.py"):
        for _name, module in _imports_of(path):
            if (module == prefix or module.startswith(prefix + ".")) and module not in allowed:
                found.add(path.stem)
    return found


def _imports_of(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add((path.name, node.module))
        elif isinstance(node, ast.Import):
            found.update((path.name, alias.name) for alias in node.names)
    return found


# What a route may not do to the session: query, write, commit. Use-cases do that.
SESSION_WORK = {
    "get",
    "scalar",
    "scalars",
    "execute",
    "add",
    "delete",
    "flush",
    "commit",
    "rollback",
}


def test_routes_build_no_queries():
    """Routes call use-cases: no SQL of their own, no writes or commits on the session."""
    bad = []
    for path in sorted((SRC / "api" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlalchemy.sql"):
                bad.append(f"{path.stem} imports {node.module}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "db"
                and node.func.attr in SESSION_WORK
            ):
                bad.append(f"{path.stem}:{node.lineno} db.{node.func.attr}")
    assert bad == []


def _oms_reaches(package: str) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "tradertape.oms."
            ):
                module = (node.module or "").removeprefix("tradertape.oms.")
                where = str(path.relative_to(SRC))
                found.update((where, module, alias.name) for alias in node.names)
    return found


def test_services_and_routes_reach_the_oms_by_its_door():
    """Services and routes import the OMS's public surface (`tradertape.oms`), never its
    modules (its venues, its ledger's writer): what they need, the door names."""
    reaches = _oms_reaches("services") | _oms_reaches("api")
    assert sorted(reaches) == [], "import these from tradertape.oms"


def test_the_oms_modules_never_import_its_door():
    """The package's `__init__` imports its modules: one of them importing a name of the
    package (rather than a module of it) would be an import cycle."""
    modules = {path.stem for path in (SRC / "oms").glob("*.py")} | {"paper", "live"}
    inside = sorted(
        f"{path.name} imports {alias.name} from tradertape.oms"
        for path in (SRC / "oms").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == "tradertape.oms"
        for alias in node.names
        if alias.name not in modules
    )
    assert inside == []


def test_api_holds_routes_and_their_contract():
    """`api/` is the routes, their schemas and dependencies, the errors they answer and the
    app that assembles them; the machinery every request passes lives in `serving/`."""
    assert sorted(path.stem for path in (SRC / "api").glob("*.py")) == [
        "__init__",
        "app",
        "deps",
        "errors",
        "job_slots",
        "openapi_streams",
    ]
