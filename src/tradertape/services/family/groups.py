"""Family groups (spec §10.6): create, invite by e-mail, accept, decline, leave, remove.

Roles: the **owner** invites (as member or admin), removes anyone else, changes roles and
deletes the group; an **admin** invites members and removes anyone but the owner; a
**member** only sees, and may leave. The owner cannot leave (delete the group instead).

An invitation is a magic link mailed to the address: its token is stored as SHA-256, it
expires after `INVITE_TTL`, and it is answered once. Only the person signed in with the
invited address can accept or decline it (the link alone is not enough, and the address
alone is enough: the sign-in already proved it).

A group that is not yours, or does not exist, is the same 404: ids cannot be probed.
Membership is a view of each other's wealth, nothing else: no route takes another
member's id to act for them (`services.family.consolidated` reads, never writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradertape.db.locks import lock_names
from tradertape.db.models import FamilyGroup, FamilyInvite, FamilyMember, User
from tradertape.errors import Conflict, Forbidden, InvalidField, NotFound
from tradertape.ports.clock import Clock
from tradertape.security.tokens import digests_equal, new_secret, sha256_hex
from tradertape.services.accounts.users import normalize_email
from tradertape.services.notifications.mail import Outbox

OWNER, ADMIN, MEMBER = "owner", "admin", "member"
PENDING, ACCEPTED, DECLINED, REVOKED = "pending", "accepted", "declined", "revoked"
INVITE_TTL = timedelta(days=7)
MAX_GROUPS_PER_USER = 100
MAX_MEMBERS = 20
MAX_PENDING_INVITES = 20
MAX_INVITES_A_DAY = 100  # each mails someone: a cap on what one account can send


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: int
    email: str
    name: str | None
    role: str
    joined_at: object


@dataclass(frozen=True, slots=True)
class GroupView:
    """A group as one of its members sees it (invites only for the owner and admins)."""

    group: FamilyGroup
    role: str
    members: list[MemberView]
    invites: list[FamilyInvite]


def _missing(group_id: int) -> NotFound:
    return NotFound(f"family group {group_id} not found")


def membership(db: Session, group_id: int, *, user_id: int) -> FamilyMember:
    """The caller's membership of the group; a 404 if they are not in it."""
    row = db.scalar(
        select(FamilyMember).where(
            FamilyMember.group_id == group_id, FamilyMember.user_id == user_id
        )
    )
    if row is None:
        raise _missing(group_id)
    return row


def members(db: Session, group_id: int) -> list[MemberView]:
    """Everyone in the group, owner first, then by joining."""
    rows = db.execute(
        select(FamilyMember, User)
        .join(User, User.id == FamilyMember.user_id)
        .where(FamilyMember.group_id == group_id)
        .order_by(FamilyMember.id)
    ).all()
    order = {OWNER: 0, ADMIN: 1, MEMBER: 2}
    found = [MemberView(u.id, u.email, u.name, m.role, m.joined_at) for m, u in rows]
    return sorted(found, key=lambda m: order.get(m.role, 3))


def _view(db: Session, group: FamilyGroup, role: str, now: object) -> GroupView:
    invites: list[FamilyInvite] = []
    if role in (OWNER, ADMIN):
        invites = list(
            db.scalars(
                select(FamilyInvite)
                .where(FamilyInvite.group_id == group.id, FamilyInvite.status == PENDING)
                .order_by(FamilyInvite.id)
            )
        )
    return GroupView(group, role, members(db, group.id), invites)


def groups_of(db: Session, *, user_id: int, clock: Clock) -> list[GroupView]:
    """The groups the user is in, oldest first."""
    rows = db.execute(
        select(FamilyGroup, FamilyMember.role)
        .join(FamilyMember, FamilyMember.group_id == FamilyGroup.id)
        .where(FamilyMember.user_id == user_id)
        .order_by(FamilyGroup.id)
    ).all()
    now = clock.now()
    return [_view(db, group, role, now) for group, role in rows]


