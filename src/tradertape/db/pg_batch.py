"""PostgreSQL: a batch of statements written at once and read back in one pass.

psycopg's pipeline mode hands every statement to the server as it is queued: each
``cursor.execute`` builds a cursor, converts the query, then flushes and polls the socket.
Twelve short statements cost 1.5 ms of CPU that way against 2.7 ms in twelve round trips,
and 0.5 ms written at once (bench/pg_batch.py, a slow VM). libpq's pipeline mode is meant
to be used so: queue the statements in its buffer, sync, flush once, read the results as
they arrive. This does that, on the session's own psycopg connection:

- parameters are adapted by psycopg's `Transformer` on the connection's adapters, and
  results loaded by it, so values read and write as through a psycopg cursor;
- each statement is prepared on the connection the first time it is sent (in the same
  write: no round trip of its own), as psycopg prepares a statement it runs often, so
  the server parses and plans it once per connection;
- a transaction not begun yet is begun in the same write, as psycopg would begin it;
- a statement the server refuses raises psycopg's error for it (the statements after it
  in the batch are not run, as in any pipeline), and a broken connection raises
  psycopg's `OperationalError`; a batch read only in part leaves the connection closed,
  never half-read for the next user.

The statements stay prepared for the connection's life, through rollbacks: psycopg is
told to prepare none of its own (`db.engine.make_engine`), since it deallocates every
prepared statement of the connection, ours included, when it rolls back after preparing
one. A connection where it may (``prepare_threshold`` set), or with an isolation level, a
read-only or deferrable setting, or autocommit, is sent through psycopg's cursors
(`usable` says so): its statements or its transactions would not be as this assumes.
"""

from __future__ import annotations

import re
import select
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import Connection as PsycopgConnection
from psycopg import OperationalError, errors, pq
from psycopg.abc import Transformer
from psycopg.adapt import PyFormat
from psycopg.adapt import Transformer as Adapting

_PLACEHOLDER = re.compile(rb"%\((\w+)\)s|%%")
_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
# Read once: an enum member is a descriptor call on Python 3.11, a few per result.
_SYNC, _FATAL = pq.ExecStatus.PIPELINE_SYNC, pq.ExecStatus.FATAL_ERROR
_ABORTED, _IDLE = pq.ExecStatus.PIPELINE_ABORTED, pq.TransactionStatus.IDLE
_BEGIN = b"BEGIN"


@dataclass(frozen=True, slots=True)
class WireSql:
    """A statement in the server's own placeholders (``$1``), its parameters' names in order."""

    sql: bytes
    names: tuple[str, ...]


