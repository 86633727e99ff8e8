"""Writing ORM rows through Core statements on hot paths.

The unit of work costs far more per row than the INSERT it emits; a path that writes a
handful of rows per request (order placement) builds the mapped object, inserts its
values with one Core statement, and then `adopt`s it so the session holds it as if it
had been loaded. ``ON CONFLICT DO NOTHING`` lets a unique constraint decide a race
without an exception, which on PostgreSQL would abort the whole transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, ColumnElement, String, Table, inspect, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapper,
    QueryableAttribute,
    Session,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql.dml import Insert

Row = TypeVar("Row", bound=DeclarativeBase)


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[str]
) -> ColumnElement[bool]:
    """``column IN ('A', 'B', ...)`` over a fixed set of strings (statuses), written into
    the SQL as constants.

    A plain ``in_(values)`` binds one *expanding* parameter, and SQLAlchemy then re-renders
    the statement's SQL on every execution: on a placement's ledger read that was a tenth of
    its cost (bench/paper_orders.py). Bound one by one, they left PostgreSQL's plan of a
    prepared statement blind to which statuses it asks for: the generic plan found a
    user's working orders by walking all of the user's orders, and placing slowed from 456
    to 358 orders/s over 4,000 orders. With constants the plan knows them, and seeks
    working orders on their own index (migration 0038).
    """
    return column.in_([literal_column(sql_string(value), String()) for value in values])


def sql_string(value: str) -> str:
    """`value` as an SQL string literal (quotes doubled), for constants written into a
    statement or an index's predicate; anything but a plain string is a `TypeError`."""
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError(f"an SQL string constant must be a plain string, not {value!r}")
    return "'" + value.replace("'", "''") + "'"


def table_of(model: type[DeclarativeBase]) -> Table:
    """The mapped table of a model class."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def _value_keys(table: Table) -> tuple[str, ...]:
    return tuple(c.key for c in table.columns if not c.primary_key)


def value_keys(model: type[DeclarativeBase]) -> tuple[str, ...]:
    """The model's non-key columns, in table order (what `values_of` gives)."""
    return _value_keys(table_of(model))


def values_of(row: DeclarativeBase) -> dict[str, Any]:
    """Every non-key column value of a transient mapped object (attributes named as columns;
    one never set is None, as the ORM reads it)."""
    held = row.__dict__
    return {key: held.get(key) for key in _value_keys(table_of(type(row)))}


def fresh(model: type[Row], values: dict[str, Any]) -> Row:
    """A transient `model` holding `values` (attributes named as columns), as the
    constructor would make it but without an attribute event per column: a mapped
    constructor costs about twenty times as much (a placement builds an order and its
    trades). Nothing is tracked until it is `adopt`ed, which takes every value as loaded."""
    row: Row = manager_of_class(model).new_instance()
    row.__dict__.update(values)
    return row


@cache
def _related_keys(model: type[DeclarativeBase]) -> tuple[str, ...]:
    return tuple(r.key for r in inspect(model).relationships)


def adopt(db: Session, row: DeclarativeBase, pk: int) -> None:
    """Make `row`, just inserted with primary key `pk`, persistent in `db` without SQL.

    A row holding no related row (as `fresh` makes it) is added without `Session.add`'s
    save-update cascade, which would walk each of its relationships to find nothing: for
    an order, a fortieth of a placement's Python (bench/order_instructions.py)."""
    row.id = pk  # type: ignore[attr-defined]  # every table here has an integer ``id`` key
    _attach(db, row)


def _attach(db: Session, row: DeclarativeBase) -> None:
    """`Session.add` of a detached `row`, less the save-update cascade when the row holds
    no related row (`fresh` and `loaded` make none): the cascade would walk each of its
    relationships to find nothing."""
    make_transient_to_detached(row)
    held = row.__dict__
    if any(key in held for key in _related_keys(type(row))):
        db.add(row)  # a related row rides along: the cascade decides what else is added
        return
    state = instance_state(row)
    state._orphaned_outside_of_session = False  # noqa: SLF001 - as `Session.add` sets it
    db._save_or_update_impl(state)  # noqa: SLF001 - `Session.add` less its empty cascade


@cache
def _mapper(model: type[DeclarativeBase]) -> Mapper[Any]:
    """The model's mapper, found once (`inspect` walks the class's inspection registry)."""
    return inspect(model)


@cache
def _attribute_keys(model: type[DeclarativeBase]) -> tuple[tuple[str, ...], int]:
    """The attribute of each column (table order) and where the (one) primary key is."""
    mapper = inspect(model)
    columns = list(table_of(model).columns)
    (key,) = mapper.primary_key
    at = next(i for i, column in enumerate(columns) if column is key)
    return tuple(mapper.get_property_by_column(c).key for c in columns), at


def loaded_columns(model: type[DeclarativeBase]) -> tuple[Column[Any], ...]:
    """Every column of the model's table, in table order: what a `Prepared` select gives
    `loaded` to make the row from."""
    return tuple(table_of(model).columns)


def loaded(db: Session, model: type[Row], values: Sequence[Any]) -> Row:
    """The `model` row whose columns (`loaded_columns`' order) a `Prepared` select just
    read, held by `db` as if the ORM had loaded it: a change to it is saved, an attribute
    not read loads on access. A row the session holds already is returned as it is.

    For a hot read of whole rows (every request's session and user, or bearer secret): the
    ORM's query machinery costs more than the statement.
    """
    keys, pk = _attribute_keys(model)
    held = db.identity_map.get(_mapper(model).identity_key_from_primary_key((values[pk],)))
    if held is not None:
        return held  # type: ignore[no-any-return]  # the identity map holds rows of `model`
    row = fresh(model, dict(zip(keys, values, strict=True)))
    _attach(db, row)
    return row


def loaded_current(db: Session, model: type[Row], values: Sequence[Any]) -> Row | None:
    """As `loaded`, but a row the session holds already takes the values just read (as the
    ORM's ``populate_existing`` does), for a read that must see the row as it is now. None
    when the held row has unsaved changes: the caller reads it through the ORM instead,
    whose autoflush saves them first."""
    keys, pk = _attribute_keys(model)
    held = db.identity_map.get(_mapper(model).identity_key_from_primary_key((values[pk],)))
    if held is None:
        return loaded(db, model, values)
    if instance_state(held).modified:
        return None
    for key, value in zip(keys, values, strict=True):
        set_committed_value(held, key, value)
    return held  # type: ignore[no-any-return]  # the identity map holds rows of `model`


@cache
def insert_new(table: Table, dialect: str) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: no id back means a unique key was taken."""
    if dialect == "postgresql":
        statement: Insert = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported backends
        raise NotImplementedError(dialect)
    return statement.returning(table.c.id)
