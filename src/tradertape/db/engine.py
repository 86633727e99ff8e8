"""Engine and session factory for the configured database URL.

A `Database` has two pools: one for requests, and `jobs`, a small one of its own for the
work that must go on whatever the requests do (the trading loop, GTTs, protection,
recovery, the leader lease, the health probe). A request pool waits at most `POOL_TIMEOUT_S`
for a connection: the API admits no more requests than the pool holds (`api.admission`),
so a wait there means something is wrong, and it is answered, not queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from tradertape.db.sqlite import BUSY_TIMEOUT_S, QueuedConnection


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while one writer commits; busy_timeout waits out a writer of
    # another process instead of failing; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


POOL_SIZE = 10
POOL_TIMEOUT_S = 1.0
JOBS_POOL_SIZE = 3
JOBS_POOL_OVERFLOW = 5
JOBS_POOL_TIMEOUT_S = 10.0


def _pooled(url: str) -> bool:
    """Whether SQLAlchemy gives `url` a bounded queue pool (not a private in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    name = parsed.database or ""
    return name not in ("", ":memory:") and "mode=memory" not in url


def make_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    pool_overflow: int = 0,
    pool_timeout_s: float = POOL_TIMEOUT_S,
    **kwargs: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and the writer queue
    (`tradertape.db.sqlite`). A pooled engine (not a private in-memory SQLite) holds
    `pool_size` connections (plus `pool_overflow`) and waits `pool_timeout_s` for one."""
    if _pooled(url):
        kwargs.update(pool_size=pool_size, max_overflow=pool_overflow, pool_timeout=pool_timeout_s)
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "factory": QueuedConnection}
        kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """One engine and its session factory; handed to services explicitly.

    `jobs` is the database the background work uses: a second engine on its own small pool
    when built `from_url`, the one given, or else this same database.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        jobs: Database | None = None,
        jobs_url: str | None = None,
        jobs_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """`jobs` is the jobs' database if there is one already, else `jobs_url` (with
        `jobs_kwargs`) builds it on first use; with neither, jobs share this database."""
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._jobs = jobs
        self._jobs_url = jobs_url
        self._jobs_kwargs = jobs_kwargs or {}

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """Build from a URL (see `make_engine`), with a jobs pool of its own."""
        jobs = {
            **kwargs,
            "pool_size": JOBS_POOL_SIZE,
            "pool_overflow": JOBS_POOL_OVERFLOW,
            "pool_timeout_s": JOBS_POOL_TIMEOUT_S,
        }
        return cls(
            make_engine(url, **kwargs), jobs_url=url if _pooled(url) else None, jobs_kwargs=jobs
        )

    @cached_property
    def jobs(self) -> Database:
        """The background work's database: its own pool, so starved requests never stall it."""
        if self._jobs is not None:
            return self._jobs
        if self._jobs_url is None:
            return self
        return Database(make_engine(self._jobs_url, **self._jobs_kwargs))

    @property
    def capacity(self) -> int | None:
        """How many connections the pool hands out at most (None: not a bounded pool)."""
        size = getattr(self.engine.pool, "size", None)
        overflow = getattr(self.engine.pool, "_max_overflow", None)
        if not callable(size) or not isinstance(overflow, int):
            return None
        return max(1, int(size()) + max(0, overflow))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that is closed (and rolled back if uncommitted) on exit."""
        with self.sessions() as session:
            yield session

    def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False
        return True

    def dispose(self) -> None:
        """Close pooled connections (the jobs pool's too, if it was opened)."""
        jobs = self.__dict__.get("jobs")
        if jobs is not None and jobs is not self and jobs is not self._jobs:
            jobs.dispose()  # its own; a given one belongs to whoever gave it
        self.engine.dispose()
