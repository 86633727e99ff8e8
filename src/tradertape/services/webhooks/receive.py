"""A request to ``/api/hooks/{hook_id}``: checked, logged, mapped and placed.

In order: the hook (404 when unknown or switched off, nothing logged: there is no owner to
log it for), the sender's proof (a signature: 401 when missing, stale by more than 5
minutes or wrong, 409 when its signature was accepted before; a token: 401 when wrong, 403
from an address not allowed), then the hook's rate (429), the body through the template
(422 naming the field), then each order through the one pipeline. The proof comes before
the rate, so strangers' wrong requests cannot use up the owner's; they are limited apart,
per address (`WRONG_PROOFS_PER_MINUTE`). Every outcome past the hook's lookup but a 429 is
written to its log; a refusal places nothing.

A request pays no transaction for its rate (the windows are in memory, or in Redis when
processes share them: `ratelimit.AttemptWindows`), no decryption or key set-up for its
proof (each hook's secret is decrypted and keyed once, `HookKeys`), no read for its hook
(kept by the process, `known.KnownHooks`, and checked by the claim: a hook changed since
it was kept is read again and the request judged by it) and no reading of its template
(kept with the hook, `templates.Mapping`: only the body's paths are resolved). Its
statements skip the ORM's query machinery (`db.prepared`): a signed request claims its
delivery with ``INSERT … SELECT … WHERE`` the hook is unchanged ``ON CONFLICT DO
NOTHING`` (a repeat finds the claim taken: no read first), and only a token request, whose
id is held over two windows, reads for an earlier delivery before it claims. A signed
paper order then costs its order's statements, its claim, its outcome and its notice, in
one commit (issue 69).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tradertape.db.models import WebhookDelivery
from tradertape.db.models.trading import Order
from tradertape.db.prepared import Prepared
from tradertape.db.rows import fresh, table_of, value_keys
from tradertape.domain.order_state import OrderStatus
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
from tradertape.services.accounts.ratelimit import AttemptWindows
from tradertape.services.notifications.events import Kind, add_now
from tradertape.services.term_orders import TermsPlacer
from tradertape.services.webhooks import known, placing, signing, templates
from tradertape.services.webhooks.known import KnownHook, KnownHooks


@dataclass(frozen=True, slots=True)
class Request:
    """What the route read off the request."""

    hook_id: str
    body: bytes
    ip: str | None
    timestamp: str | None
    signature: str | None
    token: str | None
    idempotency_key: str | None = None
    #: The body's JSON as the server's size limits parsed these very bytes (True and the
    #: value: `serving.limits.parsed`), so it is not parsed twice; (False, None) otherwise.
    parsed: tuple[bool, Any] = (False, None)


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
    replayed: bool = False  # a retry: the first delivery's result, nothing placed now


def _delivery_values(
    hook: KnownHook, request: Request, *, now: Any, status: int, detail: str | None
) -> dict[str, Any]:
    """The column values of one request's log row."""
    return {
        **_NO_DELIVERY,
        "user_id": hook.user_id,
        "webhook_id": hook.id,
        "received_at": now,
        "ip": request.ip,
        "outcome": "refused" if status >= 400 else "placed",
        "status_code": status,
        "detail": detail[:400] if detail else None,
        "order_ids": [],
        "replay_key": None,
    }


def _log(
    db: Session, hook: KnownHook, request: Request, *, now: Any, status: int, detail: str | None
) -> WebhookDelivery:
    row = fresh(
        WebhookDelivery, _delivery_values(hook, request, now=now, status=status, detail=detail)
    )
    db.add(row)
    return row


@dataclass(slots=True)
class _Claimed:
    """An accepted request's log row as claimed: held by no session (adding it to the
    session's identity map cost a third of the claim, a mapped object for its values
    another fifth), its outcome written by precompiled SQL (`_finish`)."""

    id: int
    replay_key: str
    outcome: str = "placed"


_DELIVERIES = table_of(WebhookDelivery)
_REJECTED = OrderStatus.REJECTED.value  # a stored status, read once (an enum property a call)
_NO_DELIVERY = dict.fromkeys(value_keys(WebhookDelivery))  # a column not given is NULL
_CLAIM = {dialect: known.claim_statement(dialect) for dialect in ("sqlite", "postgresql")}


_DELIVERED = Prepared(
    update(_DELIVERIES).where(_DELIVERIES.c.id == bindparam("delivery_pk")),
    keys=("order_ids", "outcome", "detail"),
)