def group_list(db: Session, *, user_id: int) -> list[tuple[FamilyGroup, int]]:
    """The groups the user is in, oldest first, each with how many members it has."""
    counted = (
        select(FamilyMember.group_id, func.count().label("size"))
        .group_by(FamilyMember.group_id)
        .subquery()
    )
    rows = db.execute(
        select(FamilyGroup, counted.c.size)
        .join(FamilyMember, FamilyMember.group_id == FamilyGroup.id)
        .join(counted, counted.c.group_id == FamilyGroup.id)
        .where(FamilyMember.user_id == user_id)
        .order_by(FamilyGroup.id)
    ).all()
    return [(group, int(size)) for group, size in rows]


def get_group(db: Session, group_id: int, *, user_id: int, clock: Clock) -> GroupView:
    """One group the user is in."""
    mine = membership(db, group_id, user_id=user_id)
    group = db.get(FamilyGroup, group_id)
    if group is None:
        raise _missing(group_id)
    return _view(db, group, mine.role, clock.now())


def _name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidField("name", "give the group a name")
    return clean


def create(db: Session, *, user_id: int, name: str, clock: Clock) -> GroupView:
    """A new group with the caller as its owner (commits)."""
    count = len(db.scalars(select(FamilyMember.id).where(FamilyMember.user_id == user_id)).all())
    if count >= MAX_GROUPS_PER_USER:
        raise Conflict(f"you are in {count} family groups already, the most allowed")
    now = clock.now()
    group = FamilyGroup(name=_name(name), created_by=user_id, created_at=now)
    db.add(group)
    db.flush()
    db.add(FamilyMember(group_id=group.id, user_id=user_id, role=OWNER, joined_at=now))
    db.commit()
    return get_group(db, group.id, user_id=user_id, clock=clock)


def rename(db: Session, group_id: int, *, user_id: int, name: str, clock: Clock) -> GroupView:
    """The owner or an admin renames the group (commits)."""
    mine = membership(db, group_id, user_id=user_id)
    if mine.role == MEMBER:
        raise Forbidden("only the group's owner or an admin can rename it")
    group = db.get(FamilyGroup, group_id)
    if group is None:
        raise _missing(group_id)
    group.name = _name(name)
    db.commit()
    return get_group(db, group_id, user_id=user_id, clock=clock)


def delete(db: Session, group_id: int, *, user_id: int) -> None:
    """The owner deletes the group, its memberships and invitations (commits)."""
    mine = membership(db, group_id, user_id=user_id)
    if mine.role != OWNER:
        raise Forbidden("only the group's owner can delete it")
    db.execute(sa_delete(FamilyInvite).where(FamilyInvite.group_id == group_id))
    db.execute(sa_delete(FamilyMember).where(FamilyMember.group_id == group_id))
    db.execute(sa_delete(FamilyGroup).where(FamilyGroup.id == group_id))
    db.commit()


def _may_invite(db: Session, group_id: int, *, user_id: int, email: str, role: str) -> str:
    """The invited address, once the caller may invite it as `role` into the group."""
    mine = membership(db, group_id, user_id=user_id)
    if mine.role == MEMBER:
        raise Forbidden("only the group's owner or an admin can invite")
    if role not in (ADMIN, MEMBER):
        raise InvalidField("role", "invite as admin or member")
    if role == ADMIN and mine.role != OWNER:
        raise Forbidden("only the group's owner can invite an admin")
    address = normalize_email(email)
    in_group = db.scalar(
        select(FamilyMember.id)
        .join(User, User.id == FamilyMember.user_id)
        .where(FamilyMember.group_id == group_id, User.email == address)
    )
    if in_group is not None:
        raise Conflict(f"{address} is in the group already")
    if len(members(db, group_id)) >= MAX_MEMBERS:
        raise Conflict(f"a family group has at most {MAX_MEMBERS} members")
    return address


