"""Order owners' policies: one per kind (`domain.owners.OwnerKind`), in one registry.

An order's owner (`domain.owners.Owner`, stored on the order) is the key every question
about it used to answer with a table of its own in another package. Its policy answers:

- `book`: the book its money is in (`domain.books`: a portfolio's, a run's, the manual
  book, a live broker account's);
- `scope`: whose risk rules apply to it beside the account's (`services.risk`);
- `locks`: the named locks its followers write under, taken by the OMS before the user's
  ledger lock (`emitter.hold_owners`), as the ledger's own writers do;
- `tells`: whether the bell tells an event of its order (`services.notifications.orders`),
  or the owner tells it its own way (a run's timeline, a portfolio's position notice);
- following its events: `OrderEvents.follow` hands an event to the followers of its owner's
  kind only, so no follower filters every order's events.

The policy lives in the owning subsystem's package (``services/<it>/owner.py``, listed by
`services.order_owners`); the OMS holds the registry and the desk's policy (`DeskPolicy`),
which every kind starts from. ``docs/architecture.md`` ("Adding an order owner") has the
template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, Protocol

from sqlalchemy.orm import Session

from tradertape.domain import books
from tradertape.domain.owners import BOOK_KINDS, Owner, OwnerKind, placer_of
from tradertape.oms.events import GttTriggered, OmsEvent, OrderFilled, OrderRejected

#: The source of an order the user placed themselves: answered with what it did at once.
BY_HAND = "api"


class OwnerPolicy(Protocol):
    """What the house needs to know of one kind of order owner (see the module)."""

    @property
    def kind(self) -> OwnerKind:
        """The kind it answers for."""
        ...

    def book(self, broker: str, owner: Owner) -> str:
        """The book an order of `owner` at `broker` is in."""
        ...

    def scope(self, owner: Owner) -> Owner | None:
        """Whose risk rules apply beside the account's (None: the account's alone)."""
        ...

    def locks(self, db: Session, owners: Sequence[Owner]) -> Iterable[str]:
        """The named locks the followers of these owners' orders write under."""
        ...

    def tells(self, event: OmsEvent, *, placed_now: bool) -> bool:
        """Whether the bell tells `event` (`placed_now`: its order was accepted in the same
        change, so its placer was answered with it)."""
        ...


class DeskPolicy:
    """The desk's answers, which every kind starts from: the manual (or live) book, the
    account's rules, no lock, and the bell tells a fill (but of an order placed by hand
    that filled as it was placed: its answer said so), a refusal that came after the
    placer was answered (a live broker's), and a GTT fired."""

    kind: ClassVar[OwnerKind] = OwnerKind.MANUAL

    def book(self, broker: str, owner: Owner) -> str:
        return books.book_of(broker, owner)

    def scope(self, owner: Owner) -> Owner | None:
        return owner if owner.kind in BOOK_KINDS and owner.id is not None else None

    def locks(self, db: Session, owners: Sequence[Owner]) -> Iterable[str]:
        return ()

    def tells(self, event: OmsEvent, *, placed_now: bool) -> bool:
        if isinstance(event, GttTriggered):
            return True
        if isinstance(event, OrderFilled):
            return not (placed_now and event.source == BY_HAND)
        if isinstance(event, OrderRejected):
            from tradertape.oms.orders import OrderPipeline  # noqa: PLC0415  (it imports this)

            return not OrderPipeline.traits_of(event.broker).answers_at_once
        return False


class CallerTells(DeskPolicy):
    """An owner that tells the outcome with a notice of its own (an alert's, a webhook's,
    an MTM exit's, reconciliation's drift): the bell tells none of its orders' events."""

    def tells(self, event: OmsEvent, *, placed_now: bool) -> bool:
        return False


class AdoptedPolicy(CallerTells):
    """An order placed at the broker outside TraderTape, adopted by reconciliation: its
    ``drift`` notice tells it (`oms.live.reconcile`)."""

    kind: ClassVar[OwnerKind] = OwnerKind.EXTERNAL


_DESK = DeskPolicy()
_POLICIES: dict[OwnerKind, OwnerPolicy] = {
    OwnerKind.MANUAL: _DESK,
    OwnerKind.EXTERNAL: AdoptedPolicy(),
}


def register(policy: OwnerPolicy) -> None:
    """Make `policy` the one of its kind (a kind's package registers it once; again, the
    same policy class, replaces it)."""
    _POLICIES[policy.kind] = policy


def policy_of(kind: OwnerKind) -> OwnerPolicy:
    """The policy of `kind`: the registered one, else the desk's."""
    return _POLICIES.get(kind, _DESK)


def registered() -> dict[OwnerKind, OwnerPolicy]:
    """Every kind's registered policy."""
    return dict(_POLICIES)


def any_locks() -> bool:
    """Whether a registered policy names locks (else no owner need be read to hold them)."""
    return any(type(p).locks is not DeskPolicy.locks for p in _POLICIES.values())


def owner_book(broker: str, owner: Owner) -> str:
    """The book an order of `owner` at `broker` is in (its policy's answer)."""
    return policy_of(owner.kind).book(broker, owner)


def own_book(broker: str, owner: Owner) -> str:
    """The finest book an order of `owner` at `broker` is in: its owner's part of a live
    book, else its book (`domain.books.own_book`)."""
    book = owner_book(broker, owner)
    return books.part_of(book, owner) or book


def risk_scope(owner: Owner) -> Owner | None:
    """Whose risk rules apply to an order of `owner` beside the account's (its policy's)."""
    return policy_of(owner.kind).scope(owner)


def tells(event: OmsEvent, *, placed_now: bool = False) -> bool:
    """Whether the bell tells `event`: both the order's owner and the caller that placed
    it (`domain.owners.placer_of`: an MTM exit of a run's position) leave it to the bell.
    Only a fill, a refusal or a fired trigger is ever told (most events are neither: their
    owner is not read)."""
    if not isinstance(event, GttTriggered | OrderFilled | OrderRejected):
        return False
    owner = event.owner
    if not policy_of(owner.kind).tells(event, placed_now=placed_now):
        return False
    if isinstance(event, GttTriggered):
        return True
    placer = placer_of(event.source, event.attribution)
    return placer == owner or policy_of(placer.kind).tells(event, placed_now=placed_now)


def owner_locks(db: Session, owners: Iterable[Owner]) -> set[str]:
    """The locks of these owners' policies, by kind (one call a kind)."""
    by_kind: dict[OwnerKind, list[Owner]] = {}
    for owner in owners:
        if owner.kind is not OwnerKind.MANUAL:
            by_kind.setdefault(owner.kind, []).append(owner)
    return {name for kind, found in by_kind.items() for name in policy_of(kind).locks(db, found)}
