"""Finding a placed GTT again by what it says, for a placement whose answer was lost.

GTTs carry no tag (Kite's have no field for one), so a trigger is recognised among the
broker's active ones by its instrument, trigger values and legs. Each venue's ``gtt.same``
compares in the terms its ``gtts()`` rows keep (Upstox's legs have no limit price, Groww
lists an OCO's legs by trigger); this module holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from tradertape_brokers.port import GttSpec, KiteDict

#: A trigger that still stands at the broker (Kite's word; every adapter maps to it).
ACTIVE = "active"
Same = Callable[[GttSpec, Mapping[str, Any]], bool]


def amount(value: object) -> Decimal | None:
    """A price or trigger value as an exact Decimal (None when it is not a number)."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def amounts(values: Iterable[object] | None) -> list[Decimal | None]:
    """`amount` of each value."""
    return [amount(v) for v in values or ()]


def same_instrument(spec: GttSpec, row: Mapping[str, Any]) -> bool:
    """Whether a Kite-shaped trigger row's condition names `spec`'s instrument."""
    condition = row.get("condition") or {}
    wanted = (spec.exchange, spec.tradingsymbol)
    return (condition.get("exchange"), condition.get("tradingsymbol")) == wanted


def by_id(row: Mapping[str, Any]) -> Any:
    """Newest first by trigger id (ids grow with time at Kite and Upstox)."""
    return int(row.get("id") or 0)


def matching(
    rows: Sequence[KiteDict],
    spec: GttSpec,
    same: Same,
    *,
    newest: Callable[[KiteDict], Any] = by_id,
) -> list[int]:
    """The ids of the active triggers among `rows` that `same` finds saying what `spec`
    says, newest first."""
    found = [r for r in rows if r.get("status") == ACTIVE and same(spec, r)]
    return [int(r["id"]) for r in sorted(found, key=newest, reverse=True)]
