"""A request to ``/api/hooks/{hook_id}``: checked, logged, mapped and placed.

In order: the hook (404 when unknown or switched off, nothing logged: there is no owner to
log it for), the sender's proof (a signature: 401 when missing, stale by more than 5
minutes or wrong, 409 when its signature was accepted before; a token: 401 when wrong, 403
from an address not allowed), then the hook's rate (429), the body through the template
(422 naming the field), then each order through the one pipeline. The proof comes before
the rate, so strangers' wrong requests cannot use up the owner's; they are limited apart,
per address (`WRONG_PROOFS_PER_MINUTE`). Every outcome past the hook's lookup but a 429 is
written to its log; a refusal places nothing.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.models import Webhook, WebhookDelivery
from tradertape.errors import (
    Conflict,
    Forbidden,
    InvalidField,
    NotFound,
    TraderTapeError,
    Unauthenticated,
)
from tradertape.ports.clock import Clock
from tradertape.security.tokens import digests_equal, sha256_hex
from tradertape.security.vault import Vault
from tradertape.services.accounts.ratelimit import RateLimiter
from tradertape.services.alerts.placing import Placer
from tradertape.services.notifications.events import Kind, add
from tradertape.services.webhooks import signing, templates


@dataclass(frozen=True, slots=True)
class Request:
    """What the route read off the request."""

    hook_id: str
    body: bytes
    ip: str | None
    timestamp: str | None
    signature: str | None
    token: str | None


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """One order the request placed (or that the pipeline refused)."""

    symbol: str
    outcome: str  # placed | rejected | refused
    order_id: str | None
    message: str | None


@dataclass(slots=True)
class Received:
    """The logged delivery and its orders."""

    delivery_id: int
    outcome: str
    orders: list[PlacedOrder] = field(default_factory=list)


def _log(
    db: Session, hook: Webhook, request: Request, *, now: Any, status: int, detail: str | None
) -> WebhookDelivery:
    row = WebhookDelivery(
        user_id=hook.user_id,
        webhook_id=hook.id,
        received_at=now,
        ip=request.ip,
        outcome="refused" if status >= 400 else "placed",
        status_code=status,
        detail=detail[:400] if detail else None,
        order_ids=[],
    )
    db.add(row)
    return row


def _allowed(ip: str | None, networks: list[str]) -> bool:
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)


def _prove(hook: Webhook, request: Request, vault: Vault, clock: Clock) -> str | None:
    """The signature hex to claim against replays (None: a token hook)."""
    if hook.auth == "hmac":
        assert hook.secret is not None
        secret = vault.decrypt(hook.secret)
        return signing.verify(
            secret,
            timestamp=request.timestamp,
            signed=request.signature,
            body=request.body,
            now=clock.now(),
        )
    if not request.token or not digests_equal(sha256_hex(request.token), hook.token_digest or ""):
        raise Unauthenticated("X-TraderTape-Token is missing or wrong")
    if not _allowed(request.ip, list(hook.allowed_ips)):
        raise Forbidden(f"requests from {request.ip} are not allowed on this hook")
    return None


#: A sender's alert is a few hundred bytes; the signature is checked over the raw bytes
#: before this, so only a hook's owner (or its token's holder) can send this much.
MAX_BODY_BYTES = 64 * 1024


def _body(raw: bytes) -> dict[str, Any]:
    """The request's JSON object, read within bounds whatever its Content-Type said."""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidField("body", f"at most {MAX_BODY_BYTES // 1024} KB of JSON")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise InvalidField("body", "must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidField("body", "must be a JSON object")
    return body


WRONG_PROOFS_PER_MINUTE = 10
"""Wrong signatures or tokens one address may send a hook a minute before a 429 (unlogged,
as a flood would be); counted apart from the hook's own rate."""


def _limit(db: Session, clock: Clock, bucket: str, per_minute: int) -> None:
    """One attempt in `bucket`; 429 past `per_minute` (not logged: a flood would fill it)."""
    RateLimiter(clock=clock, limit=per_minute, window=timedelta(minutes=1)).hit(db, [bucket])


def _refuse(
    db: Session, hook: Webhook, request: Request, *, now: Any, refusal: TraderTapeError
) -> NoReturn:
    """Log the refusal in the hook's deliveries (committed), then raise it."""
    db.rollback()
    _log(db, hook, request, now=now, status=refusal.status_code, detail=refusal.detail)
    db.commit()
    raise refusal


@dataclass(frozen=True, slots=True)
class HookReceiver:
    """What receiving needs: the vault, the clock and the order placer."""

    vault: Vault
    clock: Clock
    placer: Placer

    def receive(self, db: Session, request: Request) -> Received:
        """Check, log and place one request (commits); a refusal raises after it is logged."""
        hook = db.scalar(select(Webhook).where(Webhook.hook_id == request.hook_id))
        if hook is None or not hook.enabled:
            raise NotFound("no such webhook")
        now = self.clock.now()
        try:
            replay_key = _prove(hook, request, self.vault, self.clock)
        except TraderTapeError as exc:
            # A wrong proof is charged to its sender's address, never to the hook's rate: a
            # stranger's flood cannot use up what the owner's own requests are allowed.
            _limit(db, self.clock, f"hook:{hook.id}:proof:{request.ip}", WRONG_PROOFS_PER_MINUTE)
            _refuse(db, hook, request, now=now, refusal=exc)
        _limit(db, self.clock, f"hook:{hook.id}", hook.max_per_minute)
        try:
            body = _body(request.body)
            wanted = templates.orders(
                dict(hook.template),
                body,
                quotes=self.placer.quotes,
                mode=hook.mode,
                broker=hook.broker,
            )
        except TraderTapeError as exc:
            _refuse(db, hook, request, now=now, refusal=exc)
        delivery = _log(db, hook, request, now=now, status=200, detail=None)
        delivery.replay_key = replay_key
        try:
            db.commit()  # claims the signature: a replay finds it taken
        except IntegrityError:
            db.rollback()
            _log(db, hook, request, now=now, status=409, detail="replayed request")
            db.commit()
            raise Conflict("this signed request was received before (a replay)") from None
        placed: list[PlacedOrder] = []
        for item in wanted:
            result = self.placer.place(
                db,
                user_id=hook.user_id,
                key=item.key,
                terms=item.terms,
                client_key=None,
                source="webhook",
                attribution={"webhook_id": hook.id, "delivery_id": delivery.id},
            )
            placed.append(PlacedOrder(item.key, result.outcome, result.order_id, result.message))
        delivery = db.get(WebhookDelivery, delivery.id) or delivery
        delivery.order_ids = [p.order_id for p in placed if p.order_id]
        outcomes = {p.outcome for p in placed}
        delivery.outcome = "placed" if outcomes == {"placed"} else "partial"
        if not delivery.order_ids or outcomes.isdisjoint({"placed"}):
            delivery.outcome = "rejected"
        delivery.detail = (
            "; ".join(f"{p.symbol}: {p.message}" for p in placed if p.message)[:400] or None
        )
        lines = ", ".join(f"{p.symbol} {p.outcome}" for p in placed)
        add(
            db,
            user_id=hook.user_id,
            kind=Kind.WEBHOOK,
            text=f"🪝 {hook.name}: {lines}",
            at=now,
            payload={"webhook_id": hook.id, "delivery_id": delivery.id},
        )
        db.commit()
        return Received(delivery.id, delivery.outcome, placed)
