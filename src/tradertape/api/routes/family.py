"""Family groups (seed 001's ``/api/family/…``, spec §10.6): groups, invitations by
e-mail (a magic link), roles, and the consolidated view of members' wealth
(`services.family`). Membership shares a view, never credentials, strategies or risk rules,
and no route acts for another member."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from tradertape.api.deps import CurrentUser, DbDep, RuntimeDep
from tradertape.api.routes.wealth import allocation_out, holding_out, merged_out, sources
from tradertape.api.schemas.family import (
    AnswerIn,
    ConsolidatedOut,
    FamilyHoldingOut,
    GroupChoiceOut,
    GroupIn,
    GroupOut,
    InviteIn,
    InviteOut,
    MemberOut,
    MemberWealthOut,
    MyInviteOut,
    RoleIn,
)
from tradertape.api.schemas.numbers import RowId
from tradertape.db.models import FamilyInvite
from tradertape.domain.money import paise
from tradertape.services.family import groups
from tradertape.services.family.consolidated import consolidated
from tradertape.services.wealth.holdings import oldest

router = APIRouter(tags=["family"])
MAX_CHOSEN = groups.MAX_MEMBERS


def _invite(row: FamilyInvite) -> InviteOut:
    return InviteOut.model_validate(row, from_attributes=True)


def _group(view: groups.GroupView) -> GroupOut:
    return GroupOut(
        id=view.group.id,
        name=view.group.name,
        role=view.role,
        created_at=view.group.created_at,
        members=[
            MemberOut(
                user_id=m.user_id,
                email=m.email,
                name=m.name,
                role=m.role,
                joined_at=m.joined_at,
            )
            for m in view.members
        ],
        invites=[_invite(i) for i in view.invites],
    )


@router.get("/family/groups", response_model=list[GroupOut])
def list_groups(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> list[GroupOut]:
    """The groups you are a member of, with their members (and, for the owner and admins,
    the open invitations)."""
    return [_group(v) for v in groups.groups_of(db, user_id=user.id, clock=runtime.clock)]


@router.post("/family/groups", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> GroupOut:
    """Create a group; you are its owner."""
    return _group(groups.create(db, user_id=user.id, name=body.name, clock=runtime.clock))


@router.get("/family/groups/{group_id}", response_model=GroupOut)
def get_group(group_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> GroupOut:
    """One of your groups."""
    return _group(groups.get_group(db, group_id, user_id=user.id, clock=runtime.clock))


@router.put("/family/groups/{group_id}", response_model=GroupOut)
def rename_group(
    group_id: RowId, body: GroupIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> GroupOut:
    """Rename a group (owner or admin)."""
    view = groups.rename(db, group_id, user_id=user.id, name=body.name, clock=runtime.clock)
    return _group(view)


@router.delete("/family/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Delete a group (owner only): its memberships and invitations go with it."""
    groups.delete(db, group_id, user_id=user.id)


