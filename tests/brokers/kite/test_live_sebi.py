"""SEBI's retail-algo rules on live orders to the fake Kite: one order-rate ceiling over
paper and live orders alike (the eleventh in a second never reaches Kite), each live order's
algo id and the address it left from recorded and read back, and the static IP registered
with the broker shown beside the server's own."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.test_live_gtts import SINGLE
from tests.brokers.kite.test_live_orders import connect
from tests.live_kit import BUY, ours
from tests.workers_kit import set_price
from tradertape.api.app import create_app
from tradertape.db.engine import Database
from tradertape.ports.clock import ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.settings import Settings
from tradertape_brokers.kite import KiteBroker

pytestmark = pytest.mark.db

PAPER = {k: v for k, v in BUY.items() if k != "mode"} | {"quantity": 1}


@pytest.fixture
def settings(tmp_path: Path, fake: Fake) -> Settings:
    return server_settings(
        tmp_path, fake, kite_timeout_secs=0.5, live_trading_enabled=True, order_rate_per_sec=10
    )


def test_paper_and_live_orders_share_one_ceiling_and_the_eleventh_never_reaches_kite(
    client: TestClient, runtime: Runtime, fake: Fake, clock: ManualClock
):
    connect(client, runtime, fake)
    funded = client.post("/api/portfolio/funds", json={"amount": "100000"})
    assert funded.status_code == 201, funded.text
    set_price(runtime, "NSE:INFY", "1500")
    for _ in range(5):
        assert client.post("/api/orders", json=BUY).status_code == 201
        assert client.post("/api/orders", json=PAPER).json()["status"] == "OPEN"
    assert len(fake.state()["orders"]) == 5

    refused = client.post("/api/orders", json=BUY)

    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert "SEBI order-rate ceiling" in refused.json()["detail"]
    assert len(fake.state()["orders"]) == 5  # nothing was sent
    assert len(ours(runtime)) == 10  # nor stored
    events = client.get("/api/risk/events").json()
    assert [(e["rule_type"], e["context"]) for e in events] == [("order_rate", {"broker": "kite"})]

    clock.advance(timedelta(seconds=1))
    assert client.post("/api/orders", json=BUY).status_code == 201
    assert len(fake.state()["orders"]) == 6


def test_a_live_order_records_its_algo_id_and_the_address_it_left_from(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    placed = client.post("/api/orders", json=BUY)
    paper = client.post("/api/orders", json=PAPER)

    assert placed.status_code == 201, placed.text
    body = placed.json()
    # The fake Kite listens on loopback: the connection's local end is 127.0.0.1.
    assert (body["algo_id"], body["egress_ip"]) == ("RETAIL-UNREGISTERED", "127.0.0.1")
    read = client.get(f"/api/orders/{body['order_id']}").json()
    assert (read["broker"], read["algo_id"], read["egress_ip"]) == (
        "kite",
        "RETAIL-UNREGISTERED",
        "127.0.0.1",
    )
    assert read["broker_order_id"] == fake.state()["orders"][0]["order_id"]
    # Kite heard it in its ``algo_id`` field.
    assert fake.state()["algo_ids"] == {read["broker_order_id"]: "RETAIL-UNREGISTERED"}
    by_kites_id = client.get(f"/api/orders/{read['broker_order_id']}").json()  # the live book's
    assert by_kites_id["order_id"] == body["order_id"]
    assert client.get("/api/orders/nope").status_code == 404
    [row, paper_row] = ours(runtime)
    assert (row.algo_id, row.egress_ip) == ("RETAIL-UNREGISTERED", "127.0.0.1")
    assert (paper_row.algo_id, paper_row.egress_ip) == (None, None)  # no exchange saw it
    assert paper.json()["algo_id"] is None


def test_the_configured_algo_id_is_what_kite_hears(
    tmp_path: Path, fake: Fake, clock: ManualClock, database: Database
):
    settings = server_settings(tmp_path, fake, live_trading_enabled=True, algo_id="TT-ALGO-7")
    runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        connect(client, runtime, fake)
        placed = client.post("/api/orders", json=BUY).json()

    assert placed["algo_id"] == "TT-ALGO-7"
    assert list(fake.state()["algo_ids"].values()) == ["TT-ALGO-7"]


def test_the_registered_static_ip_is_shown_beside_the_servers(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)

    other = client.put("/api/brokers/kite/static-ip", json={"static_ip": "203.0.113.7"})
    same = client.put("/api/brokers/kite/static-ip", json={"static_ip": "127.0.0.1"})
    bad = client.put("/api/brokers/kite/static-ip", json={"static_ip": "203.0.113.300"})
    no_key = client.put("/api/brokers/upstox/static-ip", json={"static_ip": "127.0.0.1"})

    assert other.status_code == 200, other.text
    shown = other.json()
    assert (shown["static_ip"], shown["server_ip"], shown["server_ip_source"]) == (
        "203.0.113.7",
        "127.0.0.1",  # toward the fake Kite on loopback, detected without sending anything
        "detected",
    )
    assert shown["static_ip_matches"] is False
    assert same.json()["static_ip_matches"] is True
    assert client.get("/api/brokers/kite/credentials").json()["static_ip"] == "127.0.0.1"
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "static_ip"
    assert no_key.status_code == 409
    forgot = client.put("/api/brokers/kite/static-ip", json={"static_ip": None}).json()
    assert (forgot["static_ip"], forgot["static_ip_matches"]) == (None, None)


def test_a_configured_egress_ip_is_what_the_settings_page_compares(
    tmp_path: Path, fake: Fake, clock: ManualClock, database: Database
):
    configured = "198.51.100.4"  # the public address of a server behind NAT
    settings = server_settings(tmp_path, fake, live_trading_enabled=True, egress_ip=configured)
    runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        connect(client, runtime, fake)
        shown = client.put("/api/brokers/kite/static-ip", json={"static_ip": configured}).json()
        placed = client.post("/api/orders", json=BUY).json()

    # The order records the connection's own local end (loopback here), not the configured
    # public address: Kite's adapter read it from the socket that carried the order.
    assert placed["egress_ip"] == "127.0.0.1"
    assert (shown["server_ip"], shown["server_ip_source"], shown["static_ip_matches"]) == (
        configured,
        "configured",
        True,
    )


def test_an_order_from_another_address_than_the_registered_one_is_refused_before_sending(
    tmp_path: Path, fake: Fake, clock: ManualClock, database: Database
):
    settings = server_settings(tmp_path, fake, live_trading_enabled=True, egress_ip="198.51.100.4")
    runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        connect(client, runtime, fake)
        client.put("/api/brokers/kite/static-ip", json={"static_ip": "203.0.113.7"})
        refused = client.post("/api/orders", json=BUY)
        assert (fake.state()["orders"], ours(runtime)) == ([], [])  # nothing sent nor stored
        client.put("/api/brokers/kite/static-ip", json={"static_ip": "198.51.100.4"})
        placed = client.post("/api/orders", json=BUY)

    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert detail.startswith('"static_ip": Kite takes orders only from the static IP')
    assert all(part in detail for part in ("203.0.113.7", "198.51.100.4", "once a week"))
    assert placed.status_code == 201, placed.text
    assert len(fake.state()["orders"]) == 1


def test_a_live_gtt_from_another_address_is_refused_before_it_reaches_kite(
    tmp_path: Path, fake: Fake, clock: ManualClock, database: Database
):
    settings = server_settings(tmp_path, fake, live_trading_enabled=True, egress_ip="198.51.100.4")
    runtime = Runtime.build(settings, clock=clock, db=database, transport=LogTransport())
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        connect(client, runtime, fake)
        client.put("/api/brokers/kite/static-ip", json={"static_ip": "203.0.113.7"})
        refused = client.post("/api/gtt/triggers", json=SINGLE)

    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"].startswith('"static_ip": ')
    assert fake.state()["gtts"] == []


def test_a_detected_private_address_is_no_reason_to_refuse(
    client: TestClient, runtime: Runtime, fake: Fake
):
    # Behind NAT the OS's route says nothing of the public address: unknown, not a mismatch.
    connect(client, runtime, fake)
    client.put("/api/brokers/kite/static-ip", json={"static_ip": "203.0.113.7"})

    placed = client.post("/api/orders", json=BUY)

    assert placed.status_code == 201, placed.text
    assert len(fake.state()["orders"]) == 1


def test_the_kite_adapter_reads_the_local_end_of_the_connection_that_carried_its_request(
    broker: KiteBroker,
):
    assert broker.local_address() is None  # nothing sent from this thread yet
    broker.orders()
    assert broker.local_address() == "127.0.0.1"
    seen: list[str | None] = []
    other = threading.Thread(target=lambda: seen.append(broker.local_address()))
    other.start()
    other.join()
    assert seen == [None]  # per thread: a concurrent order's address is its own
