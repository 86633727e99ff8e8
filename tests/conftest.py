"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL), a manual clock,
a wired runtime and an API client.

The backend comes from ``--db-url`` or ``TRADERTAPE_TEST_DATABASE_URL`` (default SQLite).
On PostgreSQL each test session migrates its own schema once and truncates after each
test; on SQLite each test gets a copy of a migrated template file.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from hypothesis import settings as settings_profiles
from sqlalchemy import Engine, text

from tradertape.api.app import create_app
from tradertape.candles import CandleStore
from tradertape.candles.populate import synthesize
from tradertape.candles.synthetic import SyntheticMarket
from tradertape.db.base import Base
from tradertape.db.engine import Database, make_engine
from tradertape.db.migrate import upgrade
from tradertape.domain.calendar_data import nse_calendar
from tradertape.domain.instruments_data import reference_catalog
from tradertape.ports.clock import IST, ManualClock
from tradertape.ports.mailer import LogTransport
from tradertape.runtime import Runtime
from tradertape.services.journal import ledger
from tradertape.serving.process import UVICORN
from tradertape.settings import Settings

# Most tests place many orders at one instant of a manual clock; SEBI's order-rate ceiling
# (10 a second) has its own tests (tests/integration/test_order_rate.py), which set it.
os.environ.setdefault("TRADERTAPE_ORDER_RATE_PER_SEC", "1000")

# Hypothesis' per-example deadline is a wall-clock limit: on a shared 2-core host a loaded
# moment fails an example that is merely slow (a journal day's rows took 261 ms against 200
# in one full pass). Speed has its benches; here an example is judged on what it returns.
settings_profiles.register_profile("tradertape", deadline=None)
settings_profiles.load_profile("tradertape")

TEST_SECRET = "test-secret-" + "s" * 40
START = datetime(2026, 11, 20, 10, 0, tzinfo=IST)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-url",
        default=os.environ.get("TRADERTAPE_TEST_DATABASE_URL", "sqlite"),
        help="'sqlite' (default) or a PostgreSQL SQLAlchemy URL",
    )


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Production-strength argon2 costs seconds per test on a small machine; hashes carry
    # their own parameters, so a cheap profile changes speed, not behaviour.
    from argon2 import PasswordHasher

    from tradertape.security import passwords

    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    passwords.use_hasher(PasswordHasher())


# select() takes no descriptor past 1,024 (FD_SETSIZE). A worker ends its share of the
# SQLite pass with ~25 open; one kept per test's database once took workers past 1,024.
OPEN_FDS_BOUND = 512


@pytest.fixture(scope="session", autouse=True)
def _open_fds_stay_bounded() -> Iterator[None]:
    """Fail the session's last teardown when the process holds far more descriptors than
    its tests need: a leak grows test by test until a select() raises far from its cause."""
    yield
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return  # not Linux: nothing to count by
    gc.collect()  # a test's dropped clients are garbage awaiting collection, not leaks
    held: Counter[str] = Counter()
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile by another thread
            held[re.sub(r"\[\d+\]$", "", os.readlink(fd))] += 1  # pipe:[123] → pipe:
    total = held.total()
    assert total < OPEN_FDS_BOUND, f"{total} descriptors held, most: {held.most_common(5)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that touches the database is marked, so the PostgreSQL pass can run just those.
    for item in items:
        if "database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
    # A test of minutes goes first: xdist hands each CPU its first tests in this order, so the
    # other CPUs run the rest beside it instead of waiting on it at the end (the fuzzer alone
    # was the pass's last four minutes on two CPUs). Stable: the order is the same on every node.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_report_header(config: pytest.Config) -> str:
    url = config.getoption("--db-url")
    return f"database backend: {'SQLite' if url == 'sqlite' else url}"


_RESTART_SEQUENCES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


