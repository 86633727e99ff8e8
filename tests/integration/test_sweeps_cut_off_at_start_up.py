"""Sweeps a crash cut off are marked ``interrupted`` as the server starts again, not read as
``running`` until their heartbeat is a minute stale (issue 66): each sweep names the
process running it (`services.research.runners`), and start-up marks those whose process
on this host has ended, a pid taken again by another process included. A sweep running
in a live process, or on another host, is left to its heartbeat. Migration 0062 adds the
column and takes it away again."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import inspect

from tradertape.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tradertape.db.models import BacktestSweep
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import create_user
from tradertape.services.research import runners, sweeps

pytestmark = pytest.mark.db


def _sweep(user_id: int, runner: str | None, now: datetime) -> BacktestSweep:
    return BacktestSweep(
        user_id=user_id, strategy_name="Cross", strategy_snapshot={}, config={},
        status="running", executor="pool", workers=2, split_date=date(2024, 7, 1), total=4,
        done=1, elapsed_s=1.0, results=[], created_at=now, heartbeat_at=now, runner=runner,
    )  # fmt: skip


def test_start_up_marks_the_sweeps_whose_process_ended(runtime: Runtime, clock: ManualClock):
    host = socket.gethostname()
    here = runners.this_process()
    pid = here.split("/")[1]
    runs = {
        "gone": f"{host}/{pid}/1",  # this pid, another start: a process that ended
        "here": here,  # running in this process
        "elsewhere": f"another-host/{pid}/1",  # cannot be told from here
        "before 0062": None,
    }
    now = clock.now()
    with runtime.db.session() as db:
        user_id = create_user(db, clock=clock, email="sweeper@x.in").id
        ids = {}
        for name, runner in runs.items():
            row = _sweep(user_id, runner, now)
            db.add(row)
            db.flush()
            ids[name] = row.id
        db.commit()
        assert sweeps.interrupt_stale(db, clock=clock) == 1  # heartbeats all fresh
    with runtime.db.session() as db:
        status = {name: db.get(BacktestSweep, i).status for name, i in ids.items()}  # type: ignore[union-attr]
    assert status == {
        "gone": "interrupted",
        "here": "running",
        "elsewhere": "running",
        "before 0062": "running",
    }


def test_a_new_sweep_names_its_process():
    assert runners.this_process().startswith(f"{socket.gethostname()}/")
    assert not runners.ended(runners.this_process())
    assert not runners.ended(None)


def test_migration_0062_adds_and_drops_the_runner(runtime: Runtime):
    def columns() -> set[str]:
        return {c["name"] for c in inspect(runtime.db.engine).get_columns("backtest_sweeps")}

    assert "runner" in columns()
    runtime.db.engine.dispose()
    command.downgrade(alembic_config(runtime.db.engine), "0056")
    assert current_revision(runtime.db.engine) == "0056"
    assert "runner" not in columns()
    upgrade(runtime.db.engine)
    assert current_revision(runtime.db.engine) == head_revision()
    assert "runner" in columns()
    stamp = datetime(2026, 11, 20, tzinfo=UTC)
    with runtime.db.session() as db:
        user_id = create_user(db, clock=ManualClock(stamp), email="m62@x.in").id
        db.add(_sweep(user_id, runners.this_process(), stamp))
        db.commit()
