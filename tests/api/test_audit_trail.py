"""The order audit trail: every OMS event of a user's, hash-chained, exported per day, and
verified: a changed entry and a removed one are named. SQLite here; Postgres with the suite's
``TRADERTAPE_TEST_DATABASE_URL``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Text, cast, delete, select, update

from tests.helpers import sign_in
from tests.workers_kit import set_price
from tradertape.db.models import AuditEntry
from tradertape.domain.audit_chain import GENESIS, canonical_text
from tradertape.runtime import Runtime

pytestmark = pytest.mark.db

ORDER = {
    "exchange": "NSE",
    "tradingsymbol": "INFY",
    "transaction_type": "BUY",
    "quantity": 1,
    "product": "CNC",
    "order_type": "LIMIT",
}


def _trade(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/api/portfolio/funds", json={"amount": "100000"}).status_code == 201
    set_price(runtime, "NSE:INFY", "1500")
    filled = client.post("/api/orders", json=ORDER | {"price": "1500"})
    resting = client.post("/api/orders", json=ORDER | {"price": "1400"})
    assert (filled.status_code, resting.status_code) == (201, 201), resting.text
    order_id = resting.json()["order_id"]
    moved = client.put(f"/api/orders/{order_id}", json={"price": "1401"})
    assert moved.status_code == 200, moved.text
    assert client.delete(f"/api/orders/{order_id}").status_code == 200


def test_every_decision_is_chained_and_the_chain_verifies(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    _trade(client, runtime)

    entries = client.get("/api/audit/entries").json()

    kinds = [e["kind"] for e in entries]
    assert kinds[:2] == ["order.accepted", "order.filled"]
    assert kinds[-3:] == ["order.accepted", "order.modified", "order.cancelled"]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert {e["source"] for e in entries} == {"api"}
    assert client.get("/api/audit/verify").json() == {
        "ok": True,
        "entries": len(entries),
        "first_bad_seq": None,
        "reason": None,
        "anchored_seq": None,  # no anchor written yet (test_audit_tampering has them)
        "anchored_at": None,
    }
    assert {e["key_id"] for e in entries} == {1}  # signed by the first key
    day = entries[0]["at"][:10]
    exported = client.get("/api/audit/export", params={"day": day, "format": "csv"}).json()
    rows = list(csv.DictReader(io.StringIO(exported["content"])))
    assert [r["hash"] for r in rows] == [e["hash"] for e in entries]
    as_json = client.get("/api/audit/export", params={"format": "json"}).json()
    assert json.loads(as_json["content"])[0]["hash"] == entries[0]["hash"]


def test_an_entrys_stored_payload_is_the_text_its_hash_covers(client: TestClient, runtime: Runtime):
    """The payload is written once: its column holds the canonical text the entry's HMAC
    covers (read back as text, on either database), and reads back as the message."""
    user_id = sign_in(client, runtime, "a@x.in")
    _trade(client, runtime)
    as_text = cast(AuditEntry.payload, Text)
    with runtime.db.session() as db:
        stored = db.execute(
            select(as_text, AuditEntry.payload)
            .where(AuditEntry.user_id == user_id)
            .order_by(AuditEntry.seq)
        ).all()

    assert len(stored) >= 5
    for text, payload in stored:
        assert text == canonical_text(payload)
        assert json.loads(text) == payload
        assert payload["user_id"] == user_id
    assert client.get("/api/audit/verify").json()["ok"] is True


def test_a_changed_entry_and_a_removed_one_are_named(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "a@x.in")
    _trade(client, runtime)
    with runtime.db.session() as db:
        changed = {"type": "order.filled", "note": "rewritten"}
        db.execute(
            update(AuditEntry)
            .where(AuditEntry.user_id == user_id, AuditEntry.seq == 2)
            .values(payload=changed)
        )
        db.commit()

    verdict = client.get("/api/audit/verify").json()
    assert (verdict["ok"], verdict["first_bad_seq"]) == (False, 2)
    assert "changed" in verdict["reason"]

    with runtime.db.session() as db:
        db.execute(delete(AuditEntry).where(AuditEntry.user_id == user_id, AuditEntry.seq <= 2))
        db.commit()
        assert db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq).limit(1)) == 3

    verdict = client.get("/api/audit/verify").json()
    assert (verdict["ok"], verdict["first_bad_seq"], verdict["reason"]) == (
        False,
        1,
        "entry 1 is missing",
    )


def test_another_users_trail_is_their_own(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "a@x.in")
    _trade(client, runtime)
    sign_in(client, runtime, "b@x.in")

    assert client.get("/api/audit/entries").json() == []
    assert client.get("/api/audit/verify").json()["ok"] is True
