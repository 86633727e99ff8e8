"""Accounts: creating users, looking them up by e-mail, setting passwords."""

from __future__ import annotations

from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tradertape.db.models import User
from tradertape.errors import Conflict, InvalidField, NotFound
from tradertape.oms import deposit, not_replayed
from tradertape.ports.clock import Clock
from tradertape.security.passwords import hash_password

MIN_PASSWORD_LENGTH = 8
OPENING_BALANCE_NOTE = "opening paper balance"
_ZERO = Decimal(0)


def normalize_email(email: str, *, field: str = "email") -> str:
    """Lower-cased, syntax-checked address (no DNS look-up: we may be offline)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidField(field, str(exc)) from exc


def check_password_strength(password: str, *, field: str = "password") -> None:
    """Reject passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidField(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")


def find_user(session: Session, email: str) -> User | None:
    """The user with this (already normalized) e-mail, if any."""
    return session.scalar(select(User).where(User.email == email))


def create_user(
    session: Session,
    *,
    clock: Clock,
    email: str,
    password: str | None = None,
    is_admin: bool = False,
    cloud_secrets_allowed: bool = False,
    name: str | None = None,
    opening_balance: Decimal = _ZERO,
) -> User:
    """Create and commit a user; 409 if the e-mail is taken.

    A positive `opening_balance` is credited to the user's paper account as a deposit in
    the same transaction, so an account is never seen unfunded. Every way an account is
    opened (the CLI, a magic-link sign-up, the demo) passes the server's
    ``paper_opening_balance`` setting; the default of none suits tests that fund by hand.
    """
    email = normalize_email(email)
    if find_user(session, email) is not None:
        raise Conflict(f"a user with e-mail {email} already exists")
    if password is not None:
        check_password_strength(password)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password) if password is not None else None,
        is_admin=is_admin,
        cloud_secrets_allowed=cloud_secrets_allowed or is_admin,
        created_at=clock.now(),
    )
    session.add(user)
    if opening_balance > 0:
        session.flush()  # the user's id, for the ledger
        deposit(
            session,
            user_id=user.id,
            amount=opening_balance,
            at=user.created_at,
            note=OPENING_BALANCE_NOTE,
        )
    session.commit()
    return user


def get_or_create_user(
    session: Session, *, clock: Clock, email: str, opening_balance: Decimal = _ZERO
) -> User:
    """The user with this e-mail, created (without a password, funded) when new."""
    email = normalize_email(email)
    user = find_user(session, email)
    if user is not None:
        return user
    return create_user(session, clock=clock, email=email, opening_balance=opening_balance)


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace the user's password (commits)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    session.commit()


def people() -> ColumnElement[bool]:
    """Users who are people: a worker replay's own account (a user row no one signs in as,
    `services.workers.replays`) is in no list a person reads."""
    return not_replayed(User.id)


def list_users(db: Session, *, limit: int, offset: int) -> list[User]:
    """All people's accounts, oldest first (admin use)."""
    query = select(User).where(people()).order_by(User.id).limit(limit).offset(offset)
    return list(db.scalars(query))


def update_flags(
    db: Session,
    *,
    actor: User,
    user_id: int,
    is_admin: bool | None = None,
    cloud_secrets_allowed: bool | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's admin, Class 0 and active flags (commits).

    An admin cannot demote or disable themselves, so an installation never locks
    itself out of its last admin by accident.
    """
    user = db.scalar(select(User).where(User.id == user_id, people()))
    if user is None:  # a replay's account too: nobody's to grant anything to
        raise NotFound(f"user {user_id} not found")
    if user.id == actor.id and (is_admin is False or is_active is False):
        raise Conflict("you cannot remove your own admin rights or disable yourself")
    if is_admin is not None:
        user.is_admin = is_admin
    if cloud_secrets_allowed is not None:
        user.cloud_secrets_allowed = cloud_secrets_allowed
    if is_active is not None:
        user.is_active = is_active
    db.commit()
    return user
