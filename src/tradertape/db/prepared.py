"""Core statements compiled once and run as driver SQL, for the order path's hot statements.

Executing a Core statement costs SQLAlchemy a cache-key walk of the statement, a cache
lookup, parameter construction, an execution context and a result set-up on every call:
three to five times what the driver spends on a short indexed statement
(bench/paper_orders.py). A `Prepared` statement is compiled once per dialect; each call
converts its parameters with the columns' own bind processors (exact decimals as text on
SQLite, UTC datetimes, JSON), runs the SQL on a cursor of the session's own DBAPI
connection (in its transaction) and converts the selected columns with their result
processors. So the statement is still written in Core, against the models' tables, and a
value reads and writes exactly as through the ORM. The engine's ``before_cursor_execute``
and ``after_cursor_execute`` listeners are called as SQLAlchemy calls them (tests count
statements so), and a driver error is raised as SQLAlchemy raises it.

Only plain statements qualify: every parameter named (``bindparam``) or bound to a value
(``literal``), no expanding ``IN``, and an INSERT or UPDATE given the exact columns it
sets (``keys``), so no Python-side default is left for SQLAlchemy to fill.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, Select, event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.elements import BindParameter

from tradertape.db import pg_batch
from tradertape.db.rows import Row, fresh, loaded_current

Processor = Callable[[Any], Any]
# A statement whose SQL says any of these may write (a CTE of a SELECT, FOR UPDATE): it
# forgets the reads sent ahead of it, as a plain write does.
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# A parameter as `_Compiled.params` converts it: its name, the caller's key and processor,
# or (key None) its value fixed in the statement, converted already.
_Step = tuple[str, str | None, Processor | None, Any]


@dataclass(frozen=True, slots=True)
class _Bind:
    name: str
    key: str  # the parameter's name as the caller gives it
    process: Processor | None
    fixed: bool  # bound to a value in the statement (``literal``)
    value: Any


@dataclass(slots=True)
class _Compiled:
    sql: str
    binds: tuple[_Bind, ...]
    positional: bool
    columns: tuple[Any, ...]  # the selected or returned columns
    writes: bool = True  # anything but a plain SELECT (one with RETURNING writes too)
    results: tuple[Processor | None, ...] | None = None  # from the first result's description
    _plan: tuple[tuple[str, str | None, Processor | None, Any], ...] = field(init=False, repr=False)
    # The driver's parameters of a call's values (`_params_function`: what `params_by_plan`
    # gives). This runs for every statement of every order.
    params: Callable[[Mapping[str, Any]], Any] = field(init=False, repr=False)
    _wire: pg_batch.WireSql | None = field(default=None, init=False, repr=False)

    def wire(self) -> pg_batch.WireSql:
        """The SQL in PostgreSQL's own placeholders (`db.pg_batch`), worked out once."""
        if self._wire is None:
            self._wire = pg_batch.wire_sql(self.sql)
        return self._wire

    def processors(self, dialect: Dialect, cursor: Any) -> tuple[Processor | None, ...]:
        """The columns' result processors; the driver's type codes of the first result
        choose them (PostgreSQL's numeric codes, say), and every later result has the same.
        Only the first result's description is read: psycopg builds it anew on each read
        (a tenth of a PostgreSQL placement's Python time, bench/paper_orders.py)."""
        if self.results is None:
            description = cursor.description
            codes = [d[1] for d in description] if description else [None] * len(self.columns)
            self.results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, code)
                for column, code in zip(self.columns, codes, strict=True)
            )
        return self.results

    def __post_init__(self) -> None:
        # What `params` walks on every call, worked out once (see `_Step`).
        plan: list[_Step] = []
        for b in self.binds:
            if b.fixed:
                value = b.value if b.process is None or b.value is None else b.process(b.value)
                plan.append((b.name, None, None, value))
            else:
                plan.append((b.name, b.key, b.process, None))
        self._plan = tuple(plan)
        self.params = _params_function(self._plan, positional=self.positional)

    def params_by_plan(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters of `values` by walking the plan: each step a fixed value
        (no key), or the value given for its key, processed unless it is None or the type
        has no processor. What `params` gives, in one function made for the plan."""
        got = [
            fixed
            if key is None
            else (given if (given := values[key]) is None or process is None else process(given))
            for _, key, process, fixed in self._plan
        ]
        if self.positional:
            return tuple(got)
        return {name: value for (name, *_), value in zip(self._plan, got, strict=True)}


def _params_function(
    plan: Sequence[_Step], *, positional: bool
) -> Callable[[Mapping[str, Any]], Any]:
    """`_Compiled.params` for `plan` as one generated function: a fixed value is a name
    bound to it, a key without a processor one subscript, one with a processor a call
    unless the value is None. Walking the plan per call cost a placement about a tenth of
    its Python bytecode (bench/order_instructions.py); the function is made once per
    statement and dialect. Only the plan's own names and keys (``repr``) are written into
    its text: the values and processors are passed in by name."""
    scope: dict[str, Any] = {}
    parts = []
    for n, (name, key, process, fixed) in enumerate(plan):
        if key is None:
            scope[f"f{n}"] = fixed
            part = f"f{n}"
        elif process is None:
            part = f"v[{key!r}]"
        else:
            scope[f"p{n}"] = process
            part = f"(None if (x := v[{key!r}]) is None else p{n}(x))"
        parts.append(part if positional else f"{name!r}: {part}")
    body = "".join(f"{part}, " for part in parts)
    text = f"def params(v):\n    return {'(' + body + ')' if positional else '{' + body + '}'}\n"
    exec(text, scope)  # noqa: S102 - our own text: the plan's names, keys and indices only
    made: Callable[[Mapping[str, Any]], Any] = scope["params"]
    return made


class Prepared:
    """One Core statement, compiled per dialect on first use; see the module docstring."""

    __slots__ = ("_compiled", "_guard", "_keys", "_selected", "_statement")

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] | None = None) -> None:
        """`keys`: the columns an INSERT or UPDATE sets, by name (each a parameter)."""
        self._statement = statement
        self._keys = list(keys) if keys is not None else None
        self._compiled: dict[str, _Compiled] = {}
        self._guard = threading.Lock()
        self._selected: tuple[str, ...] | None = None

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            with self._guard:
                found = self._compiled.get(dialect.name)
                if found is None:
                    found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self._statement.compile(dialect=dialect, column_keys=self._keys)
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a prepared statement must be given every column it sets")
        names: Iterable[str] = compiled.positiontup or list(compiled.binds)
        binds = []
        for name in names:
            param: BindParameter[Any] = compiled.binds[name]
            if param.expanding:
                raise ValueError("a prepared statement cannot expand IN lists")
            process = param.type.dialect_impl(dialect).bind_processor(dialect)
            fixed = (
                not param.required
                and param.callable is None
                and param.key not in (self._keys or ())
            )
            binds.append(_Bind(name, param.key, process, fixed, param.value))
        columns: Any = getattr(self._statement, "selected_columns", None)
        if columns is None:
            columns = getattr(self._statement, "_returning", ())
        positional = compiled.positiontup is not None
        plain = isinstance(self._statement, Select) and not _WRITE_WORDS.search(compiled.string)
        return _Compiled(
            compiled.string, tuple(binds), positional, tuple(columns), writes=not plain
        )

    def _bound(self, connection: Connection, values: Any, many: bool) -> _Statement:
        compiled = self._for(connection.dialect)
        if many:
            return _Statement(compiled, [compiled.params(row) for row in values], True)
        return _Statement(compiled, compiled.params(values), False)

    def execute(self, db: Session, values: Mapping[str, Any] | None = None) -> None:
        """Run it once in the session's transaction; on PostgreSQL it waits to be sent
        with the next statement (see `deferring`)."""
        connection = session_connection(db)
        if not deferring(connection.dialect):  # SQLite: run at once, nothing waits
            compiled = self._for(connection.dialect)
            _direct(connection, compiled, compiled.params(values or {}), False).close()
            return
        _submit(connection, self._bound(connection, values or {}, False))

    def execute_many(self, db: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run it for each of `rows` (the driver's executemany); nothing for no rows."""
        if rows:
            connection = session_connection(db)
            if not deferring(connection.dialect):
                compiled = self._for(connection.dialect)
                params = [compiled.params(row) for row in rows]
                _direct(connection, compiled, params, True).close()
                return
            _submit(connection, self._bound(connection, rows, True))

    def scalar(self, db: Session, values: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, converted (None when there is no row)."""
        row = self.first(db, values)
        return None if row is None else row[0]

    def prefetch(self, db: Session, values: Mapping[str, Any] | None = None) -> None:
        """Send this read with the transaction's next round trip (PostgreSQL): a `first` or
        `rows` of the same values later in the transaction is answered from it, with no
        round trip of its own, unless a write was sent or waits in between (the rows
        could be stale; the read is then made again). For a read a later step is sure to
        make, whose inputs are known earlier: the risk gate's reads ride with the ledger
        lock's. On SQLite a read is no round trip, and nothing is sent ahead."""
        self._send_ahead(db, values, after=False)

    def execute_after_read(self, db: Session, values: Mapping[str, Any] | None = None) -> None:
        """As `execute`, but on PostgreSQL sent right after the transaction's next read, in
        its round trip, where `execute` sends it before that read: for a statement that
        must not run before the read it rides with (an advisory lock taken after the
        order's claim, `lock_names`). Sent with the commit, or whatever goes next, if no
        read comes first. On SQLite: at once."""
        connection = session_connection(db)
        if not deferring(connection.dialect):
            self.execute(db, values)
            return
        statement = self._bound(connection, values or {}, False)
        waiting = _waiting(connection, create=True)
        assert waiting is not None
        waiting.append(_Statement(statement.compiled, statement.params, False, after=True))

    def prefetch_after_read(self, db: Session, values: Mapping[str, Any] | None = None) -> None:
        """As `prefetch`, but sent right after the transaction's next read (in its round
        trip, with whatever `execute_after_read` queued before it), and its rows kept
        across this transaction's writes until a `first` or `rows` of the same values
        takes them (a rollback, of a savepoint too, forgets them). For a read whose rows
        no write of this transaction can change before it is taken, which the caller
        vouches for: the audit trail's last entry, read under its lock with the order's
        claim and taken by the audit trail alone (`services.audit.trail`), which saves
        a PostgreSQL order one round trip. On SQLite nothing is sent ahead."""
        self._send_ahead(db, values, after=True)

    def _send_ahead(self, db: Session, values: Mapping[str, Any] | None, *, after: bool) -> None:
        """Queue this read to ride with the next round trip (`prefetch`), or right after
        the next read, its rows held across writes (`prefetch_after_read`)."""
        connection = session_connection(db)
        if not deferring(connection.dialect):
            return
        key = _ahead_key(self, values)
        if key is None:
            return
        statement = self._bound(connection, values or {}, False)
        waiting = _waiting(connection, create=True)
        assert waiting is not None
        compiled, params = statement.compiled, statement.params
        waiting.append(_Statement(compiled, params, False, ahead=key, held=after, after=after))

    def first(self, db: Session, values: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row, its columns converted as the ORM would (None when there is none)."""
        connection = session_connection(db)
        if not deferring(connection.dialect):  # SQLite: nothing is ever sent ahead or waits
            compiled = self._for(connection.dialect)
            cursor = _direct(connection, compiled, compiled.params(values or {}), False)
            try:
                processors = compiled.processors(connection.dialect, cursor)
                row = cursor.fetchone()
            finally:
                cursor.close()
            return None if row is None else _convert(processors, row)
        ahead = _taken_ahead(connection, self, values)
        if ahead is not None:
            processors, found = ahead
            return _convert(processors, found[0]) if found else None
        statement = self._bound(connection, values or {}, False)
        if statement.compiled.writes:  # an INSERT ... RETURNING, say
            forget_ahead(connection)
        cursor = _read(connection, statement)
        try:
            processors = statement.compiled.processors(connection.dialect, cursor)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else _convert(processors, row)

    def rows(self, db: Session, values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row, its columns converted as the ORM would."""
        connection = session_connection(db)
        if not deferring(connection.dialect):  # SQLite: nothing is ever sent ahead or waits
            compiled = self._for(connection.dialect)
            cursor = _direct(connection, compiled, compiled.params(values or {}), False)
            try:
                processors = compiled.processors(connection.dialect, cursor)
                found = cursor.fetchall()
            finally:
                cursor.close()
            return [_convert(processors, row) for row in found]
        ahead = _taken_ahead(connection, self, values)
        if ahead is not None:
            processors, found = ahead
            return [_convert(processors, row) for row in found]
        statement = self._bound(connection, values or {}, False)
        if statement.compiled.writes:
            forget_ahead(connection)
        cursor = _read(connection, statement)
        try:
            processors = statement.compiled.processors(connection.dialect, cursor)
            found = cursor.fetchall()
        finally:
            cursor.close()
        return [_convert(processors, row) for row in found]

    def detached(
        self, db: Session, model: type[Row], values: Mapping[str, Any] | None = None
    ) -> list[Row]:
        """Every row as a `model` to read, not attached to the session (`rows.fresh`: a
        change to one is not saved), for a read that shows rows and changes none; the
        statement selects columns of the model's table, named as its attributes."""
        if self._selected is None:
            columns: Any = getattr(self._statement, "selected_columns", ())
            self._selected = tuple(c.key for c in columns)
        keys = self._selected
        return [fresh(model, dict(zip(keys, row, strict=True))) for row in self.rows(db, values)]

    def attached(
        self, db: Session, model: type[Row], values: Mapping[str, Any] | None = None
    ) -> list[Row]:
        """Every row as a `model` held by the session, as the ORM's query would give it
        (`rows.loaded_current`: a row held already takes the values read, so one expired by
        a commit is not read again attribute by attribute; a change is saved), for a hot
        read of rows the caller changes; the statement selects the model's every column
        (`rows.loaded_columns`). What the session changed is flushed first, as the ORM's
        autoflush would, so the rows found are the ones the transaction sees."""
        db.flush()
        found = []
        for read in self.rows(db, values):
            row = loaded_current(db, model, read)
            assert row is not None  # flushed: no row held is left modified
            found.append(row)
        return found


_CONNECTION = "tradertape.connection"  # Session.info key: (its transaction, the connection)


def session_connection(db: Session) -> Connection:
    """The session's connection, begun if need be: `Session.connection` costs as much as a
    short statement, and a placement runs a dozen; within a transaction the answer is the
    same. It is kept per innermost transaction: a savepoint begun since is emitted by the
    session when it is first asked for the connection, so its first statement must ask.
    The innermost transaction is the session's own ``_transaction`` (a savepoint's, or the
    one begun; a flush's inner one only while it flushes, when asking again is merely
    slower): `Session.get_nested_transaction` and `get_transaction` walk to the same
    answer in two Python calls, ~1.3 % of a paper order's instructions at 22 statements."""
    transaction = db._transaction  # noqa: SLF001 - see the docstring
    if transaction is not None:
        found = db.info.get(_CONNECTION)
        if found is not None and found[0] is transaction:
            held: Connection = found[1]
            return held
    connection = db.connection()
    db.info[_CONNECTION] = (db._transaction, connection)  # noqa: SLF001
    return connection


@dataclass(frozen=True, slots=True)
class _Statement:
    """A prepared statement with its parameters converted, ready for the driver."""

    compiled: _Compiled
    params: Any
    many: bool
    control: bool = False  # a bare COMMIT: no statement to the engine's cursor events
    ahead: Any = None  # a read sent ahead (`Prepared.prefetch`): the key its rows are kept by
    held: bool = False  # a read ahead kept across writes (`Prepared.prefetch_after_read`)
    after: bool = False  # waits to go right after the next read (`execute_after_read`)


# Connection.info key: (the transaction, its statements not sent yet).
_WAITING = "tradertape.deferred"


def deferring(dialect: Dialect) -> bool:
    """Whether writes wait to be sent with the next statement on this backend.

    On PostgreSQL each statement is a round trip to the server; a prepared write that
    returns nothing waits, and goes out in one pipeline (psycopg's pipeline mode) with
    whatever comes next: the next prepared read, any other statement SQLAlchemy runs
    (`watch` flushes before it), the commit. A rollback drops what waits. On SQLite a
    statement is a call into the library, and everything runs at once.
    """
    return dialect.name == "postgresql"


def _this_transaction(connection: Connection, key: str, *, create: Callable[[], Any] | None) -> Any:
    """What `connection.info[key]` holds for the current transaction; made by `create`
    (and kept) when it holds nothing yet or an earlier transaction's, else None."""
    transaction = connection.get_transaction()
    found = connection.info.get(key)
    if found is not None and found[0] is transaction:
        return found[1]
    if create is None:
        return None
    made = create()
    connection.info[key] = (transaction, made)
    return made


def _waiting(connection: Connection, *, create: bool) -> list[_Statement] | None:
    waiting: list[_Statement] | None = _this_transaction(
        connection, _WAITING, create=list if create else None
    )
    return waiting


# Connection.info key: (the transaction, {key: (processors, rows, held)} of reads sent ahead).
_AHEAD = "tradertape.ahead"


def _ahead_key(prepared: Prepared, values: Mapping[str, Any] | None) -> Any:
    """What a read sent ahead is kept by: the statement and its values (None: unhashable
    values, never sent ahead)."""
    key = (id(prepared), tuple(sorted((values or {}).items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _unsend_ahead(connection: Connection, key: Any = None, *, held: bool = False) -> None:
    """Take reads sent ahead off the waiting list before they go: the one kept by `key`,
    or (None) all of them but those kept across writes (with `held`, those too)."""
    waiting = _waiting(connection, create=False)
    if waiting and any(s.ahead is not None for s in waiting):
        waiting[:] = [
            s
            for s in waiting
            if s.ahead is None or (s.ahead != key if key is not None else (s.held and not held))
        ]


def _taken_ahead(
    connection: Connection, prepared: Prepared, values: Mapping[str, Any] | None
) -> tuple[tuple[Processor | None, ...], list[Any]] | None:
    """The rows of this read if they were sent ahead in this transaction (once). Asked for
    before it went, it is taken off the waiting list and made now, once."""
    if not deferring(connection.dialect):
        return None
    kept: dict[Any, Any] | None = _this_transaction(connection, _AHEAD, create=None)
    waiting = _waiting(connection, create=False)
    if not kept and not (waiting and any(s.ahead is not None for s in waiting)):
        return None
    key = _ahead_key(prepared, values)
    if key is None:
        return None
    if waiting and any(s.ahead == key and s.after for s in waiting):
        # Asked for before it went: what was to ride after the next read with it (its
        # lock) goes before this one, which is made now.
        waiting[:] = [replace(s, after=False) if s.after else s for s in waiting if s.ahead != key]
        return None
    _unsend_ahead(connection, key)
    found = None if not kept else kept.pop(key, None)
    return None if found is None else (found[0], found[1])


def _keep_ahead(connection: Connection, statements: list[_Statement], cursors: list[Any]) -> None:
    """Keep the rows of the reads among `statements` that were sent ahead."""
    for statement, cursor in zip(statements, cursors, strict=True):
        if statement.ahead is not None:
            kept: dict[Any, Any] = _this_transaction(connection, _AHEAD, create=dict)
            processors = statement.compiled.processors(connection.dialect, cursor)
            kept[statement.ahead] = (processors, cursor.fetchall(), statement.held)


def forget_ahead(connection: Connection, *, held: bool = False) -> None:
    """A write is on its way: reads sent ahead (or waiting to be) may no longer hold;
    those kept across writes (`Prepared.prefetch_after_read`) only with `held` (a
    rollback: the rows they saw may be undone)."""
    kept: dict[Any, Any] | None = _this_transaction(connection, _AHEAD, create=None)
    if kept:
        if held:
            kept.clear()
        else:
            for key in [k for k, found in kept.items() if not found[2]]:
                del kept[key]
    _unsend_ahead(connection, held=held)


def _submit(connection: Connection, statement: _Statement) -> None:
    if not deferring(connection.dialect):  # SQLite: nothing was read ahead, nothing waits
        _direct(connection, statement.compiled, statement.params, statement.many).close()
        return
    forget_ahead(connection)
    waiting = _waiting(connection, create=True)
    assert waiting is not None
    waiting.append(statement)


def _read(connection: Connection, statement: _Statement) -> Any:
    """A cursor holding the statement's result, sent after whatever waits and before
    what rides after the next read (`Prepared.execute_after_read`), in one round trip."""
    waiting = _waiting(connection, create=False) if deferring(connection.dialect) else None
    if not waiting:
        return _send(connection, [statement])
    sending = list(waiting)
    waiting.clear()
    if not any(s.after for s in sending):
        return _send(connection, [*sending, statement])
    before = [s for s in sending if not s.after]
    after = [s for s in sending if s.after]
    return _send(connection, [*before, statement, *after], result=len(before))


def flush(connection: Connection, *, then: str | None = None) -> None:
    """Send what waits, then what was to ride after the next read (and `then`, a last
    bare statement such as ``COMMIT``), if anything."""
    waiting = _waiting(connection, create=False)
    if not waiting:
        return
    sending = list(waiting)
    waiting.clear()
    if any(s.after for s in sending):  # no read came: they go after the rest, as promised
        sending = [s for s in sending if not s.after] + [s for s in sending if s.after]
    if then is not None:
        sending.append(_Statement(_Compiled(then, (), False, ()), None, False, control=True))
    _send(connection, sending).close()


def discard(connection: Connection) -> None:
    """Forget what waits and what was read ahead (the transaction, or a savepoint of it,
    is being rolled back). Nothing, when the connection was lost: what waited went with
    it, and SQLAlchemy refuses to reach the connection until the rollback is done."""
    if connection.invalidated:
        return
    forget_ahead(connection, held=True)
    waiting = _waiting(connection, create=False)
    if waiting:
        waiting.clear()


def _send(connection: Connection, statements: list[_Statement], *, result: int = -1) -> Any:
    """Run `statements` on the connection's DBAPI connection, in one pipeline when there
    are several; the cursor of the one at `result` (the last by default) is returned,
    the others closed. The
    engine's cursor events fire as for any statement, and a driver error is raised as
    SQLAlchemy's (`IntegrityError`, `OperationalError`, ...). On PostgreSQL the batch is
    written at once and read in one pass (`db.pg_batch`)."""
    dialect = connection.dialect
    raw: Any = connection.connection.dbapi_connection
    cursors: list[Any] = []  # one per statement sent (or all, for a batch)
    try:
        if dialect.name == "postgresql" and pg_batch.usable(raw):
            _batched(connection, raw, statements, cursors)
        else:
            _executed(connection, raw, statements, cursors)
    except dialect.loaded_dbapi.Error as exc:
        for cursor in cursors:
            cursor.close()
        refused = next((n for n, c in enumerate(cursors) if getattr(c, "refused", False)), None)
        failed = statements[len(cursors) - 1 if refused is None else refused]
        raise _driver_error(connection, raw, exc, failed.compiled.sql, failed.params) from exc
    _keep_ahead(connection, statements, cursors)
    answer = cursors[result]
    for cursor in cursors:
        if cursor is not answer:
            cursor.close()
    return answer


def _direct(connection: Connection, compiled: _Compiled, params: Any, many: bool) -> Any:
    """`_send` of one statement that runs at once (SQLite: nothing waits, nothing was read
    ahead), its cursor returned, without the batch's bookkeeping: every statement of a
    SQLite placement comes this way (bench/paper_orders.py)."""
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    sql, sent = compiled.sql, params
    # The cursor events only when something listens (as SQLAlchemy asks): walking the
    # empty listener lists was two Python calls a statement, for no one.
    listened = connection._has_events or connection.engine._has_events  # noqa: SLF001
    try:
        if listened:
            for before in connection.dispatch.before_cursor_execute:
                sql, sent = before(connection, cursor, sql, sent, None, many)
        if many:
            cursor.executemany(sql, sent)
        else:
            cursor.execute(sql, sent)
    except connection.dialect.loaded_dbapi.Error as exc:
        cursor.close()
        raise _driver_error(connection, raw, exc, compiled.sql, params) from exc
    if listened:
        connection.dispatch.after_cursor_execute(connection, cursor, sql, sent, None, many)
    return cursor


def _driver_error(
    connection: Connection, raw: Any, exc: Any, sql: str, params: Any
) -> StatementError:
    """The driver's `exc` as SQLAlchemy raises it (`IntegrityError`, `OperationalError`,
    ...); a lost connection is invalidated first, as SQLAlchemy does: the pool must not
    hand it out again."""
    dialect = connection.dialect
    lost = raw.closed or dialect.is_disconnect(exc, raw, None)
    if lost:
        connection.invalidate(exc)
    error = dialect.loaded_dbapi.Error
    found: StatementError = DBAPIError.instance(
        sql, params, exc, error, connection_invalidated=lost, dialect=dialect
    )
    return found


def _executed(
    connection: Connection, raw: Any, statements: list[_Statement], cursors: list[Any]
) -> None:
    """The statements run through the driver's cursors (a pipeline for several), each
    added to `cursors` as it is sent."""
    if len(statements) == 1:  # SQLite's every statement: no pipeline to open
        _execute(connection, raw, statements[0], cursors)
        return
    with raw.pipeline():
        for statement in statements:
            _execute(connection, raw, statement, cursors)


def _execute(connection: Connection, raw: Any, statement: _Statement, cursors: list[Any]) -> None:
    cursor = raw.cursor()
    cursors.append(cursor)
    sql, params, many = statement.compiled.sql, statement.params, statement.many
    if statement.control:
        cursor.execute(sql)
        return
    for before in connection.dispatch.before_cursor_execute:
        sql, params = before(connection, cursor, sql, params, None, many)
    if many:
        cursor.executemany(sql, params)
    else:
        cursor.execute(sql, params)
    connection.dispatch.after_cursor_execute(connection, cursor, sql, params, None, many)


def _batched(
    connection: Connection, raw: Any, statements: list[_Statement], cursors: list[Any]
) -> None:
    """The statements written at once and read in one pass (`db.pg_batch`), their results
    in `cursors`. The cursor events are walked only when someone listens (tests that count
    statements): the engine's own listeners (`watch`) are not cursor events, and walking
    two empty lists per statement was a fifth of the batch's own Python."""
    results = [pg_batch.Result() for _ in statements]
    cursors.extend(results)
    dispatch = connection.dispatch
    before = dispatch.before_cursor_execute
    after = dispatch.after_cursor_execute
    commands = []
    for statement, result in zip(statements, results, strict=True):
        sql, params, many = statement.compiled.sql, statement.params, statement.many
        if statement.control:
            commands.append(pg_batch.Command(None, (), bare=sql.encode()))
            continue
        if before:
            for listener in before:
                sql, params = listener(connection, result, sql, params, None, many)
        rows = params if many else (params,)
        commands.append(pg_batch.Command(statement.compiled.wire(), rows))
    pg_batch.run(raw, connection.connection.info, commands, results)
    if after:
        for statement, result in zip(statements, results, strict=True):
            if not statement.control:
                sql, params, many = statement.compiled.sql, statement.params, statement.many
                after(connection, result, sql, params, None, many)


def watch(engine: Engine) -> None:
    """Keep `engine`'s waiting writes in order: sent before any other statement and with
    the commit (in the same round trip), dropped by a rollback."""
    if not deferring(engine.dialect):
        return

    def before_execute(connection: Connection, clause: Any, *_: Any) -> None:
        if not getattr(clause, "is_select", False):
            forget_ahead(connection)  # a write (or text SQL, which may be one)
        flush(connection)

    def commit(connection: Connection) -> None:
        # COMMIT goes out in the same pipeline; the driver's own commit then finds no
        # transaction open and does nothing. A read sent ahead and not used yet is not.
        forget_ahead(connection, held=True)
        flush(connection, then="COMMIT")

    def rollback_savepoint(connection: Connection, *_: Any) -> None:
        forget_ahead(connection, held=True)  # read after writes that are now undone

    event.listen(engine, "before_execute", before_execute)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", discard)
    event.listen(engine, "rollback_savepoint", rollback_savepoint)


def _convert(processors: tuple[Processor | None, ...], row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        [
            value if process is None or value is None else process(value)
            for process, value in zip(processors, row, strict=True)
        ]
    )
