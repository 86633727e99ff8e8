"""Server-side login sessions behind the `kite_session` cookie.

Only a SHA-256 of the cookie value is stored. Expiry slides: each use pushes it
`session_days` ahead (written at most once a minute to spare the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradertape.db.models import User, UserSession
from tradertape.errors import NotFound
from tradertape.ports.clock import Clock
from tradertape.security.tokens import new_secret, sha256_hex

_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A user and the session that proved who they are."""

    user: User
    session: UserSession


class SessionService:
    """Starts, checks, slides and revokes sessions."""

    def __init__(self, *, clock: Clock, lifetime: timedelta) -> None:
        self._clock = clock
        self._lifetime = lifetime

    @property
    def lifetime(self) -> timedelta:
        """How long an unused session lives."""
        return self._lifetime

    def start(self, db: Session, *, user: User, ip: str | None, user_agent: str | None) -> str:
        """Create a session and return the raw cookie value (shown once, never stored)."""
        now = self._clock.now()
        token = new_secret(nbytes=32)
        db.add(
            UserSession(
                user_id=user.id,
                token_hash=sha256_hex(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + self._lifetime,
                ip=ip,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        user.last_login_at = now
        db.commit()
        return token

    def authenticate(self, db: Session, token: str) -> Authenticated | None:
        """The live session for a cookie value, slid forward; `None` if invalid."""
        now = self._clock.now()
        row = db.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        user = db.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
            row.expires_at = now + self._lifetime
            db.commit()
        return Authenticated(user=user, session=row)

    def revoke(self, db: Session, row: UserSession) -> None:
        """End one session now (commits)."""
        if row.revoked_at is None:
            row.revoked_at = self._clock.now()
            db.commit()

    def revoke_by_id(self, db: Session, *, user: User, session_id: int) -> None:
        """End one of the user's own sessions; 404 if it is not theirs."""
        row = db.get(UserSession, session_id)
        if row is None or row.user_id != user.id:
            raise NotFound(f"session {session_id} not found")
        self.revoke(db, row)

    def revoke_all(self, db: Session, *, user: User) -> int:
        """End every live session of the user; return how many."""
        result = db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=self._clock.now())
        )
        db.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    def list_live(self, db: Session, *, user: User) -> list[UserSession]:
        """The user's unexpired, unrevoked sessions, newest first."""
        now = self._clock.now()
        query = (
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.id.desc())
        )
        return list(db.scalars(query))
