"""CLI commands on a database without the current schema: upgrade it, or say what to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from tradertape.cli import app
from tradertape.db.engine import Database
from tradertape.db.migrate import MIGRATIONS, current_revision, head_revision, upgrade

runner = CliRunner()
CREATE = ["user", "create", "--email", "first@x.in", "--password", "longenough1"]


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder nobody ran `db upgrade` in."""
    monkeypatch.setenv("TRADERTAPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRADERTAPE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _previous_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision())
    assert head is not None
    assert isinstance(head.down_revision, str)
    return head.down_revision


def test_user_create_on_a_fresh_data_dir_migrates_the_embedded_database(fresh_dir: Path):
    result = runner.invoke(app, CREATE)
    assert result.exit_code == 0, result.output
    assert "created user 1 first@x.in" in result.output
    assert f"upgraded to revision {head_revision()}" in result.output
    database = Database.from_url(f"sqlite:///{fresh_dir / 'tradertape.db'}")
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_an_embedded_database_behind_the_code_is_brought_up_to_date(fresh_dir: Path):
    database = Database.from_url(f"sqlite:///{fresh_dir / 'tradertape.db'}")
    upgrade(database.engine, _previous_revision())
    result = runner.invoke(app, ["user", "list"])
    assert result.exit_code == 0, result.output
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_a_configured_database_without_schema_names_the_command(
    fresh_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TRADERTAPE_DATABASE_URL", f"sqlite:///{fresh_dir / 'elsewhere.db'}")
    result = runner.invoke(app, CREATE)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "has no schema yet" in lines[0]
    assert "run `tradertape db upgrade`" in lines[0]
    # Nothing was created behind the user's back, and the named command works.
    database = Database.from_url(f"sqlite:///{fresh_dir / 'elsewhere.db'}")
    assert current_revision(database.engine) is None
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, CREATE).exit_code == 0
    database.dispose()


def test_a_configured_database_behind_the_code_says_which_revision(
    fresh_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    url = f"sqlite:///{fresh_dir / 'elsewhere.db'}"
    monkeypatch.setenv("TRADERTAPE_DATABASE_URL", url)
    database = Database.from_url(url)
    previous = _previous_revision()
    upgrade(database.engine, previous)
    result = runner.invoke(app, ["keys", "list", "--email", "a@x.in"])
    assert result.exit_code == 1
    assert f"is at revision {previous}, not {head_revision()}" in result.output
    assert "run `tradertape db upgrade`" in result.output
    assert current_revision(database.engine) == previous
    database.dispose()


def test_a_database_from_a_newer_version_is_not_touched(
    fresh_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    database = Database.from_url(f"sqlite:///{fresh_dir / 'tradertape.db'}")
    upgrade(database.engine)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeed0000'")
    result = runner.invoke(app, ["user", "list"])
    assert result.exit_code == 1
    assert "newer than this version of tradertape knows" in result.output
    assert "Traceback" not in result.output
    database.dispose()


def test_an_unreachable_database_is_one_line(fresh_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(
        "TRADERTAPE_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    )
    result = runner.invoke(app, ["user", "list"])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach the database at postgresql")
    assert "secret" not in result.output
    assert "Traceback" not in result.output
