"""Server-side login sessions behind the `kite_session` cookie.

Only a SHA-256 of the cookie value is stored. Expiry slides: each use pushes it
`session_days` ahead (written at most once a minute to spare the database).

`signed_in` is the check the desk's reads make (`api.deps.Desk`): one statement over the
session and its user, nothing cached, so a sign-out, a revoked session or a disabled
account is refused by the very next request, in any process. Every desk read runs it, so it
is a `Prepared` statement (compiled once, run as driver SQL): through `Session.execute` the
call costs half what `Session.execute` does (15 µs against 30 µs on SQLite).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import User, UserSession
from tradertape.db.prepared import Prepared
from tradertape.db.rows import loaded, loaded_columns, table_of
from tradertape.errors import NotFound
from tradertape.ports.clock import Clock
from tradertape.security.tokens import new_secret, sha256_hex

_TOUCH_EVERY = timedelta(minutes=1)
_SESSIONS = table_of(UserSession)
_USERS = table_of(User)
_SIGNED_IN = Prepared(
    select(
        _SESSIONS.c.user_id,
        _SESSIONS.c.last_seen_at,
        _SESSIONS.c.expires_at,
        _SESSIONS.c.revoked_at,
        _USERS.c.is_active,
        _USERS.c.is_admin,
        _USERS.c.live_trading,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
# `authenticate`'s read: the session and its user, whole, in one prepared statement, made
# ORM rows by `loaded` (the ORM's query of the same two rows cost 180 µs a call against 145,
# and ~0.1 ms of a request's CPU in the server).
_SESSION_COLUMNS = loaded_columns(UserSession)
_WITH_USER = Prepared(
    select(*_SESSION_COLUMNS, *loaded_columns(User))
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
_SLIDE = Prepared(
    update(_SESSIONS).where(_SESSIONS.c.token_hash == bindparam("token_hash")),
    keys=("last_seen_at", "expires_at"),
)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A user and the session that proved who they are."""

    user: User
    session: UserSession


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a read is for: the user of a live session (no ORM object, nothing to change)."""

    id: int  # the user's
    is_admin: bool
    live_trading: bool  # the user's own live-trading switch


class SessionService:
    """Starts, checks, slides and revokes sessions."""

    def __init__(self, *, clock: Clock, lifetime: timedelta) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._due: dict[str, tuple[datetime, datetime]] = {}  # slides `signed_in` left
        self._due_lock = threading.Lock()
        self._flush_asked = False

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
        found = _WITH_USER.first(db, {"token_hash": sha256_hex(token)})
        if found is None:
            return None
        split = len(_SESSION_COLUMNS)
        row, user = loaded(db, UserSession, found[:split]), loaded(db, User, found[split:])
        if row.revoked_at is not None or row.expires_at <= now or not user.is_active:
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
            row.expires_at = now + self._lifetime
            db.commit()
        return Authenticated(user=user, session=row)

    def signed_in(self, db: Session, token: str, *, slide_later: bool = False) -> SignedIn | None:
        """The user of a live session, as `authenticate` finds it, in one prepared statement;
        `None` if invalid. A session due to slide is slid as `authenticate` slides it (one
        prepared UPDATE, committed), or with `slide_later` noted for `slide_due`: a read on
        the event loop writes nothing (`db.on_loop`)."""
        now = self._clock.now()
        digest = sha256_hex(token)
        row = _SIGNED_IN.first(db, {"token_hash": digest})
        if row is None:
            return None
        user_id, last_seen_at, expires_at, revoked_at, is_active, is_admin, live_trading = row
        if revoked_at is not None or expires_at <= now or not is_active:
            return None
        if now - last_seen_at >= _TOUCH_EVERY:
            expires = now + self._lifetime
            if slide_later:
                with self._due_lock:
                    self._due[digest] = (now, expires)
            else:
                params = {"token_hash": digest, "last_seen_at": now, "expires_at": expires}
                _SLIDE.execute(db, params)
                db.commit()
        return SignedIn(user_id, is_admin, live_trading)

    def ask_flush(self) -> bool:
        """True once while slides wait and no `slide_due` has been asked for since: the
        caller then runs `slide_due` (in a thread), so one flush at a time is asked for."""
        with self._due_lock:
            if not self._due or self._flush_asked:
                return False
            self._flush_asked = True
            return True

    def slide_due(self, database: Database) -> int:
        """Slide the sessions `signed_in` left due, in one transaction; how many. A slide
        lost to a crash before this is only made again on the session's next read."""
        with self._due_lock:
            due, self._due, self._flush_asked = self._due, {}, False
        if not due:
            return 0
        with database.session() as db:
            for digest, (seen, expires) in due.items():
                params = {"token_hash": digest, "last_seen_at": seen, "expires_at": expires}
                _SLIDE.execute(db, params)
            db.commit()
        return len(due)

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