def wire_sql(pyformat: str) -> WireSql:
    """``%(name)s`` placeholders (SQLAlchemy's for psycopg) as ``$n``; ``%%`` as ``%``."""
    order: dict[str, int] = {}

    def place(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        if name is None:
            return b"%"
        key = name.decode()
        if key not in order:
            order[key] = len(order) + 1
        return b"$%d" % order[key]

    sql = _PLACEHOLDER.sub(place, pyformat.encode())
    return WireSql(sql, tuple(order))


@dataclass(frozen=True, slots=True)
class Command:
    """One statement of a batch: its SQL and its parameters (one set, or a set per row)."""

    wire: WireSql | None  # None: a bare command (``COMMIT``) in `bare`
    params: Sequence[dict[str, Any]]  # empty for a bare command
    bare: bytes = b""


class Result:
    """One statement's rows, read as a DBAPI cursor's (what `db.prepared` reads of one);
    empty until its batch is read."""

    __slots__ = ("_at", "_result", "_rows", "refused", "rowcount")

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []
        self._at = 0
        self._result: Any = None  # libpq's result of the rows, for their description
        self.rowcount = -1
        self.refused = False  # the statement whose refusal `run` raised

    @property
    def description(self) -> list[tuple[str, int]] | None:
        """(name, type oid) of each column; None for a statement that returns no rows
        (read once per statement: `db.prepared` keeps the processors it chooses)."""
        found = self._result
        if found is None:
            return None
        return [(found.fname(i).decode(), found.ftype(i)) for i in range(found.nfields)]

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    def close(self) -> None:
        self._rows, self._result = [], None


@dataclass(slots=True)
class _State:
    """What a connection has prepared: (SQL, parameter types) → statement name."""

    transformer: Transformer
    names: dict[tuple[bytes, tuple[int, ...]], bytes] = field(default_factory=dict)
    made: int = 0


_STATE = "tradertape.pg_batch"  # key in the pool's record of the DBAPI connection


def usable(raw: PsycopgConnection[Any]) -> bool:
    """Whether `raw` begins its transactions with a plain ``BEGIN`` and leaves the
    statements prepared here alone (psycopg prepares none itself: see the module)."""
    return (
        raw.prepare_threshold is None
        and not raw.autocommit
        and raw.isolation_level is None
        and raw.read_only is None
        and raw.deferrable is None
        and not raw.closed
    )


def run(
    raw: PsycopgConnection[Any],
    info: dict[str, Any],
    commands: Sequence[Command],
    results: Sequence[Result],
) -> None:
    """Send `commands` in one write and read their results into `results` (one each).

    `info` is the pool's dictionary for this DBAPI connection (what it has prepared lives
    there). Raises psycopg's error for a parameter it cannot adapt before anything is sent,
    and the error of the first statement the server refused once the batch is read.
    """
    state: _State | None = info.get(_STATE)
    if state is None or state.transformer.connection is not raw:  # a new DBAPI connection
        state = info[_STATE] = _State(Adapting(raw))
    tx = state.transformer
    dumped = [
        [_dumped(tx, command.wire, values) for values in command.params] if command.wire else []
        for command in commands
    ]
    pg = raw.pgconn
    tags: list[tuple[int, bool]] = []  # each result's command (-1: none's), and if it is its rows
    made: list[tuple[bytes, tuple[int, ...]]] = []
    pg.enter_pipeline_mode()
    try:
        if pg.transaction_status == _IDLE:
            pg.send_query_params(_BEGIN, None)
            tags.append((-1, False))
        for index, (command, rows) in enumerate(zip(commands, dumped, strict=True)):
            if command.wire is None:
                pg.send_query_params(command.bare, None)
                tags.append((index, True))
            for params, types, formats in rows:
                assert command.wire is not None  # only a statement has parameters
                key = (command.wire.sql, types)
                name = state.names.get(key)
                if name is None:
                    state.made += 1
                    name = state.names[key] = b"tt_%d" % state.made
                    made.append(key)
                    pg.send_prepare(name, key[0], param_types=types)
                    tags.append((index, False))
                pg.send_query_prepared(name, params, param_formats=formats)
                tags.append((index, True))
        pg.pipeline_sync()
        _flush(pg)
        refusal = _read(raw, tx, tags, results)
        pg.exit_pipeline_mode()
    except BaseException:
        raw.close()  # read in part: no later statement may take this batch's results
        raise
    if refusal is not None:
        for key in made:  # maybe never made: a later batch prepares them anew
            state.names.pop(key, None)
        raise refusal


_Dumped = tuple[Sequence[Any], tuple[int, ...], list[pq.Format]]


def _dumped(tx: Transformer, wire: WireSql, values: dict[str, Any]) -> _Dumped:
    """A row of parameters as the server takes them: values, type oids, formats."""
    names = wire.names
    params = tx.dump_sequence([values[n] for n in names], [PyFormat.AUTO] * len(names))
    return params, tuple(tx.types or ()), list(tx.formats or ())


def _flush(pg: Any) -> None:
    """Write the whole batch, reading what the server sends meanwhile (a full socket
    buffer on both sides would otherwise wait forever)."""
    waiting: select.poll | None = None
    while pg.flush() == 1:
        if waiting is None:
            waiting = select.poll()
            waiting.register(pg.socket, select.POLLIN | select.POLLOUT)
        for _, events in waiting.poll():
            if events & select.POLLIN:
                pg.consume_input()


def _next(pg: Any, waiting: list[select.poll]) -> Any:
    """The batch's next result, waiting for it to arrive whole (the None that ends each
    statement's results is skipped); `waiting` keeps the socket's poller made on the
    first wait."""
    while True:
        while pg.is_busy():
            if not waiting:
                poller = select.poll()
                poller.register(pg.socket, select.POLLIN)
                waiting.append(poller)
            waiting[0].poll()
            pg.consume_input()
        result = pg.get_result()
        if result is not None:
            return result


def _read(
    raw: PsycopgConnection[Any],
    tx: Transformer,
    tags: list[tuple[int, bool]],
    results: Sequence[Result],
) -> errors.Error | None:
    """Each command's result into `results` (its last row's rows, the rows counted over
    all of them), up to the sync; the first refusal. No generators: this runs for every
    result of every batch (five a round trip on the order path)."""
    pg = raw.pgconn
    refusal: errors.Error | None = None
    counted = [0] * len(results)
    waiting: list[select.poll] = []
    at, last = 0, len(tags)
    while (result := _next(pg, waiting)).status != _SYNC:
        status = result.status
        index, rows = tags[at] if at < last else (-1, False)  # none left: a stray result
        at += 1
        if status == _FATAL or at > last:
            if refusal is None and index >= 0:
                results[index].refused = True
            refusal = refusal or errors.error_from_result(result, encoding=raw.info.encoding)
        elif status == _ABORTED:
            refusal = refusal or OperationalError("pipeline aborted")
        elif rows and status in _OK:
            counted[index] += _load(tx, result, results[index])
    if at < last and refusal is None:  # the server answered fewer statements than sent
        refusal = OperationalError("the batch's results ended before its last statement")
    for result, count in zip(results, counted, strict=True):
        result.rowcount = count
    return refusal


def _load(tx: Transformer, result: Any, into: Result) -> int:
    """Load `result`'s rows into `into`; the rows it returned or changed."""
    fields = result.nfields
    if not fields:
        affected = result.command_tuples
        return 0 if affected is None else int(affected)
    tx.set_pgresult(result)
    into._rows = tx.load_rows(0, result.ntuples, tuple)
    into._at = 0
    into._result = result
    return int(result.ntuples)