class _Backend:
    """Hands out one clean, migrated database per test."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.schema: str | None = None
        self.wipe = ""  # empties every table, children first (PostgreSQL)
        self.shared: Engine | None = None
        if url == "sqlite":
            template = workdir / "template.db"
            engine = make_engine(f"sqlite:///{template}")
            upgrade(engine)
            engine.dispose()
            self.template = template
        else:
            self.schema = f"tt_test_{uuid.uuid4().hex[:10]}"
            admin = make_engine(url)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            schema = {"options": f"-csearch_path={self.schema}"}
            self.shared = make_engine(url, connect_args=schema)
            # The jobs' pool of their own, as `Database.from_url` gives a server.
            jobs = make_engine(url, pool_size=3, pool_overflow=5, connect_args=schema)
            self.jobs = Database(jobs)
            upgrade(self.shared)
            tables = [f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
            self.wipe = "; ".join(f"DELETE FROM {name}" for name in tables)  # noqa: S608 - our own names
            # A vacuum of emptied tables would hand their free space to later inserts, and a
            # read with no ORDER BY would come back in another order from one run to the
            # next; unvacuumed, a test's rows are laid down in the order it wrote them, as
            # in the fresh files a TRUNCATE gave.
            with self.shared.begin() as connection:
                connection.execute(
                    text(
                        "; ".join(
                            f"ALTER TABLE {name} SET (autovacuum_enabled = false)"
                            for name in tables
                        )
                    )
                )

    def database(self, name: str) -> Database:
        if self.shared is not None:
            return Database(self.shared, jobs=self.jobs)
        path = self.workdir / f"{name}.db"
        shutil.copyfile(self.template, path)
        return Database.from_url(f"sqlite:///{path}")

    def clean(self, database: Database) -> None:
        if self.shared is None:
            database.dispose()
            return
        # A DELETE of every table, children first, in one round trip: 15-25 ms for a test's
        # few rows, where a TRUNCATE of just the tables written to took 0.4-1.1 s (each one
        # swaps files; it was most of the PostgreSQL pass's time). Every sequence restarts
        # at 1 as a fresh database's would.
        with self.shared.begin() as connection:
            connection.execute(text(self.wipe))
            connection.execute(text(_RESTART_SEQUENCES))
        # An emptied database is a new one under the same engine: the journal's books kept
        # in this process are stamped by ids and versions that now start again at 1.
        ledger.forget_kept()

    def close(self) -> None:
        if self.shared is None:
            return
        self.jobs.dispose()
        self.shared.dispose()
        admin = make_engine(self.url)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Backend]:
    url = request.config.getoption("--db-url")
    instance = _Backend(url, tmp_path_factory.mktemp("db"))
    yield instance
    instance.close()


@pytest.fixture
def database(backend: _Backend, request: pytest.FixtureRequest) -> Iterator[Database]:
    db = backend.database(uuid.uuid4().hex[:12])
    yield db
    backend.clean(db)


@pytest.fixture
def anyio_backend() -> str:
    # async tests run on asyncio (the server's loop), through anyio's pytest plugin
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        public_base_url="http://testserver",
        redis_url=None,  # the in-process bus, whatever the developer's environment says
        feed="none",  # no background feed: tests drive a feed by hand
        warm_kernels=False,  # the warm-up has its own test; each app start need not pay it
        web_dist=tmp_path / "web_dist",  # unbuilt, whether or not this checkout built the UI
        kite_root="http://127.0.0.1:9",  # no test reaches the real Kite (port 9: refused)
        sweep_workers=1,  # sweeps in their own thread; the pool and Ray have their own tests
        _env_file=None,
    )


@pytest.fixture
def runtime(settings: Settings, clock: ManualClock, database: Database) -> Runtime:
    return Runtime.build(settings, clock=clock, db=database, transport=LogTransport(), wall=clock)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://testserver") as test_client:
        yield test_client


HISTORY = (date(2022, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="session")
def nifty50_candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NIFTY 50 members and indices, 2022–2025, synthetic (seed 7)."""
    root = tmp_path_factory.mktemp("candles")
    catalog = reference_catalog()
    store = CandleStore(root, catalog=catalog)
    members = [i.key for i in catalog.universe("nifty_50")]
    synthesize(store, SyntheticMarket(catalog, nse_calendar()), members, *HISTORY)
    return root


@pytest.fixture
def with_candles(runtime: Runtime, nifty50_candles: Path) -> Runtime:
    """The runtime with the session's synthetic candles in its data directory."""
    shutil.copytree(nifty50_candles, runtime.candles.root, dirs_exist_ok=True)
    return runtime


@contextlib.contextmanager
def serving(runtime: Runtime, **config: Any) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, with `config` over `UVICORN`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", **UVICORN | config
    )
    instance = uvicorn.Server(settings)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            httpx.get(f"{base}/api/health", timeout=0.2)
            break
        except httpx.TransportError:
            threading.Event().wait(0.01)
    try:
        yield base
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    """The app on a loopback port (for streams the in-process transports cannot stream)."""
    with serving(runtime) as base:
        yield base