@router.post(
    "/family/groups/{group_id}/invite",
    response_model=InviteOut,
    status_code=status.HTTP_201_CREATED,
)
def invite(
    group_id: RowId, body: InviteIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> InviteOut:
    """Invite by e-mail: a magic link, valid 7 days, is mailed to the address. The owner
    may invite an admin; an admin invites members. A new invitation to the same address
    replaces the open one."""
    row = groups.invite(
        db,
        group_id,
        user_id=user.id,
        email=body.email,
        role=body.role,
        clock=runtime.clock,
        outbox=runtime.outbox,
        base_url=runtime.settings.public_base_url,
    )
    return _invite(row)


@router.post("/family/groups/{group_id}/accept", response_model=GroupOut)
def accept(
    group_id: RowId, body: AnswerIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> GroupOut:
    """Accept the invitation to your e-mail address (the link's token, if sent, must be
    the latest one)."""
    view = groups.accept(db, group_id, user_id=user.id, token=body.token, clock=runtime.clock)
    return _group(view)


@router.post("/family/groups/{group_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
def decline(
    group_id: RowId, body: AnswerIn, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> None:
    """Decline the invitation to your e-mail address."""
    groups.decline(db, group_id, user_id=user.id, token=body.token, clock=runtime.clock)


@router.post("/family/groups/{group_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
def leave(group_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Leave a group (the owner deletes it instead)."""
    groups.leave(db, group_id, user_id=user.id)


@router.delete(
    "/family/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_member(group_id: RowId, user_id: RowId, user: CurrentUser, db: DbDep) -> None:
    """Remove a member: the owner removes anyone else, an admin anyone but the owner."""
    groups.remove(db, group_id, user_id, user_id=user.id)


@router.put("/family/groups/{group_id}/members/{user_id}", response_model=GroupOut)
def set_role(
    group_id: RowId,
    user_id: RowId,
    body: RoleIn,
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
) -> GroupOut:
    """Make a member an admin, or an admin a member (owner only)."""
    view = groups.set_role(
        db, group_id, user_id, user_id=user.id, role=body.role, clock=runtime.clock
    )
    return _group(view)


@router.delete(
    "/family/groups/{group_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT
)
def revoke_invite(
    group_id: RowId, invite_id: RowId, user: CurrentUser, runtime: RuntimeDep, db: DbDep
) -> None:
    """Withdraw an open invitation (owner or admin): its link stops working."""
    groups.revoke(db, group_id, invite_id, user_id=user.id, clock=runtime.clock)


@router.get("/family/invites", response_model=list[MyInviteOut])
def my_invites(user: CurrentUser, runtime: RuntimeDep, db: DbDep) -> list[MyInviteOut]:
    """Open invitations to your e-mail address."""
    return [
        MyInviteOut(**_invite(row).model_dump(), group_name=name)
        for row, name in groups.invites_for(db, user_id=user.id, clock=runtime.clock)
    ]


@router.get("/family/consolidated", response_model=ConsolidatedOut)
def family_consolidated(
    user: CurrentUser,
    runtime: RuntimeDep,
    db: DbDep,
    group_id: Annotated[
        RowId | None,
        Query(description="the group; without it, your only group (in several: choose one)"),
    ] = None,
    member: Annotated[
        list[RowId] | None,
        Query(max_length=MAX_CHOSEN, description="the members chosen (user ids); all without"),
    ] = None,
) -> ConsolidatedOut:
    """Family-wide totals (the switcher: selected members, or all): combined net worth, a
    row per member, one row per symbol across members, summed day P&L. Without
    ``group_id``, your only family group's (``group_name`` says which); in several groups,
    your own figures with ``scope: "choose_group"`` and your ``groups`` to name one; in
    none, your own. A view: nothing can be placed or deployed for another member."""
    found = sources(runtime)
    rollup = consolidated(db, user_id=user.id, group_id=group_id, chosen=member, sources=found)
    parts = [
        ("equity", rollup.equity),
        ("mutual_funds", rollup.mutual_funds),
        ("cash", rollup.cash),
    ]
    total = rollup.net_worth
    return ConsolidatedOut(
        scope=rollup.scope,
        groups=[GroupChoiceOut(id=g.id, name=g.name, members=n) for g, n in rollup.groups],
        group_id=rollup.group.id if rollup.group else None,
        group_name=rollup.group.name if rollup.group else None,
        as_of=found.today,
        oldest_as_of=oldest([m.wealth.oldest_as_of for m in rollup.members]),
        net_worth=paise(total),
        equity=paise(rollup.equity),
        mutual_funds=paise(rollup.mutual_funds),
        cash=paise(rollup.cash),
        day_pnl=paise(rollup.day_pnl),
        allocation=allocation_out([(n, v, v / total if total else v * 0) for n, v in parts]),
        members=[
            MemberWealthOut(
                user_id=m.member.user_id,
                email=m.member.email,
                name=m.member.name,
                role=m.member.role,
                net_worth=paise(m.wealth.net_worth),
                equity=paise(m.wealth.equity),
                mutual_funds=paise(m.wealth.mutual_funds),
                cash=paise(m.wealth.cash_total),
                day_pnl=paise(m.wealth.day_pnl),
                oldest_as_of=m.wealth.oldest_as_of,
                holdings=[holding_out(h) for h in m.wealth.holdings],
                warnings=m.wealth.warnings,
            )
            for m in rollup.members
        ],
        holdings=[FamilyHoldingOut.model_validate(merged_out(r)) for r in rollup.holdings],
    )
