"""Migration 0064 keys the audit trail (issue 66): ``audit_keys`` with key 1 and
``audit_entries.key_id``; its downgrade takes both away and keeps every entry, on SQLite and
PostgreSQL."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from tests.api.test_audit_trail import _trade
from tests.helpers import sign_in
from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.runtime import Runtime


def test_the_keys_come_and_go_and_the_entries_stay(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "m64@x.in")
    _trade(client, runtime)
    count = len(client.get("/api/audit/entries").json())

    runtime.db.engine.dispose()
    command.downgrade(alembic_config(runtime.db.engine), "0055")
    assert current_revision(runtime.db.engine) == "0055"
    inspector = inspect(runtime.db.engine)
    assert "audit_keys" not in inspector.get_table_names()
    assert "key_id" not in {c["name"] for c in inspector.get_columns("audit_entries")}
    with runtime.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == count

    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()
    with runtime.db.engine.connect() as conn:
        keys = conn.execute(text("SELECT id, reason FROM audit_keys")).all()
    assert [tuple(k) for k in keys] == [(1, "first key")]
