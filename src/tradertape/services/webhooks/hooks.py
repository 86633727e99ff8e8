"""The user's inbound webhooks: create (the secret or token shown once), read, change,
delete, and the log of what each received.

A signed hook (``hmac``) keeps its secret encrypted by the vault: the server must compute
the signature again. A token hook, for senders that cannot sign (TradingView), keeps only
the token's SHA-256, and must name the addresses it accepts requests from; it is weaker
(a token seen once may be sent again from an allowed address), and docs/alerts.md says so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import Webhook, WebhookDelivery
from tradertape.errors import Conflict, InvalidField
from tradertape.ports.clock import Clock
from tradertape.security.tokens import new_secret, sha256_hex
from tradertape.security.vault import Vault
from tradertape.services.accounts.ownership import get_owned, owned
from tradertape.services.webhooks import templates

MAX_HOOKS = 20
MAX_IPS = 20
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret
TOKEN_PREFIX = "whtok_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True, slots=True)
class HookDraft:
    """A new hook as the caller hands it in."""

    name: str
    auth: str  # hmac | token
    template: dict[str, Any]
    allowed_ips: Sequence[str] = ()
    mode: str = "paper"
    broker: str | None = None
    max_per_minute: int = 30


@dataclass(frozen=True, slots=True)
class HookChange:
    """A PATCH: the fields given (None: keep)."""

    name: str | None = None
    enabled: bool | None = None
    template: dict[str, Any] | None = None
    allowed_ips: Sequence[str] | None = None
    max_per_minute: int | None = None


@dataclass(frozen=True, slots=True)
class Created:
    """A new hook and its secret (hmac) or token, shown this once."""

    hook: Webhook
    secret: str


def check_ips(ips: Sequence[str]) -> list[str]:
    """Addresses or networks (``203.0.113.7``, ``52.89.214.0/24``), normalised; 422 naming
    the bad one."""
    if len(ips) > MAX_IPS:
        raise InvalidField("allowed_ips", f"at most {MAX_IPS} entries")
    out = []
    for index, text in enumerate(ips):
        try:
            out.append(str(ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError:
            bad = f"'{text[:60]}' is not an address"
            raise InvalidField(f"allowed_ips[{index}]", bad) from None
    return out


def create(db: Session, draft: HookDraft, *, vault: Vault, clock: Clock, user_id: int) -> Created:
    """A new hook (commits); 422 naming the bad field, 409 past `MAX_HOOKS`."""
    template = templates.check(draft.template)
    ips = check_ips(draft.allowed_ips)
    if draft.auth == "token" and not ips:
        raise InvalidField("allowed_ips", "a token hook needs the addresses its sender uses")
    if draft.mode != "live" and draft.broker is not None:
        raise InvalidField("broker", 'only a live hook ("mode": "live") names a broker')
    lock_names(db, [f"webhooks:{user_id}"])
    count = db.scalar(select(func.count()).select_from(Webhook).where(Webhook.user_id == user_id))
    if (count or 0) >= MAX_HOOKS:
        raise Conflict(f"you have {MAX_HOOKS} webhooks, the most allowed; delete one first")
    prefix = SECRET_PREFIX if draft.auth == "hmac" else TOKEN_PREFIX
    secret = new_secret(prefix, 32)
    row = Webhook(
        user_id=user_id,
        hook_id=new_secret("wh_", 18),
        name=draft.name,
        auth=draft.auth,
        secret=vault.encrypt(secret) if draft.auth == "hmac" else None,
        token_digest=sha256_hex(secret) if draft.auth == "token" else None,
        allowed_ips=ips,
        template=template,
        mode=draft.mode,
        broker=draft.broker,
        max_per_minute=draft.max_per_minute,
        enabled=True,
        created_at=clock.now(),
    )
    db.add(row)
    db.commit()
    return Created(row, secret)


def listing(db: Session, *, user_id: int, limit: int, offset: int) -> list[Webhook]:
    """The user's hooks, newest first."""
    query = owned(Webhook, user_id=user_id).order_by(Webhook.id.desc())
    return list(db.scalars(query.limit(limit).offset(offset)))


def get(db: Session, webhook_id: int, *, user_id: int) -> Webhook:
    """One of the user's hooks (404 for anyone else's)."""
    return get_owned(db, Webhook, webhook_id, user_id=user_id, label="webhook")


def update(db: Session, webhook_id: int, change: HookChange, *, user_id: int) -> Webhook:
    """Rename, switch off or on, edit the template, the addresses or the rate (commits; a
    new version: a process that kept the hook reads it again, `receive`)."""
    row = get(db, webhook_id, user_id=user_id)
    if change.template is not None:
        row.template = templates.check(change.template)
    if change.allowed_ips is not None:
        ips = check_ips(change.allowed_ips)
        if row.auth == "token" and not ips:
            raise InvalidField("allowed_ips", "a token hook needs the addresses its sender uses")
        row.allowed_ips = ips
    if change.name is not None:
        row.name = change.name
    if change.enabled is not None:
        row.enabled = change.enabled
    if change.max_per_minute is not None:
        row.max_per_minute = change.max_per_minute
    row.version += 1
    db.commit()
    return row


def rotate(db: Session, webhook_id: int, *, vault: Vault, user_id: int) -> Created:
    """A signed hook's new secret, shown this once (commits; a new version): the old one
    is refused from the next request on, by every process. 409 for a token hook."""
    row = get(db, webhook_id, user_id=user_id)
    if row.auth != "hmac":
        raise Conflict("only a signed hook has a secret to rotate")
    secret = new_secret(SECRET_PREFIX, 32)
    row.secret = vault.encrypt(secret)
    row.version += 1
    db.commit()
    return Created(row, secret)


def delete(db: Session, webhook_id: int, *, user_id: int) -> str:
    """Delete a hook and its log (commits); its URL's id."""
    row = get(db, webhook_id, user_id=user_id)
    hook_id = row.hook_id
    db.delete(row)
    db.commit()
    return hook_id


def deliveries(
    db: Session, webhook_id: int, *, user_id: int, limit: int, offset: int
) -> list[WebhookDelivery]:
    """What one of the user's hooks received, newest first."""
    get(db, webhook_id, user_id=user_id)
    query = (
        owned(WebhookDelivery, user_id=user_id)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
    )
    return list(db.scalars(query.limit(limit).offset(offset)))
