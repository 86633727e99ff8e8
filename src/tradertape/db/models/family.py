"""Family groups: members who see each other's wealth (a view; nothing else is shared).

A group has one owner, admins and members (`services.family.groups` enforces who may do
what). An invitation is a magic link: only the SHA-256 of its token is stored, it expires,
and it is answered once (accepted, declined or revoked).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base


class FamilyGroup(Base):
    """A family: its name and who created it (the owner is also a member row)."""

    __tablename__ = "family_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class FamilyMember(Base):
    """One user in one group, with their role (owner, admin, member)."""

    __tablename__ = "family_members"
    __table_args__ = (Index("ix_family_members_group_user", "group_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("family_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime]


class FamilyInvite(Base):
    """An invitation by e-mail; ``status``: pending, accepted, declined, revoked."""

    __tablename__ = "family_invites"
    __table_args__ = (Index("ix_family_invites_email_status", "email", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("family_groups.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


__all__ = ["FamilyGroup", "FamilyInvite", "FamilyMember"]
