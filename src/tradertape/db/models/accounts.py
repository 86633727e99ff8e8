"""Users, their server-side sessions, login challenges and the auth-attempt log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from tradertape.db.base import Base, Owned


class User(Base):
    """A person with an account; identified by a lower-cased e-mail."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # "Class 0": an admin allowed this user to keep broker API secrets in the cloud.
    cloud_secrets_allowed: Mapped[bool] = mapped_column(default=False)
    # The user's own live-trading switch; live orders need the server's switch too.
    live_trading: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The account's "upload obfuscation" switch: the agent scales what it syncs and uploads.
    upload_obfuscation: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The fingerprint of the agent's obfuscation factor (salted; never the factor): uploads
    # scaled with another factor are refused. Set by the first obfuscated upload.
    agent_factor_fingerprint: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class UserSession(Owned, Base):
    """A browser session behind the `kite_session` cookie; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginChallenge(Owned, Base):
    """One magic link and its OTP; single use, short-lived, burnt after too many wrong codes."""

    __tablename__ = "login_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    otp_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    wrong_tries: Mapped[int] = mapped_column(default=0)


class AuthAttempt(Base):
    """One counted attempt in a rate-limit bucket (e.g. ``email:a@b.c``, ``ip:1.2.3.4``).

    Kept in the database so that every server process sees the same counts.
    """

    __tablename__ = "auth_attempts"
    __table_args__ = (Index("ix_auth_attempts_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime]


__all__ = ["AuthAttempt", "LoginChallenge", "User", "UserSession"]
