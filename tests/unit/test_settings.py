"""Settings: defaults, environment prefix, the generated 0600 secret key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from tradertape.settings import Settings


def test_defaults_point_into_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=tmp_path / "d", _env_file=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'd' / 'tradertape.db'}"
    assert settings.live_trading_enabled is False
    assert settings.redis_url is None
    assert settings.smtp.host is None
    assert settings.cookie_secure is False


def test_secret_key_is_generated_once_into_a_0600_file(tmp_path: Path):
    first = Settings(data_dir=tmp_path / "d", _env_file=None).secret
    second = Settings(data_dir=tmp_path / "d", _env_file=None).secret
    key_file = tmp_path / "d" / "secret.key"
    assert first == second
    assert len(first) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRADERTAPE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("TRADERTAPE_LIVE_TRADING_ENABLED", "true")
    monkeypatch.setenv("TRADERTAPE_SECRET_KEY", "e" * 40)
    monkeypatch.setenv("TRADERTAPE_PUBLIC_BASE_URL", "https://t.example.com/")
    monkeypatch.setenv("TRADERTAPE_SMTP_HOST", "smtp.example.com")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"
    assert settings.live_trading_enabled is True
    assert settings.secret == "e" * 40
    assert not (tmp_path / "secret.key").exists()
    assert settings.public_base_url == "https://t.example.com"
    assert settings.cookie_secure is True
    assert settings.smtp.host == "smtp.example.com"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("secret_key", "short", id="weak-secret"),
        pytest.param("public_base_url", "ftp://x", id="bad-url"),
    ],
)
def test_invalid_settings_are_refused(tmp_path: Path, field: str, value: str):
    with pytest.raises(ValidationError, match=field):
        Settings.model_validate({"data_dir": tmp_path, field: value})


def test_the_launcher_and_the_settings_name_one_default_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The console script keys its CLI host by the data folder without importing the
    settings (pydantic costs start-up): both read the default from `tradertape.data_home`."""
    from tradertape import launch

    monkeypatch.delenv("TRADERTAPE_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        Settings(_env_file=None).data_dir == Path(launch.data_folder()) == tmp_path / ".tradertape"
    )


@pytest.mark.parametrize(
    ("environ", "dotenv"),
    [
        ({}, None),
        ({"TRADERTAPE_DATA_DIR": "/srv/tape"}, None),
        ({"tradertape_data_dir": "relative/tape"}, None),
        ({"TRADERTAPE_DATA_DIR": "~/tape"}, None),
        ({"TRADERTAPE_DATA_DIR": ""}, None),
        ({}, "TRADERTAPE_DATA_DIR=/from/dotenv\n"),
        ({"TRADERTAPE_DATA_DIR": "/srv/tape"}, "TRADERTAPE_DATA_DIR=/from/dotenv\n"),
        ({}, "TRADERTAPE_ENV=test\n"),
    ],
)
def test_the_light_data_folder_is_the_settings_one(
    environ: dict[str, str],
    dotenv: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """`data_home.data_dir` (a backtest's start-up, without pydantic) names the folder
    `Settings().data_dir` does, whatever the environment and a `.env` file say."""
    from tradertape.data_home import data_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key in [k for k in os.environ if k.lower() == "tradertape_data_dir"]:
        monkeypatch.delenv(key)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    assert data_dir() == Settings().data_dir
