"""`db.types.ExactDecimal`: a decimal reads back as the number written, in its plain form
(no trailing zeros, no exponent), on both backends, however often the same value is read."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from tradertape.db.engine import Database
from tradertape.db.types import ExactDecimal

_TABLE = Table(
    "exact_decimals",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("value", ExactDecimal()),
    prefixes=["TEMPORARY"],
)


def _round_trip(database: Database, values: Sequence[Decimal | None]) -> list[Decimal | None]:
    with database.engine.connect() as connection:
        _TABLE.create(connection)
        try:
            rows = [{"id": n, "value": v} for n, v in enumerate(values)]
            connection.execute(insert(_TABLE), rows)
            read = connection.execute(select(_TABLE.c.value).order_by(_TABLE.c.id))
            return [row.value for row in read]
        finally:
            _TABLE.drop(connection)
            connection.commit()


def _plain(value: Decimal) -> bool:
    text = str(value)
    return "E" not in text and not ("." in text and text.endswith("0"))


def test_written_forms_read_back_plain(database: Database) -> None:
    written = [Decimal("24650.0000"), Decimal("1.50"), Decimal("1E+3"), Decimal("0.05"), None]
    first = _round_trip(database, written)
    again = _round_trip(database, written)  # the same texts again (SQLite's are cached)
    assert [str(v) for v in first] == ["24650", "1.5", "1000", "0.05", "None"]
    assert again == first


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.decimals(
            min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_amount_reads_back_equal_and_plain(database: Database, values: list[Decimal]) -> None:
    # each value twice: the second read of a text goes through SQLite's cache
    for value, read in zip(values * 2, _round_trip(database, values * 2), strict=True):
        assert isinstance(read, Decimal)
        assert read == value
        assert _plain(read), read
