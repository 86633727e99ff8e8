"""The hooks a process has read, kept by their URL's id, so a request pays no read for its
hook: a hook is checked by the statement that claims its delivery instead (issue 69).

A kept hook (`KnownHook`) holds the row's ``version``, which every change bumps
(`hooks.update`, `hooks.rotate`). A delivery is claimed only while the row still exists,
is switched on and holds that version (`claim_statement`); when it does not, the request is
judged again on the hook read afresh. So a hook changed, switched off, rotated or deleted
by any process is never acted on in its old form: what a kept hook decides before the claim
(its proof, its rate, its template) is only ever committed through a claim that checks it,
and a refusal is only ever given by a hook read afresh. The process that changes a hook
also drops it at once (`KnownHooks.forget`), so its next request reads it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Insert, bindparam, exists, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tradertape.db.models import Webhook, WebhookDelivery
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.services.webhooks import templates

_HOOKS = table_of(Webhook)
_DELIVERIES = table_of(WebhookDelivery)


@dataclass(frozen=True, slots=True)
class KnownHook:
    """What receiving reads of a hook's row (plain values, held by no session)."""

    id: int
    user_id: int
    hook_id: str
    name: str
    auth: str  # hmac | token
    secret: str | None  # the vault's ciphertext (hmac)
    token_digest: str | None
    allowed_ips: tuple[str, ...]
    template: dict[str, Any]  # never changed in place: `mapping` is read from it once
    mode: str
    broker: str | None
    max_per_minute: int
    enabled: bool
    version: int
    #: The template read once, with the hook (its version's): not a column.
    mapping: templates.Mapping = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mapping", templates.Mapping(self.template))


_FIELDS = tuple(f.name for f in fields(KnownHook) if f.init)  # the row's columns
_READ = Prepared(
    select(*(_HOOKS.c[name] for name in _FIELDS)).where(_HOOKS.c.hook_id == bindparam("hook_id"))
)


def read(db: Session, hook_id: str) -> KnownHook | None:
    """The hook behind a URL as the database holds it now (None: no such hook)."""
    row = _READ.first(db, {"hook_id": hook_id})
    if row is None:
        return None
    values = dict(zip(_FIELDS, row, strict=True))
    values["allowed_ips"] = tuple(values["allowed_ips"] or ())
    return KnownHook(**values)


#: Hooks a process keeps before it starts again from none (a hook is read again on its next
#: request: a cost, never a wrong answer).
MAX_KEPT = 10_000


class KnownHooks:
    """The hooks this process has read, by URL id (request threads share them)."""

    def __init__(self) -> None:
        self._kept: dict[str, KnownHook] = {}
        self._guard = threading.Lock()

    def get(self, hook_id: str) -> KnownHook | None:
        """The hook as last read here, if it is kept."""
        return self._kept.get(hook_id)  # one dict read: atomic under the GIL

    def keep(self, hook: KnownHook) -> None:
        with self._guard:
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[hook.hook_id] = hook

    def forget(self, hook_id: str) -> None:
        """Drop a hook this process changed or deleted: its next request reads it."""
        with self._guard:
            self._kept.pop(hook_id, None)


#: What every claim holds until its outcome is written: bound once in the statement (its
#: JSON and the rest converted once, `Prepared`), not given by each request.
CLAIMED: dict[str, Any] = {"outcome": "placed", "status_code": 200, "detail": None, "order_ids": []}


def claim_statement(dialect: str) -> Prepared:
    """``INSERT`` of a delivery's row ``… SELECT`` its values ``WHERE`` its hook still
    exists, is switched on and holds the version the request was judged by, ``ON CONFLICT
    DO NOTHING RETURNING id``: no id back means the delivery id was claimed before, or the
    hook changed (then `claim` tells which by reading it). Its values: `CLAIMED`, and the
    request's (``user_id``, ``webhook_id``, ``received_at``, ``ip``, ``replay_key``)."""
    columns = [c for c in _DELIVERIES.columns if not c.primary_key]
    unchanged = exists().where(
        _HOOKS.c.id == bindparam("hook_pk"),
        _HOOKS.c.hook_id == bindparam("hook_key"),
        _HOOKS.c.version == bindparam("hook_version"),
        _HOOKS.c.enabled.is_(true()),
    )
    values = select(
        *(
            literal(CLAIMED[c.key], type_=c.type)
            if c.key in CLAIMED
            else bindparam(c.key, type_=c.type)
            for c in columns
        )
    ).where(unchanged)
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(_DELIVERIES).from_select(columns, values)
        statement = statement.on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(_DELIVERIES).from_select(columns, values)
        statement = statement.on_conflict_do_nothing()
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported backends
        raise NotImplementedError(dialect)
    return Prepared(statement.returning(_DELIVERIES.c.id))