def _claim(
    db: Session, hook: KnownHook, request: Request, key: str, *, now: datetime
) -> _Claimed | None:
    """Log an accepted request holding its delivery id `key` (not committed: the order's
    commit stores it); None when an earlier delivery holds it, or when the hook's row no
    longer holds `hook` (changed, switched off or deleted since it was read). A racing
    retry waits on the claim's unique key, then finds it taken."""
    # It holds `key`, and is made only while the hook's row holds `hook` (`claim_statement`).
    values = {  # the rest of its row is `known.CLAIMED`, bound in the statement
        "user_id": hook.user_id,
        "webhook_id": hook.id,
        "received_at": now,
        "ip": request.ip,
        "replay_key": key,
        "hook_pk": hook.id,
        "hook_key": hook.hook_id,
        "hook_version": hook.version,
    }
    pk = _CLAIM[db.get_bind().dialect.name].scalar(db, values)
    return None if pk is None else _Claimed(pk, key)


def _allowed(ip: str | None, networks: list[str]) -> bool:
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)


class _Signed(Protocol):
    """A signed hook's row, as far as its key goes."""

    @property
    def id(self) -> int: ...

    @property
    def secret(self) -> str | None: ...


class HookKeys:
    """Each signed hook's secret, decrypted once and kept by the hook and the stored
    ciphertext it came from, with its HMAC key set up (`signing.key`): a secret changed (a
    new ciphertext) is decrypted afresh, and the old one never answers for it again."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        # hook's row → (ciphertext, secret, its key)
        self._plain: dict[int, tuple[str, str, hmac.HMAC]] = {}
        self._guard = threading.Lock()  # request threads share the keys

    def secret(self, hook: _Signed) -> str:
        """`hook`'s secret (a signed hook's)."""
        return self._kept(hook)[1]

    def key(self, hook: _Signed) -> hmac.HMAC:
        """`hook`'s secret as an HMAC key, to sign on a copy of (`signing.signature`)."""
        kept = self._plain.get(hook.id)  # as `_kept`, inline: every signed request asks
        if kept is not None and kept[0] == hook.secret:
            return kept[2]
        return self._kept(hook)[2]

    def _kept(self, hook: _Signed) -> tuple[str, str, hmac.HMAC]:
        stored = hook.secret
        assert stored is not None
        # One dict read, atomic under the GIL (a write swaps the whole triple): no lock taken.
        kept = self._plain.get(hook.id)
        if kept is not None and kept[0] == stored:
            return kept
        plain = self._vault.decrypt(stored)
        kept = (stored, plain, signing.key(plain))
        with self._guard:
            self._plain[hook.id] = kept
        return kept


def _prove(hook: KnownHook, request: Request, keys: HookKeys, now: datetime) -> str | None:
    """The signature hex to claim against replays (None: a token hook); `now`: the
    request's moment, as its receipt is logged."""
    if hook.auth == "hmac":
        return signing.verify(
            keys.key(hook),
            timestamp=request.timestamp,
            signed=request.signature,
            body=request.body,
            now=now,
        )
    if not request.token or not digests_equal(sha256_hex(request.token), hook.token_digest or ""):
        raise Unauthenticated("X-TraderTape-Token is missing or wrong")
    if not _allowed(request.ip, list(hook.allowed_ips)):
        raise Forbidden(f"requests from {request.ip} are not allowed on this hook")
    return None


#: A sender's alert is a few hundred bytes; the signature is checked over the raw bytes
#: before this, so only a hook's owner (or its token's holder) can send this much.
MAX_BODY_BYTES = 64 * 1024


