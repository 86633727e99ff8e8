"""`GET /api/brokers/facts`: every broker a user can connect, as its row of facts says."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import sign_in
from tradertape.domain.brokers import BROKER_NAMES
from tradertape.runtime import Runtime


def test_the_brokers_facts_are_their_rows_in_the_screens_order(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "a@x.in")

    answer = client.get("/api/brokers/facts")

    assert answer.status_code == 200, answer.text
    rows = {row["name"]: row for row in answer.json()}
    assert list(rows) == list(BROKER_NAMES)
    kite, upstox, groww = rows["kite"], rows["upstox"], rows["groww"]
    assert (kite["label"], kite["house"], kite["charges"]) == ("Kite", "Zerodha", "zerodha")
    assert (kite["session_ends"], upstox["session_ends"]) == ("06:00 IST", "03:30 IST")
    assert [(r["slicing"], r["slice_cap"]) for r in (kite, upstox, groww)] == [
        ("broker", 10),
        ("broker", 25),
        ("pipeline", 10),
    ]
    assert [r["login"] for r in (kite, upstox, groww)] == ["redirect", "redirect", "api_key"]
    assert kite["updates"] == "postback"
    assert "iceberg" in kite["varieties"]
    assert groww["varieties"] == ["regular"]
    assert all(r["orders_per_second"] == 10 and r["agent"] for r in rows.values())


def test_the_facts_need_a_signed_in_user(client: TestClient):
    assert client.get("/api/brokers/facts").status_code == 401
