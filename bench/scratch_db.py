"""A throwaway, migrated database for a bench: a SQLite file, or a PostgreSQL schema.

Benches that start servers pass the URL and schema on (each process connects itself);
benches that build a runtime in process open it with `open_scratch`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def scratch_database(url: str | None, folder: Path) -> Iterator[tuple[str, str | None]]:
    """Yield (URL, schema): a new SQLite file in `folder` when `url` is None (schema None),
    else a new schema of `url`, migrated, dropped on the way out."""
    from sqlalchemy import text

    from tradertape.db.engine import Database
    from tradertape.db.migrate import upgrade

    if url is None:
        path = f"sqlite:///{folder / 'bench.db'}"
        db = Database.from_url(path)
        upgrade(db.engine)
        db.dispose()
        yield path, None
        return
    schema = f"bench_{time.time_ns()}"
    admin = Database.from_url(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        db = Database.from_url(url, connect_args={"options": f"-csearch_path={schema}"})
        upgrade(db.engine)
        db.dispose()
        yield url, schema
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def open_scratch(url: str, schema: str | None) -> Any:
    """A `Database` on what `scratch_database` yielded."""
    from tradertape.db.engine import Database

    if schema is None:
        return Database.from_url(url)
    return Database.from_url(url, connect_args={"options": f"-csearch_path={schema}"})
