"""`db.types.UTCDateTime`: any aware time reads back as the same instant in UTC on both
backends, a naive one is refused, and SQLite stores the dialect's own text (its one-call
processors, issue 69, write what the decorator's stacked processors wrote)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.types import TypeDecorator

from tradertape.db.engine import Database
from tradertape.db.types import UTCDateTime

_TABLE = Table(
    "utc_datetimes",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    prefixes=["TEMPORARY"],
)

_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=5))]
)
# Hypothesis takes naive bounds and adds the zone; a day inside each end keeps every zone's
# UTC instant inside datetime's range.
_AWARE = st.datetimes(
    min_value=datetime(1900, 1, 2),  # noqa: DTZ001
    max_value=datetime(9998, 12, 30),  # noqa: DTZ001
    timezones=_ZONES,
)


def _round_trip(database: Database, values: Sequence[datetime | None]) -> list[datetime | None]:
    with database.engine.connect() as connection:
        _TABLE.create(connection)
        try:
            rows = [{"id": n, "at": v} for n, v in enumerate(values)]
            connection.execute(insert(_TABLE), rows)
            read = connection.execute(select(_TABLE.c.at).order_by(_TABLE.c.id))
            return [row.at for row in read]
        finally:
            _TABLE.drop(connection)
            connection.commit()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), _AWARE), min_size=1, max_size=8))
def test_any_aware_time_reads_back_the_same_instant_in_utc(
    database: Database, values: list[datetime | None]
) -> None:
    for value, read in zip(values, _round_trip(database, values), strict=True):
        if value is None:
            assert read is None
            continue
        assert read == value
        assert read is not None
        assert read.tzinfo == UTC


def test_a_naive_time_is_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _round_trip(database, [datetime(2026, 11, 30, 9, 15)])  # noqa: DTZ001


@settings(max_examples=200)
@given(_AWARE)
def test_sqlite_text_is_the_stacked_processors_text(value: datetime) -> None:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    column = cast(UTCDateTime, UTCDateTime().dialect_impl(dialect))
    stacked = TypeDecorator.bind_processor(column, dialect)  # the decorator's own chain
    fused = column.bind_processor(dialect)
    assert stacked is not None
    assert fused is not None
    assert fused(value) == stacked(value)
    text = fused(value)
    parse = column.result_processor(dialect, None)
    again = TypeDecorator.result_processor(column, dialect, None)
    assert parse is not None
    assert again is not None
    assert parse(text) == again(text) == value
    assert parse(None) is None
    assert fused(None) is None
