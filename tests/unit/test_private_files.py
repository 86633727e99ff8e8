"""The data folder is private whatever existed: folders 0700, files 0600; the key may live
elsewhere; SQLite's own files are born private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tradertape.db.engine import Database
from tradertape.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _restore_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # a typical login umask: files 0644 unless we say otherwise
    yield
    os.umask(previous)


def test_an_open_data_folder_is_made_private(tmp_path: Path):
    data = tmp_path / "data"
    (data / "candles" / "NSE").mkdir(parents=True, mode=0o755)
    for path in (data, data / "candles", data / "candles" / "NSE"):
        path.chmod(0o755)
    for name in ("tradertape.db", "tradertape.db-wal", "secret.key", "candles/NSE/INFY.parquet"):
        (data / name).write_text("x")
        (data / name).chmod(0o644)
    Settings(data_dir=data, _env_file=None).ensure_data_dir()
    assert _mode(data) == 0o700
    assert _mode(data / "candles") == 0o700
    assert _mode(data / "candles" / "NSE") == 0o700
    for name in ("tradertape.db", "tradertape.db-wal", "secret.key", "candles/NSE/INFY.parquet"):
        assert _mode(data / name) == 0o600, name


def test_the_database_and_its_journal_are_born_private(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "fresh", _env_file=None)
    settings.ensure_data_dir()
    database = Database.from_url(settings.resolved_database_url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        files = sorted((tmp_path / "fresh").iterdir())
        assert [path.name for path in files if path.name.startswith("tradertape.db")]
        for path in files:
            assert _mode(path) == 0o600, path.name
    finally:
        database.dispose()


def test_the_key_can_live_outside_the_data_folder(tmp_path: Path):
    key_file = tmp_path / "keys" / "tradertape.key"
    settings = Settings(data_dir=tmp_path / "data", secret_key_file=key_file, _env_file=None)
    secret = settings.secret
    assert key_file.read_text().strip() == secret
    assert _mode(key_file) == 0o600
    assert _mode(key_file.parent) == 0o700
    assert not (tmp_path / "data" / "secret.key").exists()
    # A second process reads the same key.
    again = Settings(data_dir=tmp_path / "data", secret_key_file=key_file, _env_file=None)
    assert again.secret == secret


def test_an_existing_readable_key_is_tightened(tmp_path: Path):
    key_file = tmp_path / "shared" / "tradertape.key"
    key_file.parent.mkdir()
    key_file.write_text("s" * 48)
    key_file.chmod(0o644)
    settings = Settings(data_dir=tmp_path / "data", secret_key_file=key_file, _env_file=None)
    assert settings.secret == "s" * 48
    assert _mode(key_file) == 0o600
    assert _mode(key_file.parent) == 0o755  # not our folder: only the key is changed


def test_what_the_owner_may_run_stays_runnable(tmp_path: Path):
    """A virtual environment kept in the folder (the SDK compatibility cache) keeps working."""
    data = tmp_path / "data"
    program = data / "cache" / "venv" / "bin" / "python"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    Settings(data_dir=data, _env_file=None).ensure_data_dir()
    assert _mode(program) == 0o700
