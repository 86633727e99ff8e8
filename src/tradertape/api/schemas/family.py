"""Family group bodies and answers (seed 001's ``/api/family/…``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tradertape.api.schemas.auth import Strict
from tradertape.api.schemas.money_out import Paise
from tradertape.api.schemas.times import UtcDateTime
from tradertape.api.schemas.wealth import AllocationOut, HoldingOut, MergedHoldingOut

Role = Literal["owner", "admin", "member"]


class GroupIn(Strict):
    """A new group, or a new name for one."""

    name: str = Field(min_length=1, max_length=80, examples=["Sharma family"])


class InviteIn(Strict):
    """Invite someone by e-mail; the owner may invite an admin."""

    email: str = Field(max_length=320, examples=["meera@example.com"])
    role: Literal["admin", "member"] = "member"


class AnswerIn(Strict):
    """The invitation link's token (optional: signing in with the invited address is
    enough)."""

    token: str | None = Field(default=None, min_length=16, max_length=128)


class RoleIn(Strict):
    """A member's new role (the owner decides)."""

    role: Literal["admin", "member"]


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str | None
    role: Role
    joined_at: UtcDateTime


class InviteOut(BaseModel):
    """An invitation (its link is only in the e-mail)."""

    id: int
    group_id: int
    email: str
    role: Literal["admin", "member"]
    status: Literal["pending", "accepted", "declined", "revoked"]
    created_at: UtcDateTime
    expires_at: UtcDateTime


class MyInviteOut(InviteOut):
    """An invitation to your address, with the group's name."""

    group_name: str


class GroupOut(BaseModel):
    """A group as you see it: your role, its members, and (owner and admins) the open
    invitations."""

    id: int
    name: str
    role: Role = Field(description="your role in the group")
    created_at: UtcDateTime
    members: list[MemberOut]
    invites: list[InviteOut]


class MemberWealthOut(BaseModel):
    """One member's row of the rollup."""

    user_id: int
    email: str
    name: str | None
    role: Role
    net_worth: Paise
    equity: Paise
    mutual_funds: Paise
    cash: Paise
    day_pnl: Paise
    oldest_as_of: date | None = Field(
        description="the day of the oldest figure in the member's totals"
    )
    holdings: list[HoldingOut]
    warnings: list[str]


class FamilyHoldingOut(MergedHoldingOut):
    members: list[int] = Field(description="the user ids holding it")


class GroupChoiceOut(BaseModel):
    """One of your groups, to choose from."""

    id: int
    name: str
    members: int = Field(description="how many members it has")


class ConsolidatedOut(BaseModel):
    """The family-wide totals: the group named (``group_id``), else your only group; its
    members all, or the ``member`` ids chosen. In no group, your own figures; in several
    with none named, your own figures and ``scope: "choose_group"``: name one of
    ``groups``. A view: nothing can be traded for another member."""

    scope: Literal["me", "group", "choose_group"] = Field(
        description="me: you are in no group; group: the group's members (the one named, "
        "or your only one); choose_group: you are in several and named none, so these are "
        "your own figures: choose one of `groups`"
    )
    groups: list[GroupChoiceOut] = Field(description="every group you are in, oldest first")
    group_id: int | None
    group_name: str | None
    as_of: date = Field(description="the day of the read (IST)")
    oldest_as_of: date | None = Field(
        description="the day of the oldest figure in the totals (each member and row has its own)"
    )
    net_worth: Paise
    equity: Paise
    mutual_funds: Paise
    cash: Paise
    day_pnl: Paise
    allocation: list[AllocationOut]
    members: list[MemberWealthOut]
    holdings: list[FamilyHoldingOut] = Field(description="one row per symbol across members")