def _body(raw: bytes, parsed: tuple[bool, Any] = (False, None)) -> dict[str, Any]:
    """The request's JSON object, read within bounds whatever its Content-Type said (`parsed`:
    the JSON of `raw` already read, `Request.parsed`)."""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidField("body", f"at most {MAX_BODY_BYTES // 1024} KB of JSON")
    known, body = parsed
    if not known:
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: too deep
            raise InvalidField("body", "must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidField("body", "must be a JSON object")
    return body


WRONG_PROOFS_PER_MINUTE = 10
"""Wrong signatures or tokens one address may send a hook a minute before a 429 (unlogged,
as a flood would be); counted apart from the hook's own rate."""


_MINUTE = timedelta(minutes=1)


def _limit(limits: AttemptWindows, bucket: str, per_minute: int) -> None:
    """One attempt in `bucket`; 429 past `per_minute` (not logged: a flood would fill it)."""
    limits.hit(bucket, limit=per_minute, window=_MINUTE)


def _refuse(
    db: Session, hook: KnownHook, request: Request, *, now: Any, refusal: TraderTapeError
) -> NoReturn:
    """Log the refusal in the hook's deliveries (committed), then raise it."""
    db.rollback()
    _log(db, hook, request, now=now, status=refusal.status_code, detail=refusal.detail)
    db.commit()
    raise refusal


REPEAT_WINDOW = signing.MAX_SKEW
"""How long a token request's delivery id holds: a retry within it places nothing; the same
body after it is a new delivery (a sender may repeat an alert on purpose). A signed request
is held by its timestamp to the same 5 minutes either way of our clock."""

MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True, slots=True)
class DeliveryId:
    """What an accepted request claims on its log row (`key`), and the keys an earlier
    delivery of the same request would hold (`held`), received `since` (None: ever)."""

    key: str
    held: tuple[str, ...]
    since: datetime | None


