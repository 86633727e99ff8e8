"""Finding a run for a token, locking it, and the session-nonce rule.

A run is visible only to the token that created it: any other caller gets the same 404
as for a run that does not exist, so nothing about other tokens' runs leaks. Changes to
a run take its lock first and only then read it, so status checks and the changes they
guard happen in one transaction whatever other requests or processes do meanwhile. The
lock is named by what the request already knows (token and ``strategy_run_id``, unique
together), so a request reads the run once, under the lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, bindparam, exists, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from tradertape.db.locks import lock_names
from tradertape.db.models import WorkerReplay, WorkerRun, WorkerToken
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded_columns, loaded_current
from tradertape.domain.worker_access import scope_allows
from tradertape.domain.worker_runs import nonce_presented
from tradertape.errors import NotFound, Rejected
from tradertape.security.tokens import digests_equal

RUN_NOT_FOUND = "Strategy run not found"
_OF_TOKEN = (WorkerRun.token_id == bindparam("token_id"), WorkerRun.run_key == bindparam("run_key"))
# Every worker call reads its run: a prepared statement costs a fifth of the ORM's query.
_RUN_ROW = Prepared(select(*loaded_columns(WorkerRun)).where(*_OF_TOKEN))
_RUN_MAPPER = inspect(WorkerRun)
_RUN_OF_TOKEN = select(WorkerRun).where(*_OF_TOKEN).execution_options(populate_existing=True)


def find_run(db: Session, token: WorkerToken, run_key: str) -> WorkerRun:
    """The token's run with this ``strategy_run_id``, or 404 (also for other tokens' runs).

    The row is read as it is now, even if the session holds an older copy.
    """
    params = {"token_id": token.id, "run_key": run_key}
    if db.autoflush:
        db.flush()  # as the ORM's query would: a run this session just added is found
    found = _RUN_ROW.first(db, params)
    run = None if found is None else loaded_current(db, WorkerRun, found)
    if found is not None and run is None:  # held with unsaved changes: the ORM saves them
        run = db.scalar(_RUN_OF_TOKEN, params)
    if run is None:
        raise NotFound(RUN_NOT_FOUND)
    if not scope_allows(token.account_scope, run.account_scope):
        raise Rejected(403, "ACCOUNT_SCOPE_NOT_ALLOWED", "the token may not use this run's scope")
    return run


def held_run(db: Session, pk: int) -> WorkerRun | None:
    """`Session.get` of the run of key `pk`, without its options' machinery when the session
    holds a current copy (an intent's run, read under its lock: its order's journal entry
    names it again): `Session.get` walks its loading machinery even for a row it holds."""
    held = db.identity_map.get(_RUN_MAPPER.identity_key_from_primary_key((pk,)))
    if held is not None and not instance_state(held).expired:
        return held
    return db.get(WorkerRun, pk)


def run_lock(token_id: str, run_key: str) -> str:
    """The name of a run's lock."""
    return f"worker-run:{token_id}:{run_key}"


def run_locks(db: Session, run_ids: Iterable[int]) -> list[str]:
    """The locks of these runs: the owner locks their orders' followers write under (the
    run's owner policy's, `services.workers.owner`), which the OMS takes before the
    ledger's. A run the session holds names its lock without a read (the intent's run, read
    under that lock: a run's token and key never change); the rest in one read."""
    names: list[str] = []
    unread: set[int] = set()
    for pk in set(run_ids):
        held = db.identity_map.get(_RUN_MAPPER.identity_key_from_primary_key((pk,)))
        known = None if held is None else held.__dict__
        if known is not None and "token_id" in known and "run_key" in known:
            names.append(run_lock(known["token_id"], known["run_key"]))
        else:
            unread.add(pk)
    if unread:
        query = select(WorkerRun.token_id, WorkerRun.run_key).where(WorkerRun.id.in_(unread))
        names += [run_lock(token_id, run_key) for token_id, run_key in db.execute(query)]
    return names


def lock_run(db: Session, run: WorkerRun) -> WorkerRun:
    """Hold the lock of a run read earlier until the transaction ends; its current row."""
    lock_names(db, [run_lock(run.token_id, run.run_key)])
    db.refresh(run)
    return run


def locked_run(db: Session, token: WorkerToken, run_key: str) -> WorkerRun:
    """Take the run's lock, then `find_run`: the row is read once, and current."""
    lock_names(db, [run_lock(token.id, run_key)])
    return find_run(db, token, run_key)


def check_nonce(run: WorkerRun, header: str | None, *, missing_ok: bool = False) -> None:
    """Enforce the session: once claimed, a mutation carries the holder's nonce.

    ``missing_ok`` is for the calls the published SDKs send without one (decision events,
    cancel and modify in 0.7.4): no nonce passes, a wrong one never does.
    """
    presented = nonce_presented(header)
    held = run.session_nonce
    if held is None:
        if presented is not None:
            raise Rejected(
                409,
                "WORKER_SESSION_CONFLICT",
                "no worker session is claimed on this run; the nonce is not current",
                strategy_run_id=run.run_key,
            )
        return
    if presented is None:
        if missing_ok:
            return
        raise Rejected(
            409,
            "WORKER_SESSION_REQUIRED",
            "this run has a claimed worker session: send X-Worker-Session-Nonce",
            strategy_run_id=run.run_key,
        )
    if not digests_equal(presented, held):
        raise Rejected(
            409,
            "WORKER_SESSION_CONFLICT",
            "another worker session holds this run",
            strategy_run_id=run.run_key,
        )


def not_replayed_run() -> ColumnElement[bool]:
    """Whether a `WorkerRun` is not a replay's: a replay's run is protected, recovered and
    settled by its replay, on its clock and prices, never by the loop on the market's."""
    return ~exists().where(WorkerReplay.token_id == WorkerRun.token_id)
