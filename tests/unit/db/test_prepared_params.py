"""`Prepared`'s parameters: the function made for each statement's plan gives what walking
the plan gives (`_Compiled.params_by_plan`), on both dialects, for the order path's own
statements and a statement with fixed values, named and positional binds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Date,
    Dialect,
    Integer,
    String,
    Text,
    bindparam,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tradertape.db.models import AuditEntry
from tradertape.db.models.trading import Order, Trade
from tradertape.db.prepared import Prepared, _Compiled
from tradertape.db.rows import table_of, value_keys
from tradertape.db.types import ExactDecimal, FastJSON, UTCDateTime

_DIALECTS: tuple[Dialect, ...] = (
    sqlite.dialect(),
    postgresql.psycopg.dialect(),  # type: ignore[no-untyped-call]
)

_MONEY = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False)
_MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
_JSON = st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3)


def _values(kind: Any) -> st.SearchStrategy[Any]:
    """Values a column of `kind` is given (None always among them)."""
    if isinstance(kind, ExactDecimal):
        found: st.SearchStrategy[Any] = _MONEY
    elif isinstance(kind, UTCDateTime):
        found = _MOMENT
    elif isinstance(kind, FastJSON):
        found = _JSON
    elif isinstance(kind, Boolean):
        found = st.booleans()
    elif isinstance(kind, Integer):
        found = st.integers(-(2**31), 2**31)
    elif isinstance(kind, Date):
        found = st.dates(date(2000, 1, 1), date(2100, 1, 1))
    elif isinstance(kind, String | Text):
        found = st.text(max_size=8)
    else:
        found = st.nothing()
    return st.none() | found


def _statements() -> list[Prepared]:
    orders, trades, audit = table_of(Order), table_of(Trade), table_of(AuditEntry)
    return [
        Prepared(insert(orders), keys=value_keys(Order)),
        Prepared(insert(trades), keys=value_keys(Trade)),
        Prepared(insert(audit), keys=value_keys(AuditEntry)),
        Prepared(
            update(orders)
            .where(orders.c.id == bindparam("pk"))
            .values(status=literal("OPEN"), placed_at=bindparam("at", type_=UTCDateTime())),
        ),
        Prepared(
            select(orders.c.id).where(
                orders.c.user_id == bindparam("user_id"),
                orders.c.average_price > literal(Decimal("1.5"), ExactDecimal()),
            )
        ),
    ]


def _compiled() -> list[tuple[_Compiled, dict[str, Any]]]:
    """Each statement on each dialect, with the type of each key it is given."""
    found = []
    for statement in _statements():
        for dialect in _DIALECTS:
            made: Any = statement._statement.compile(dialect=dialect)  # noqa: SLF001
            binds: dict[str, Any] = made.binds
            kinds = {p.key: p.type for p in binds.values()}
            compiled = statement._for(dialect)  # noqa: SLF001
            found.append((compiled, {b.key: kinds[b.key] for b in compiled.binds if not b.fixed}))
    return found


_COMPILED = _compiled()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_made_params_are_the_plans(data: st.DataObject) -> None:
    for compiled, kinds in _COMPILED:
        values = {key: data.draw(_values(kind), label=key) for key, kind in kinds.items()}
        made, walked = compiled.params(values), compiled.params_by_plan(values)
        assert made == walked
        assert type(made) is type(walked)


def test_both_styles_and_fixed_values_are_made() -> None:
    """Positional (SQLite) and named (psycopg) parameters, fixed values converted once."""
    seen = {(c.positional, any(b.fixed for b in c.binds)) for c, _ in _COMPILED}
    assert {(True, True), (False, True), (True, False), (False, False)} <= seen
