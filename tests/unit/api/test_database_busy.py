"""Which database errors are a busy server (503, retry) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tradertape.api.errors import _busy


def _sqlite(message: str) -> OperationalError:
    return OperationalError("UPDATE t SET x = 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        pytest.param(PoolTimeout("QueuePool limit reached"), True, id="pool-timeout"),
        pytest.param(_sqlite("database is locked"), True, id="sqlite-locked"),
        pytest.param(
            _sqlite("database is locked (writer queue timed out)"), True, id="writer-queue"
        ),
        pytest.param(_sqlite("no such table: orders"), False, id="sqlite-missing-table"),
        pytest.param(
            OperationalError("SELECT 1", {}, ConnectionError("server closed the connection")),
            True,
            id="connection-lost",
        ),
    ],
)
def test_busy_or_bug(error: Exception, busy: bool):
    assert _busy(error) is busy
