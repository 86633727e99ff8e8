"""Migrations and models agree, and upgrading twice is harmless (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tradertape.db.base import Base
from tradertape.db.engine import Database
from tradertape.db.migrate import current_revision, upgrade


def test_models_match_migrations(database: Database):
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(database: Database):
    before = current_revision(database.engine)
    upgrade(database.engine)
    assert current_revision(database.engine) == before is not None


def test_sqlite_runs_in_wal_mode(tmp_path):
    from sqlalchemy import text

    database = Database.from_url(f"sqlite:///{tmp_path / 'w.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()