def delivery_id(request: Request, signed: str | None, now: datetime) -> DeliveryId:
    """The request's delivery id: its signature (`signed`, held for ever: a signature is
    good only within its timestamp's skew, `signing.MAX_SKEW`), else its
    ``Idempotency-Key`` or the SHA-256 of its body, within `REPEAT_WINDOW`.

    A windowed id is claimed as the digest of the id and the window it fell in; an earlier
    delivery in this window or the one before it, and received within `REPEAT_WINDOW`,
    holds the same request. 422 naming ``Idempotency-Key`` when it is not 1 to 200
    visible ASCII characters."""
    if signed is not None:
        return DeliveryId(signed, (signed,), None)
    given = request.idempotency_key
    if given is not None:
        if not 0 < len(given) <= MAX_IDEMPOTENCY_KEY or not all(" " < c < "\x7f" for c in given):
            raise InvalidField(
                "Idempotency-Key", f"1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters, no spaces"
            )
        material = "key:" + given
    else:
        material = "body:" + hashlib.sha256(request.body).hexdigest()
    window = int(now.timestamp() // REPEAT_WINDOW.total_seconds())
    here, before = (sha256_hex(f"{w}:{material}") for w in (window, window - 1))
    return DeliveryId(here, (here, before), now - REPEAT_WINDOW)


def _first(db: Session, hook: KnownHook, wanted: DeliveryId) -> WebhookDelivery | None:
    """The accepted delivery that holds the request's id, if any."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == hook.id, WebhookDelivery.replay_key.in_(wanted.held)
    )
    if wanted.since is not None:
        query = query.where(WebhookDelivery.received_at >= wanted.since)
    return db.scalars(query.order_by(WebhookDelivery.id).limit(1)).first()


def _retry(
    db: Session, hook: KnownHook, request: Request, first: WebhookDelivery, *, now: datetime
) -> Received:
    """A retry of `first`: logged (committed), placing nothing, answered with its result
    (its orders as they stand; an order the pipeline refused outright has no row and is
    named in the first delivery's ``detail``)."""
    rows = db.scalars(
        select(Order).where(Order.user_id == hook.user_id, Order.order_id.in_(first.order_ids))
    ).all()
    by_id = {row.order_id: row for row in rows}
    placed = [
        PlacedOrder(
            f"{row.exchange}:{row.tradingsymbol}",
            "rejected" if row.status == "REJECTED" else "placed",
            row.order_id,
            row.status_message or None,
        )
        for order_id in first.order_ids
        if (row := by_id.get(order_id)) is not None
    ]
    answer = Received(first.id, first.outcome, placed, replayed=True)
    retry = _log(db, hook, request, now=now, status=200, detail=f"a retry of delivery {first.id}")
    retry.outcome = "replayed"
    db.commit()
    return answer


def _finish(
    db: Session,
    hook: KnownHook,
    delivery: _Claimed,
    placed: list[PlacedOrder],
    *,
    now: datetime,
) -> None:
    """Write what the delivery placed on its log row, and tell its owner (not committed;
    by precompiled SQL)."""
    if len(placed) == 1:  # a webhook's usual request, worked out without the walks below
        (one,) = placed
        order_ids = [one.order_id] if one.order_id else []
        outcome = "placed" if order_ids and one.outcome == "placed" else "rejected"
        detail = f"{one.symbol}: {one.message}"[:400] if one.message else None
        lines = f"{one.symbol} {one.outcome}"
    else:
        order_ids = [p.order_id for p in placed if p.order_id]
        outcomes = {p.outcome for p in placed}
        outcome = "placed" if outcomes == {"placed"} else "partial"
        if not order_ids or outcomes.isdisjoint({"placed"}):
            outcome = "rejected"
        detail = "; ".join(f"{p.symbol}: {p.message}" for p in placed if p.message)[:400] or None
        lines = ", ".join(f"{p.symbol} {p.outcome}" for p in placed)
    _DELIVERED.execute(
        db,
        {"delivery_pk": delivery.id, "order_ids": order_ids, "outcome": outcome, "detail": detail},
    )
    delivery.outcome = outcome
    add_now(
        db,
        user_id=hook.user_id,
        kind=Kind.WEBHOOK,
        text=f"🪝 {hook.name}: {lines}",
        at=now,
        payload={"webhook_id": hook.id, "delivery_id": delivery.id},
    )


@dataclass(frozen=True, slots=True)
class _JudgeAgain:
    """A request the hook as kept does not place: judged on the hook read afresh, already
    counted in its rate or not."""

    counted: bool


_COUNTED, _NOT_COUNTED = _JudgeAgain(counted=True), _JudgeAgain(counted=False)


@dataclass(frozen=True, slots=True)
class HookReceiver:
    """What receiving needs: the hooks' secrets, the clock, the order placer, the rate
    windows and the hooks read so far (one receiver per process: `Runtime.webhooks`)."""

    keys: HookKeys
    clock: Clock
    placer: TermsPlacer  # the one-order placer alerts and webhooks share
    limits: AttemptWindows
    known: KnownHooks = field(default_factory=KnownHooks)

    def receive(self, db: Session, request: Request) -> Received:
        """Check, log and place one request (commits); a refusal raises after it is logged.

        A kept hook answers only a request it places (its claim checks the hook is as
        kept); anything else, a refusal or a retry, is judged on the hook read now."""
        kept = self.known.get(request.hook_id)
        counted = False
        if kept is not None:
            received = self._placed_as_kept(db, kept, request)
            if isinstance(received, Received):
                return received
            counted = received.counted
            db.rollback()  # nothing was written: the claim was not made
            self.known.forget(request.hook_id)
        hook = known.read(db, request.hook_id)
        if hook is None or not hook.enabled:
            raise NotFound("no such webhook")
        self.known.keep(hook)
        return self._judge(db, hook, request, counted=counted)

    def _placed_as_kept(
        self, db: Session, hook: KnownHook, request: Request
    ) -> Received | _JudgeAgain:
        """The request placed on the hook as this process last read it; else, having
        written nothing, `_JudgeAgain` on the hook read afresh (a refusal, a retry, or the
        hook changed since)."""
        now = self.clock.now()
        try:
            replay_key = _prove(hook, request, self.keys, now)
            self.limits.hit(f"hook:{hook.id}", limit=hook.max_per_minute, window=_MINUTE)
        except TraderTapeError:
            return _NOT_COUNTED
        try:
            wanted = delivery_id(request, replay_key, now)
            asked = self._asked(hook, request)
        except TraderTapeError:
            return _COUNTED
        if wanted.since is not None and _first(db, hook, wanted) is not None:
            return _COUNTED
        delivery = _claim(db, hook, request, wanted.key, now=now)
        if delivery is None:
            return _COUNTED
        placed, delivery = self._place(db, hook, request, delivery, asked, now=now)
        return Received(delivery.id, delivery.outcome, placed)

    def _judge(self, db: Session, hook: KnownHook, request: Request, *, counted: bool) -> Received:
        """`receive` on the hook as the database holds it; `counted`: the request is in the
        hook's rate already (judged first on the hook as kept: counted once)."""
        now = self.clock.now()
        try:
            replay_key = _prove(hook, request, self.keys, now)
        except TraderTapeError as exc:
            # A wrong proof is charged to its sender's address, never to the hook's rate: a
            # stranger's flood cannot use up what the owner's own requests are allowed.
            _limit(self.limits, f"hook:{hook.id}:proof:{request.ip}", WRONG_PROOFS_PER_MINUTE)
            _refuse(db, hook, request, now=now, refusal=exc)
        if not counted:
            _limit(self.limits, f"hook:{hook.id}", hook.max_per_minute)
        try:
            wanted = delivery_id(request, replay_key, now)
        except TraderTapeError as exc:
            _refuse(db, hook, request, now=now, refusal=exc)
        if wanted.since is not None:  # a token request's id is held over two windows
            first = _first(db, hook, wanted)
            if first is not None:
                return _retry(db, hook, request, first, now=now)
        try:
            asked = self._asked(hook, request)
        except TraderTapeError as exc:
            # A signed retry is answered as its first delivery, whatever the template says now.
            first = _first(db, hook, wanted) if wanted.since is None else None
            if first is not None:
                return _retry(db, hook, request, first, now=now)
            _refuse(db, hook, request, now=now, refusal=exc)
        # Claims the delivery id, committed with the order it places: one commit a request.
        delivery = _claim(db, hook, request, wanted.key, now=now)
        if delivery is None:  # a retry (of a signed request), or one that raced this one
            first = _first(db, hook, wanted)
            if first is None:  # the hook changed since it was read, within this request
                raise Conflict("this webhook changed while the request was read; send it again")
            return _retry(db, hook, request, first, now=now)
        placed, delivery = self._place(db, hook, request, delivery, asked, now=now)
        return Received(delivery.id, delivery.outcome, placed)

    def _asked(self, hook: KnownHook, request: Request) -> list[templates.HookOrder]:
        """The orders the request's body asks for, mapped by the hook's template (422
        naming the field)."""
        return hook.mapping.orders(
            _body(request.body, request.parsed),
            quotes=self.placer.quotes,
            mode=hook.mode,
            broker=hook.broker,
        )

    def _place(
        self,
        db: Session,
        hook: KnownHook,
        request: Request,
        delivery: _Claimed,
        asked: list[templates.HookOrder],
        *,
        now: datetime,
    ) -> tuple[list[PlacedOrder], _Claimed]:
        """Place each asked order, then write the outcome on the delivery (committed);
        what was placed, and the delivery as it now stands.

        The delivery's claim is flushed, not committed: the first order's commit stores
        it. One paper order writes the outcome in the order's own transaction (its state
        is final when it is recorded): the request then commits once. A live order's
        state is its broker's answer, after it is recorded, and several orders are told
        together: finished after them. A refusal rolls back what it has not committed,
        the claim too when no order stored it: the delivery is logged again then."""
        if len(asked) == 1 and self.placer.answers_at_once(asked[0].terms):
            return self._place_at_once(db, hook, request, delivery, asked[0], now=now)
        placed: list[PlacedOrder] = []
        claim = delivery.replay_key
        stored = False  # committed with an order

        def claimed() -> _Claimed:
            nonlocal delivery
            if placed and placed[-1].outcome == "refused" and not stored:
                # A refusal rolled the claim back before an order stored it: claimed again.
                again = _claim(db, hook, request, claim, now=now)
                if again is None:  # pragma: no cover - a retry waits on the claim's key
                    raise Conflict("this request was received before")
                delivery = again
            return delivery

        for item in asked:
            result = placing.place(self.placer, db, hook, item, delivery_id=claimed().id)
            placed.append(PlacedOrder(item.key, result.outcome, result.order_id, result.message))
            stored = stored or result.outcome != "refused"
        _finish(db, hook, claimed(), placed, now=now)
        db.commit()
        return placed, delivery

    def _place_at_once(
        self,
        db: Session,
        hook: KnownHook,
        request: Request,
        delivery: _Claimed,
        item: templates.HookOrder,
        *,
        now: datetime,
    ) -> tuple[list[PlacedOrder], _Claimed]:
        """`_place` of one order its venue answers in the caller's transaction (a paper
        order): the outcome and the notice are written in the order's own transaction, so
        the request commits once; apart from `_place`'s walk over many orders (no closures
        made for it, issue 69)."""
        finished = False

        def on_record(session: Session, order: Order) -> None:
            nonlocal finished
            outcome = "rejected" if order.status == _REJECTED else "placed"
            done = PlacedOrder(item.key, outcome, order.order_id, order.status_message or None)
            _finish(session, hook, delivery, [done], now=now)
            finished = True

        result = placing.place(
            self.placer, db, hook, item, delivery_id=delivery.id, on_record=on_record
        )
        placed = [PlacedOrder(item.key, result.outcome, result.order_id, result.message)]
        if result.outcome == "refused":
            # The refusal rolled the claim back (no order stored it): claimed again.
            again = _claim(db, hook, request, delivery.replay_key, now=now)
            if again is None:  # pragma: no cover - a retry waits on the claim's key
                raise Conflict("this request was received before")
            delivery = again
        elif finished:
            return placed, delivery
        _finish(db, hook, delivery, placed, now=now)
        db.commit()
        return placed, delivery
