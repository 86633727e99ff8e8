"""Import contract: dependencies point down only (domain ← services ← api/cli)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "tradertape"


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (SRC / package).rglob("*.py"):
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
                "tradertape_brokers",
            ),
            id="domain-is-pure",
        ),
        pytest.param(
            "services",
            ("fastapi", "starlette", "tradertape.api", "tradertape.cli"),
            id="services-know-no-http",
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
            for package in ("strategies", "backtest")
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
