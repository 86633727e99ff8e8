"""Live orders to the fake Upstox and the fake Groww through the server and the real SDKs.

`Venue` hides what differs between the two fakes (how to log in, move a price, read the
broker's own book, make an order's answer late), so each scenario runs against both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.integration.groww.conftest import TOTP, FakeServer
from tests.integration.groww.conftest import groww as groww  # noqa: F401 - the fixture, reused
from tests.upstox_kit import INFY, RELIANCE, FakeUpstox, running_fake
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

GROWW_KEY = "growwkey-0001"
UPSTOX_KEYS = {"NSE:INFY": INFY, "NSE:RELIANCE": RELIANCE}


@dataclass(frozen=True)
class AtBroker:
    """One order as the broker's own book holds it (the fakes' shapes, made alike)."""

    order_id: str
    key: str  # the tag / order_reference_id our order was sent with
    status: str  # the broker's own word
    price: Decimal
    filled: int


@dataclass
class Venue:
    """One fake broker, as the live tests drive it."""

    name: str
    connect: Callable[[TestClient, Runtime], None]
    price: Callable[[str, float], object]  # "NSE:INFY", 1488
    orders: Callable[[], list[AtBroker]]
    late_place: Callable[[], object]  # the next placement is accepted, its answer late
    late_cancel: Callable[[], object]  # the next cancel is done, its answer late


@pytest.fixture
def upstox(clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(clock.now) as running:
        yield running


def upstox_venue(fake: FakeUpstox) -> Venue:
    def connect(client: TestClient, runtime: Runtime) -> None:
        body = {"api_key": "upkey1", "api_secret": "upsecret1"}
        assert client.post("/api/brokers/upstox/credentials", json=body).status_code == 200
        url = client.get("/api/brokers/upstox/credentials").json()["login_url"]  # with state
        callback = urlsplit(httpx.get(url).headers["location"])
        landed = client.get(f"{callback.path}?{callback.query}", follow_redirects=False)
        assert landed.headers["location"].endswith("login=ok"), landed.headers["location"]

    def orders() -> list[AtBroker]:
        rows: list[dict[str, Any]] = fake.state()["orders"]  # type: ignore[assignment]
        return [
            AtBroker(
                str(r["order_id"]),
                str(r["tag"]),
                str(r["status"]),
                Decimal(str(r["price"])),
                int(r["filled_quantity"]),
            )
            for r in rows
        ]

    return Venue(
        name="upstox",
        connect=connect,
        price=lambda key, value: fake.control("prices", {UPSTOX_KEYS[key]: value}),
        orders=orders,
        late_place=lambda: fake.control(
            "faults", {"kind": "timeout", "path": "/v3/order/place", "delay_secs": 1.5}
        ),
        late_cancel=lambda: fake.control(
            "faults", {"kind": "timeout", "path": "/v3/order/cancel", "delay_secs": 1.5}
        ),
    )


def groww_venue(fake: FakeServer) -> Venue:
    def connect(client: TestClient, runtime: Runtime) -> None:
        saved = client.post("/api/brokers/groww/credentials", json={"api_key": GROWW_KEY})
        assert saved.status_code == 200, saved.text
        session = client.post("/api/brokers/groww/session", json={"totp": TOTP})
        assert session.json()["connected"] is True, session.text

    def orders() -> list[AtBroker]:
        with fake.fake.book.lock:
            rows = list(fake.fake.book.orders.values())
        return [
            AtBroker(
                str(r["groww_order_id"]),
                str(r["order_reference_id"]),
                str(r["order_status"]),
                Decimal(str(r["price"])),
                int(r["filled_quantity"]),
            )
            for r in rows
        ]

    return Venue(
        name="groww",
        connect=connect,
        price=lambda key, value: fake.control("prices", {key: value}),
        orders=orders,
        late_place=lambda: fake.control(
            "faults",
            {"kind": "timeout_after_accept", "path": "/v1/order/create", "delay_secs": 1.5},
        ),
        late_cancel=lambda: fake.control(
            "faults",
            {"kind": "timeout_after_accept", "path": "/v1/order/cancel", "delay_secs": 1.5},
        ),
    )


@pytest.fixture(params=["upstox", "groww"])
def venue(request: pytest.FixtureRequest) -> Venue:
    if request.param == "upstox":
        return upstox_venue(request.getfixturevalue("upstox"))
    return groww_venue(request.getfixturevalue("groww"))


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Live on, short broker timeouts, and the roots of whichever fakes the test runs."""
    update: dict[str, Any] = {
        "live_trading_enabled": True,
        "upstox_timeout_secs": 0.5,
        "groww_timeout_secs": 0.5,
    }
    if "upstox" in request.fixturenames:
        update["upstox_root"] = request.getfixturevalue("upstox").root
    if "groww" in request.fixturenames:
        update["groww_root"] = request.getfixturevalue("groww").root
    if "venue" in request.fixturenames:
        fake = request.getfixturevalue(request.node.callspec.params["venue"])
        update[f"{request.node.callspec.params['venue']}_root"] = fake.root
    return settings.model_copy(update=update)
