"""Who an order belongs to: a typed owner, `Owner(kind, id)`, stored on every order.

Nine subsystems place and follow orders. Each used to say who it was with string keys in
the order's ``attribution`` and its ``source``, and each other package (books, risk, locks,
notices) read those keys again. The owner is that answer, read once: the order's
``owner_kind`` and ``owner_id`` columns (migration 0077), on every OMS event (`owner`), and
the key of the owner's policy (`oms.owners`), which answers its book, risk scope, lock,
whether the bell tells its events, and follows its events.

The owner is whose the order is: a model portfolio's or a worker run's order (its stop,
its MTM exit, its GTT's order too) is the portfolio's or the run's, since its money is in
that book; else the caller that placed it (an alert, a webhook, an MTM exit of the
account, a basket, the assistant, reconciliation adopting a broker's order), else the
desk's (`MANUAL`). `owner_from` is that rule over the tags an order was placed with; it is
applied once, when the order is recorded (and by the migration to the rows before it).
The ``attribution`` stays as it was: published answers (the worker API, the SDK) show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from tradertape.domain.enum_members import members_of
from tradertape.domain.values import value_class


class OwnerKind(StrEnum):
    """The kinds of order owner: each has one policy (`oms.owners`)."""

    MANUAL = "manual"  # the desk: the order ticket, the Kite-compatible API, a manual GTT
    WORKER_RUN = "worker_run"  # a worker run's intents, exits and GTTs
    OPTION_RUN = "option_run"  # an option run's legs (a worker run with an option plan)
    PORTFOLIO = "portfolio"  # a model portfolio's signals, stops and agent fills
    ALERT = "alert"  # an alert's order or basket
    WEBHOOK = "webhook"  # a webhook delivery's orders
    BASKET = "basket"  # a basket placed from the option chain
    MTM_EXIT = "mtm_exit"  # an MTM rule's exit of the account's (or a live book's) positions
    ASSISTANT = "assistant"  # an assistant key's confirmed order
    EXTERNAL = "external"  # a broker order placed outside TraderTape, adopted by reconciliation


#: The kinds whose orders have a book of their own (a paper book; a part of a live one).
BOOK_KINDS = frozenset({OwnerKind.PORTFOLIO, OwnerKind.WORKER_RUN, OwnerKind.OPTION_RUN})


@value_class
class Owner:
    """Whose an order is: its kind and, for a kind with rows, the row's id (the portfolio,
    the worker run, the alert, the webhook, the MTM rule, the assistant key); None for
    the desk, a chain basket and an adopted order."""

    kind: OwnerKind
    id: int | None = None

    @classmethod
    def of(cls, kind: str, owner_id: int | None) -> Owner:
        """The owner stored as (`kind`, `owner_id`) columns."""
        return cls(_OWNER_KIND(kind), owner_id)


MANUAL = Owner(OwnerKind.MANUAL)
_OWNER_KIND = members_of(OwnerKind)  # `OwnerKind(kind)`, as a dict read

# The tags and sources the rule reads (as the placing subsystems write them).
_PORTFOLIO_TAG = "portfolio_id"
_RUN_TAG = "run_pk"
_OPTION_LEG_TAG = "option_leg"  # `services.options.execution.LEG`
_BY_SOURCE = {  # a source that names its placer, and the tag of the placer's row
    "mtm_exit": (OwnerKind.MTM_EXIT, "mtm_rule_id"),
    "alert": (OwnerKind.ALERT, "alert_id"),
    "webhook": (OwnerKind.WEBHOOK, "webhook_id"),
    "external": (OwnerKind.EXTERNAL, None),
}
_BASKET_TAGS = ("chain_basket", "basket_leg")
_ASSISTANT = "assistant:"  # + the key's id (`services.assistant.calls.source_of`)


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def owner_from(source: str | None, attribution: Mapping[str, Any] | None) -> Owner:
    """The owner of an order placed with `source` and `attribution` (see the module)."""
    tags = attribution or {}
    portfolio = _number(tags.get(_PORTFOLIO_TAG))
    if portfolio is not None:
        return Owner(OwnerKind.PORTFOLIO, portfolio)
    run = _number(tags.get(_RUN_TAG))
    if run is not None:
        kind = OwnerKind.OPTION_RUN if _OPTION_LEG_TAG in tags else OwnerKind.WORKER_RUN
        return Owner(kind, run)
    return placer_of(source, tags)


def placer_of(source: str | None, attribution: Mapping[str, Any] | None = None) -> Owner:
    """The caller `source` names as the order's placer, whoever's book the order is in (an
    MTM exit of a run's position is the run's order, placed by the MTM rule)."""
    tags = attribution or {}
    named = _BY_SOURCE.get(source or "")
    if named is not None:
        kind, tag = named
        return Owner(kind, _number(tags.get(tag)) if tag else None)
    if any(tag in tags for tag in _BASKET_TAGS):
        return Owner(OwnerKind.BASKET)
    if source and source.startswith(_ASSISTANT):
        digits = source[len(_ASSISTANT) :]
        return Owner(OwnerKind.ASSISTANT, int(digits) if digits.isdigit() else None)
    return MANUAL


def tags_of(owner: Owner) -> dict[str, int]:
    """The attribution tag an order of a book owner is placed with, which `owner_from` reads
    back as `owner` (a portfolio's or a worker run's; an option run's legs add
    ``option_leg``); nothing for another owner. Placing subsystems write their owner so,
    and no package outside the OMS reads these tags: it reads the order's owner."""
    if owner.id is None:
        return {}
    if owner.kind is OwnerKind.PORTFOLIO:
        return {_PORTFOLIO_TAG: owner.id}
    if owner.kind in (OwnerKind.WORKER_RUN, OwnerKind.OPTION_RUN):
        return {_RUN_TAG: owner.id}
    return {}


def run_owner(run_id: int) -> Owner:
    """A worker run's owner, for reading its book or scope (an option run's legs share it)."""
    return Owner(OwnerKind.WORKER_RUN, run_id)


def portfolio_owner(portfolio_id: int) -> Owner:
    """A model portfolio's owner."""
    return Owner(OwnerKind.PORTFOLIO, portfolio_id)


# Module constants, not `OwnerKind.X` in the calls: on Python 3.11 an enum class's
# attribute passes through `EnumType.__getattr__`'s hook, and every order asks these.
_RUNS = (OwnerKind.WORKER_RUN, OwnerKind.OPTION_RUN)
_PORTFOLIO = OwnerKind.PORTFOLIO


def run_of(owner: Owner) -> int | None:
    """The worker run an owner is (a worker or an option run), or None."""
    return owner.id if owner.kind in _RUNS else None


def portfolio_of(owner: Owner) -> int | None:
    """The model portfolio an owner is, or None."""
    return owner.id if owner.kind is _PORTFOLIO else None
