"""Migration 0056 adds the journal's settlement prices (issue 63: a user's entry of an
underlying's close on an expiry day), on SQLite and PostgreSQL; its downgrade drops them and
the upgrade brings the table back empty."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.runtime import Runtime

TABLE = "journal_settlement_prices"


def _tables(runtime: Runtime) -> set[str]:
    return set(inspect(runtime.db.engine).get_table_names())


def test_the_table_goes_and_comes_back(runtime: Runtime) -> None:
    assert TABLE in _tables(runtime)
    indexes = inspect(runtime.db.engine).get_indexes(TABLE)
    assert [(i["column_names"], i["unique"]) for i in indexes] == [
        (["user_id", "underlying", "expiry"], True)
    ]

    runtime.db.engine.dispose()
    command.downgrade(alembic_config(runtime.db.engine), "0064")
    assert current_revision(runtime.db.engine) == "0064"
    assert TABLE not in _tables(runtime)

    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()
    assert TABLE in _tables(runtime)
