"""The adapter template and the fake template a fourth broker copies: they stay true to the
port and to their siblings, so copying them is a start that type-checks and runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import tradertape_brokers
from tests.brokers.conformance.harness import START
from tradertape.domain.brokers import BROKERS
from tradertape.fakebrokers import FAKES
from tradertape.fakebrokers._template import create_app
from tradertape.ports.clock import ManualClock
from tradertape_brokers import registry
from tradertape_brokers._template import TEMPLATE_LIMITS, TemplateBroker
from tradertape_brokers._template.errors import map_error
from tradertape_brokers.port import (
    Broker,
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

ADAPTERS = Path(tradertape_brokers.__file__).parent
#: The modules the template has and every adapter package beside it has too.
MODULES = {"__init__", "adapter", "errors", "limits", "login"}


def test_the_adapter_template_is_a_broker_and_registered_nowhere():
    adapter: Broker = TemplateBroker(access_token="token")  # mypy holds it to the port

    assert adapter.name not in registry.BROKERS
    assert adapter.name not in FAKES
    with pytest.raises(NotImplementedError):
        adapter.margins()


@pytest.mark.parametrize("name", ["_template", *registry.BROKERS])
def test_every_adapter_package_has_the_templates_modules(name: str):
    assert {path.stem for path in (ADAPTERS / name).glob("*.py")} >= MODULES


def test_the_templates_order_bucket_is_the_one_every_row_is_held_to():
    assert {"orders"} <= set(TEMPLATE_LIMITS)
    assert {row.orders_per_second for row in BROKERS.values()} == {
        TEMPLATE_LIMITS["orders"][0].requests
    }


@pytest.mark.parametrize(
    ("status", "message", "ordering", "error"),
    [
        (401, "token expired", False, SessionExpired),
        (429, "too many requests", True, TransientBrokerError),
        (503, "down", False, TransientBrokerError),
        (400, "insufficient funds", True, InsufficientFunds),
        (400, "bad price", True, OrderRejected),
        (400, "bad symbol", False, BrokerError),
    ],
)
def test_the_templates_errors_map_onto_the_ports(
    status: int, message: str, ordering: bool, error: type[BrokerError]
):
    assert type(map_error(status, message, ordering=ordering)) is error


def test_the_fake_template_places_refuses_on_a_fault_and_moves_prices():
    app = create_app(clock=ManualClock(START))
    client = TestClient(app)
    order = {"symbol": "INFY", "quantity": 5, "price": "1450"}

    client.post("/_fake/faults", json={"path": "/orders", "times": 1})
    refused = client.post("/orders", json=order)
    placed = client.post("/orders", json=order)
    moved = client.post("/_fake/prices", json={"INFY": 1449.5})

    assert refused.status_code == 429
    assert placed.json()["data"]["status"] == "OPEN"
    assert moved.json() == {"INFY": "1449.5"}
    assert [o["id"] for o in client.get("/_fake/state").json()["orders"]] == ["T000001"]
