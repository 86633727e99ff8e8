"""An installation's Redis namespace: the same for every process of one database, different
for two databases, and never carrying a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradertape.bus.namespace import database_identity, installation_namespace


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            "postgresql+psycopg://app:secret@127.0.0.1:5432/desk",
            "postgresql://other:pw@localhost/desk",
            id="driver-credentials-and-loopback-name",
        ),
        pytest.param(
            "postgresql://db.internal:5432/desk",
            "postgresql://DB.internal/desk",
            id="default-port-and-host-case",
        ),
    ],
)
def test_one_database_is_one_namespace(one: str, other: str):
    assert installation_namespace(one) == installation_namespace(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("postgresql://h/desk", "postgresql://h/staging", id="database"),
        pytest.param("postgresql://h/desk", "postgresql://h:5433/desk", id="port"),
        pytest.param("postgresql://a/desk", "postgresql://b/desk", id="host"),
        pytest.param(
            "postgresql://h/test?options=-csearch_path%3Done",
            "postgresql://h/test?options=-csearch_path%3Dtwo",
            id="schema",
        ),
        pytest.param("sqlite:///one/tradertape.db", "sqlite:///two/tradertape.db", id="file"),
    ],
)
def test_two_databases_are_two_namespaces(one: str, other: str):
    assert installation_namespace(one) != installation_namespace(other)


def test_a_sqlite_file_is_named_by_its_real_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    relative = installation_namespace("sqlite:///data/tradertape.db")
    absolute = installation_namespace(f"sqlite:///{tmp_path}/data/tradertape.db")
    assert relative == absolute


def test_private_memory_databases_never_share():
    assert database_identity("sqlite://") is None
    assert installation_namespace("sqlite:///:memory:") != installation_namespace("sqlite://")


def test_the_namespace_keeps_no_credentials():
    identity = database_identity("postgresql://app:hunter2@h/desk")
    assert identity is not None
    assert "hunter2" not in identity
    assert "app" not in identity.split("//", 1)[1].split("/", 1)[0]
    assert installation_namespace("postgresql://app:hunter2@h/desk").startswith("tradertape:")
