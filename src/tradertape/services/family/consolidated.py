"""The family rollup (spec §10.6): combined net worth, a row per member, holdings merged
by symbol across members, summed day P&L. A read of each member's wealth, nothing more:
no credentials, strategies, risk rules or orders are read or touched for anyone.

Without a group named, the family is the caller's only group; a caller in several is asked
to choose (their own figures, and the groups), a caller in none sees their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from tradertape.db.models import FamilyGroup
from tradertape.services.family import groups
from tradertape.services.wealth.holdings import Holding, Sources, Wealth, merged, wealth

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MemberWealth:
    member: groups.MemberView
    wealth: Wealth


Whose = Literal["me", "group", "choose_group"]


@dataclass(frozen=True, slots=True)
class Consolidated:
    """The rollup, and whose it is: `scope` is ``me`` (the caller, in no group), ``group``
    (a group's members: the one named, or the caller's only group) or ``choose_group``
    (the caller is in several and named none: their own figures, and `groups` to choose
    from). `groups` is every group of the caller's, with its size."""

    group: FamilyGroup | None
    members: list[MemberWealth]
    holdings: list[dict[str, Any]]
    scope: Whose
    groups: list[tuple[FamilyGroup, int]]

    @property
    def net_worth(self) -> Decimal:
        return sum((m.wealth.net_worth for m in self.members), ZERO)

    @property
    def day_pnl(self) -> Decimal:
        return sum((m.wealth.day_pnl for m in self.members), ZERO)

    @property
    def equity(self) -> Decimal:
        return sum((m.wealth.equity for m in self.members), ZERO)

    @property
    def mutual_funds(self) -> Decimal:
        return sum((m.wealth.mutual_funds for m in self.members), ZERO)

    @property
    def cash(self) -> Decimal:
        return sum((m.wealth.cash_total for m in self.members), ZERO)


def consolidated(
    db: Session,
    *,
    user_id: int,
    group_id: int | None,
    chosen: list[int] | None,
    sources: Sources,
) -> Consolidated:
    """The rollup of a group's members (all or `chosen`): the group named, else the
    caller's only group; the caller's own when they are in none, or in several and named
    none (then `scope` says a group is to be chosen)."""
    mine = groups.group_list(db, user_id=user_id)
    if group_id is None and len(mine) == 1:
        group_id = mine[0][0].id
    scope: Whose = "group" if group_id is not None else "choose_group" if mine else "me"
    group, people = groups.visible_members(db, user_id=user_id, group_id=group_id, chosen=chosen)
    found = [MemberWealth(p, wealth(db, user_id=p.user_id, sources=sources)) for p in people]
    every: list[Holding] = [h for m in found for h in m.wealth.holdings]
    rows = merged(every)
    by_key: dict[str, list[int]] = {}
    for m in found:
        for h in m.wealth.holdings:
            by_key.setdefault(h.isin or h.symbol, []).append(m.member.user_id)
    for row in rows:
        row["members"] = sorted(set(by_key.get(row["isin"] or row["symbol"], [])))
    return Consolidated(group, found, rows, scope, mine)
