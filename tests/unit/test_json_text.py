"""`json_text` writes what `json.dumps` writes, and fails as it fails."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import JSON, Column, MetaData, Table, insert, select

from tradertape.db.engine import Database, make_engine
from tradertape.domain.json_text import Written, column_dumps, dumps, dumps_as, loads

_circular: list[Any] = []
_circular.append(_circular)
_opaque = object()

SAMPLES: list[Any] = [
    None,
    True,
    7,
    10**30,
    1.5,
    -0.0,
    1e16,
    1e-7,
    float("nan"),
    float("-inf"),
    "plain",
    'é ₹ \u2028 "quoted" \\',
    [],
    {},
    ("a", 1),
    {"b": 1, "a": [1, 2.5, None, {"z": "ü"}]},
    {3: "int key", 2.5: "float key", None: "none key", True: "bool key"},
    {1: 2, "1": 3},  # unsortable keys: sorting fails alike
    {"a": _opaque},
    {1j: 1},
    _circular,
]


def _outcome(write: Any, value: Any) -> Any:
    try:
        return write(value)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize("value", SAMPLES)
def test_default_text_is_json_dumps(value: Any) -> None:
    assert _outcome(dumps, value) == _outcome(json.dumps, value)


@pytest.mark.parametrize("value", SAMPLES)
def test_canonical_text_is_json_dumps(value: Any) -> None:
    canonical = dumps_as(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def standard(v: Any) -> str:
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert _outcome(canonical, value) == _outcome(standard, value)


def test_a_failure_leaves_nothing_behind() -> None:
    shared = {"k": 1}
    assert _outcome(dumps, [shared, _opaque])[0] is TypeError
    assert dumps([shared, shared]) == json.dumps([shared, shared])


TEXTS: list[Any] = [
    "{}",
    "[]",
    '{"a": [1, 2.5, null, {"z": "\\u00fc"}], "b": "\u20b9"}',
    "NaN",
    "-Infinity",
    "1e400",
    '"plain"',
    " {}",
    "{} ",
    "\ufeff{}",
    "{} []",
    "",
    "{",
    '{"a": 1,}',
    b'{"bytes": 1}',
    bytearray(b"[1]"),
]


def _read(read: Any, text: Any) -> Any:
    try:
        return ("value", read(text))
    except ValueError as error:  # JSONDecodeError, with its message and position
        return ("error", type(error), str(error))


@pytest.mark.parametrize("text", TEXTS, ids=repr)
def test_loads_reads_what_json_loads_reads(text: Any) -> None:
    assert repr(_read(loads, text)) == repr(_read(json.loads, text))


@pytest.mark.parametrize("value", SAMPLES)
def test_a_columns_text_is_json_dumps_and_a_written_one_is_kept(value: Any) -> None:
    found = _outcome(json.dumps, value)
    assert _outcome(column_dumps, value) == found
    if isinstance(found, str):  # the text an audit entry writes once for two uses
        assert column_dumps(Written(found)) == found
        with pytest.raises(TypeError):  # only a whole column's value is written already
            column_dumps([Written(found)])


def test_loads_gives_fresh_containers() -> None:
    first = loads('{"a": []}')
    first["a"].append(1)
    assert loads('{"a": []}') == {"a": []}


def test_the_database_driver_keeps_one_json_dumper(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """psycopg caches the JSON dumper it makes for our `dumps` on each new connection, but
    not for a closure: it warns and makes new dumper classes for every connection."""
    url = database.engine.url.render_as_string(hide_password=False)
    probe = Table(f"json_probe_{uuid.uuid4().hex[:8]}", MetaData(), Column("doc", JSON))
    engine = make_engine(url)  # connections made inside the capture
    try:
        with caplog.at_level(logging.WARNING), engine.begin() as connection:
            probe.create(connection)
            connection.execute(insert(probe), [{"doc": {"n": n, "s": "₹"}} for n in range(3)])
            read = connection.execute(select(probe.c.doc)).scalars().all()
            probe.drop(connection)
    finally:
        engine.dispose()

    assert read == [{"n": n, "s": "₹"} for n in range(3)]
    assert not [r for r in caplog.records if r.name.startswith("psycopg")]
