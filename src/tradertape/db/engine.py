"""Engine and session factory for the configured database URL.

A `Database` has two pools: one for requests, and `jobs`, a small one of its own for the
work that must go on whatever the requests do (the trading loop, GTTs, protection,
recovery, the leader lease, the health probe). A request pool waits at most `POOL_TIMEOUT_S`
for a connection: the API admits no more requests than the pool holds (`serving.admission`),
so a wait there means something is wrong, and it is answered, not queued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from tradertape.db.prepared import watch
from tradertape.db.sqlite import BUSY_TIMEOUT_S, QueuedConnection
from tradertape.domain.json_text import column_dumps, loads


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while one writer commits; busy_timeout waits out a writer of
    # another process instead of failing; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


# A connection back in the pool for less than this is taken to be alive; one idle longer
# is pinged on checkout (and replaced if it does not answer). SQLAlchemy's pre-ping asks
# on every checkout: a round trip added to every transaction of a short request.
IDLE_PING_S = 1.0
_CHECKED_IN = "tradertape.checked_in"


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _pinger(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """Ping a connection that sat idle (a server restart, a dropped link); a dead one
        is a `DisconnectionError`, on which the pool connects afresh."""
        returned = record.info.get(_CHECKED_IN)
        if returned is not None and time.monotonic() - returned < IDLE_PING_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means "not alive"
            raise DisconnectionError("the pooled connection did not answer a ping") from exc

    return ping_if_idle


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
    `pool_size` connections (plus `pool_overflow`) and waits `pool_timeout_s` for one.

    The pool hands out the connection returned last (LIFO), not the one idle longest: after
    a burst had opened several, FIFO took each in turn, and a SQLite connection finds its
    page cache dropped whenever another connection wrote since its last transaction (60 of
    an order's 113 page reads went to the file, none with LIFO); on PostgreSQL an idle one is
    pinged on checkout, and each holds its own prepared statements (`db.pg_batch`).
    """
    if _pooled(url):
        kwargs.update(pool_size=pool_size, max_overflow=pool_overflow, pool_timeout=pool_timeout_s)
        kwargs.setdefault("pool_use_lifo", True)
    # JSON columns' text as json.dumps writes it, without its set-up per document (a value
    # written already, `json_text.Written`, as its text)
    kwargs.setdefault("json_serializer", column_dumps)
    kwargs.setdefault("json_deserializer", loads)  # and read as json.loads reads it
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "factory": QueuedConnection}
        kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if make_url(url).get_driver_name() == "psycopg":
        # `db.pg_batch` prepares the order path's statements itself. psycopg's own
        # preparing would throw them away with its own at every rollback (DEALLOCATE ALL),
        # and it gains little here: a rollback also restarts its count of five uses.
        kwargs["connect_args"] = {"prepare_threshold": None, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    watch(engine)  # prepared writes wait for the next statement (`db.prepared`)
    event.listen(engine.pool, "checkout", _pinger(engine.dialect))
    event.listen(engine.pool, "checkin", _note_checkin)
    return engine


# A jobs pool's engine, and the requests engine of the same database.
_SAME_DATABASE: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def primary_engine(engine: Engine) -> Engine:
    """The engine a process-wide cache of what a database holds is kept under: a jobs
    pool's engine reaches the same database as its requests engine, so the two share it
    (one cache, not two rebuilt by turns as requests and the trading loop alternate)."""
    return _SAME_DATABASE.get(engine, engine)


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
        self._idle = threading.local()  # each thread's closed session (`session`)
        self._jobs = jobs
        if jobs is not None and jobs.engine is not engine:
            _SAME_DATABASE[jobs.engine] = engine
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
        jobs = Database(make_engine(self._jobs_url, **self._jobs_kwargs))
        _SAME_DATABASE[jobs.engine] = self.engine
        return jobs

    @cached_property
    def loop_reads(self) -> Database | None:
        """One connection for the reads the event loop runs itself (`serving.loop_reads`), on
        a SQLite file only (None elsewhere: those reads keep their worker threads). The loop
        runs one read at a time, so the connection is always free: a read there never waits
        for the request pool, which writers in threads may hold."""
        if self._jobs_url is None or make_url(self._jobs_url).get_backend_name() != "sqlite":
            return None
        reads = Database(make_engine(self._jobs_url, pool_size=1))
        _SAME_DATABASE[reads.engine] = self.engine
        return reads

    @cached_property
    def rolls_back_at_once(self) -> bool:
        """Whether a rollback never waits: on SQLite it is local, takes no lock (it lets the
        next writer in, `db.sqlite`) and syncs nothing, where on PostgreSQL it is a round
        trip. A request's session is then closed on the event loop, not in a worker thread
        (the hop cost a read ~0.2 ms of CPU)."""
        return self.engine.dialect.name == "sqlite"

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
        """A session that is closed (and rolled back if uncommitted) on exit.

        A thread's session closed by a block that ended without an error is handed to the
        thread's next block, its `info` as the factory gives it, instead of a new one: a
        new Session joins its event dispatch afresh (a dozen listeners looked up, the OMS's
        hooks among them), 0.12 M instructions of a signed webhook's 6.2 M, where the pipeline
        holds one session for its orders (issue 69). A closed session holds no connection
        and no object; a block still open has taken it, so none is handed out twice.
        """
        idle = self._idle
        session: Session | None = getattr(idle, "session", None)
        if session is None:
            session = self.sessions()
        else:
            idle.session = None
            session.info.update(self.sessions.kw.get("info") or {})
        with session:
            yield session
        session.info.clear()  # nothing of this block kept alive while the session waits
        idle.session = session

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
        reads = self.__dict__.get("loop_reads")
        if reads is not None:
            reads.engine.dispose()
        self.engine.dispose()