def invite(
    db: Session,
    group_id: int,
    *,
    user_id: int,
    email: str,
    role: str,
    clock: Clock,
    outbox: Outbox,
    base_url: str,
) -> FamilyInvite:
    """Mail a magic link to `email` inviting them as `role` (commits).

    The owner invites members and admins, an admin members only. A pending invitation to
    the same address is replaced (its link stops working).
    """
    address = _may_invite(db, group_id, user_id=user_id, email=email, role=role)
    group = db.get(FamilyGroup, group_id)
    if group is None:
        raise _missing(group_id)
    now = clock.now()
    sent_today = db.scalar(
        select(func.count()).where(
            FamilyInvite.invited_by == user_id, FamilyInvite.created_at > now - timedelta(days=1)
        )
    )
    if (sent_today or 0) >= MAX_INVITES_A_DAY:
        raise Conflict(f"{MAX_INVITES_A_DAY} invitations in a day is the most; try tomorrow")
    pending = list(
        db.scalars(
            select(FamilyInvite).where(
                FamilyInvite.group_id == group_id, FamilyInvite.status == PENDING
            )
        )
    )
    for old in pending:
        if old.email == address:
            old.status, old.answered_at = REVOKED, now
    if sum(1 for p in pending if p.email != address) >= MAX_PENDING_INVITES:
        raise Conflict(f"a group has at most {MAX_PENDING_INVITES} open invitations")
    token = new_secret(nbytes=32)
    row = FamilyInvite(
        group_id=group_id,
        email=address,
        role=role,
        token_hash=sha256_hex(token),
        invited_by=user_id,
        status=PENDING,
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    db.add(row)
    db.commit()
    inviter = db.get(User, user_id)
    who = (inviter.name or inviter.email) if inviter is not None else "A TraderTape user"
    days = INVITE_TTL.days
    body = (
        f'{who} invites you to the family group "{group.name}" on TraderTape.\n\n'
        f"  {base_url}/family/invite#group={group_id}&token={token}\n\n"
        "Members see each other's holdings, net worth and day P&L; nothing else is shared "
        "(no broker logins, strategies or risk rules), and nobody can trade for another.\n\n"
        f"Sign in with this e-mail address to accept or decline. The link works for {days} "
        "days. If you do not know the sender, ignore this e-mail."
    )
    outbox.send(db, to=address, subject="An invitation to a TraderTape family group", body=body)
    return row


def _open_invite(
    db: Session, group_id: int, *, user_id: int, token: str | None, clock: Clock
) -> FamilyInvite:
    user = db.get(User, user_id)
    if user is None:
        raise _missing(group_id)
    row = db.scalar(
        select(FamilyInvite)
        .where(
            FamilyInvite.group_id == group_id,
            FamilyInvite.email == user.email,
            FamilyInvite.status == PENDING,
        )
        .order_by(FamilyInvite.id.desc())
        .limit(1)
    )
    if row is None:  # not invited, or no such group: the same answer
        raise NotFound(f"no open invitation to family group {group_id}")
    if token is not None and not digests_equal(row.token_hash, sha256_hex(token)):
        raise InvalidField("token", "this invitation link is not the latest one; ask again")
    if row.expires_at <= clock.now():
        raise Conflict("this invitation has expired; ask the group's owner for a new one")
    return row


def accept(
    db: Session, group_id: int, *, user_id: int, token: str | None, clock: Clock
) -> GroupView:
    """Join the group the caller's address was invited to (commits).

    The cap on members holds here, not only at invite (invitations outnumber free places):
    the group's lock is held from the count to the commit, so accepts one after the other
    each see the last one's member. A full group leaves the invitation open (a place may
    free up) and changes nothing.
    """
    lock_names(db, [f"family-group:{group_id}"])
    row = _open_invite(db, group_id, user_id=user_id, token=token, clock=clock)
    now = clock.now()
    already = db.scalar(
        select(FamilyMember).where(
            FamilyMember.group_id == group_id, FamilyMember.user_id == user_id
        )
    )
    if already is None:
        count = db.scalar(select(func.count()).where(FamilyMember.group_id == group_id)) or 0
        if count >= MAX_MEMBERS:
            raise Conflict(
                f"the group is full: a family group has at most {MAX_MEMBERS} members;"
                " the invitation stays open until someone leaves"
            )
        db.add(FamilyMember(group_id=group_id, user_id=user_id, role=row.role, joined_at=now))
    row.status, row.answered_at = ACCEPTED, now
    db.commit()
    return get_group(db, group_id, user_id=user_id, clock=clock)


def decline(db: Session, group_id: int, *, user_id: int, token: str | None, clock: Clock) -> None:
    """Say no to an invitation (commits)."""
    row = _open_invite(db, group_id, user_id=user_id, token=token, clock=clock)
    row.status, row.answered_at = DECLINED, clock.now()
    db.commit()


def invites_for(db: Session, *, user_id: int, clock: Clock) -> list[tuple[FamilyInvite, str]]:
    """Open, unexpired invitations to the caller's address, with each group's name."""
    user = db.get(User, user_id)
    if user is None:
        return []
    rows = db.execute(
        select(FamilyInvite, FamilyGroup.name)
        .join(FamilyGroup, FamilyGroup.id == FamilyInvite.group_id)
        .where(
            FamilyInvite.email == user.email,
            FamilyInvite.status == PENDING,
            FamilyInvite.expires_at > clock.now(),
        )
        .order_by(FamilyInvite.id)
    ).all()
    return [(invite_row, name) for invite_row, name in rows]


def revoke(db: Session, group_id: int, invite_id: int, *, user_id: int, clock: Clock) -> None:
    """The owner or an admin withdraws a pending invitation (commits)."""
    mine = membership(db, group_id, user_id=user_id)
    row = db.get(FamilyInvite, invite_id)
    if row is None or row.group_id != group_id or mine.role == MEMBER:
        raise NotFound(f"invitation {invite_id} not found")
    if row.status != PENDING:
        raise Conflict(f"this invitation is {row.status} already")
    row.status, row.answered_at = REVOKED, clock.now()
    db.commit()


def leave(db: Session, group_id: int, *, user_id: int) -> None:
    """Leave a group (commits); the owner deletes it instead."""
    mine = membership(db, group_id, user_id=user_id)
    if mine.role == OWNER:
        raise Conflict("the owner cannot leave the group; delete it instead")
    db.delete(mine)
    db.commit()


def remove(db: Session, group_id: int, member_id: int, *, user_id: int) -> None:
    """Remove a member (commits): the owner removes anyone else, an admin any non-owner."""
    mine = membership(db, group_id, user_id=user_id)
    if member_id == user_id:
        raise InvalidField("user_id", "to leave the group yourself, use leave")
    if mine.role == MEMBER:
        raise Forbidden("only the group's owner or an admin can remove a member")
    theirs = db.scalar(
        select(FamilyMember).where(
            FamilyMember.group_id == group_id, FamilyMember.user_id == member_id
        )
    )
    if theirs is None:
        raise NotFound(f"member {member_id} not found")
    if theirs.role == OWNER:
        raise Forbidden("the group's owner cannot be removed")
    db.delete(theirs)
    db.commit()


def set_role(
    db: Session, group_id: int, member_id: int, *, user_id: int, role: str, clock: Clock
) -> GroupView:
    """The owner makes a member an admin or back (commits)."""
    mine = membership(db, group_id, user_id=user_id)
    if mine.role != OWNER:
        raise Forbidden("only the group's owner can change roles")
    if role not in (ADMIN, MEMBER):
        raise InvalidField("role", "a role is admin or member")
    theirs = db.scalar(
        select(FamilyMember).where(
            FamilyMember.group_id == group_id, FamilyMember.user_id == member_id
        )
    )
    if theirs is None:
        raise NotFound(f"member {member_id} not found")
    if theirs.role == OWNER:
        raise InvalidField("user_id", "the owner's role cannot change")
    theirs.role = role
    db.commit()
    return get_group(db, group_id, user_id=user_id, clock=clock)


def visible_members(
    db: Session, *, user_id: int, group_id: int | None, chosen: list[int] | None
) -> tuple[FamilyGroup | None, list[MemberView]]:
    """Whose wealth the caller may see: only themselves without a group; with one, its
    members (all of them, or the `chosen` ones, each of whom must be in it)."""
    if group_id is None:
        user = db.get(User, user_id)
        if user is None:
            return None, []
        if chosen and set(chosen) != {user_id}:
            raise InvalidField("member", "choose members within a family group (group_id)")
        return None, [MemberView(user.id, user.email, user.name, OWNER, user.created_at)]
    membership(db, group_id, user_id=user_id)
    group = db.get(FamilyGroup, group_id)
    everyone = members(db, group_id)
    if not chosen:
        return group, everyone
    known = {m.user_id for m in everyone}
    strangers = sorted(set(chosen) - known)
    if strangers:
        raise InvalidField("member", f"not in this group: {', '.join(map(str, strangers))}")
    wanted = set(chosen)
    return group, [m for m in everyone if m.user_id in wanted]
