"""The broker credentials vault.

The API key is stored as given (it appears in every login URL); the API secret and
the access token are Fernet-encrypted. Keeping a secret in the cloud is a "Class 0"
privilege: only admins and users an admin approved may do it. A self-hosted install's first
account is its admin: a lone user (often created by magic-link sign-up, which makes no
admin) may therefore store their own secret. Reads return masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tradertape.db.models import BrokerCredential, User
from tradertape.db.prepared import Prepared
from tradertape.db.rows import table_of
from tradertape.domain.brokers import (
    BROKERS,
    BrokerName,
    LoginFlow,
    access_token_expiry,
    is_base32_secret,
)
from tradertape.errors import Conflict, Forbidden, InvalidField, NotFound
from tradertape.ports.clock import Clock
from tradertape.security.vault import Vault


@dataclass(frozen=True, slots=True)
class CredentialUpdate:
    """What a user submits; `None` leaves a stored value unchanged."""

    api_key: str
    api_secret: str | None = None
    access_token: str | None = None
    access_token_expires_at: datetime | None = None
    broker_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    """A broker connection as the UI sees it (no secrets)."""

    broker: BrokerName
    configured: bool
    has_secret: bool
    connected: bool
    status: str  # "not_configured" | "disconnected" | "waiting" | "connected" | "expired"
    access_token_expires_at: datetime | None
    broker_user_id: str | None


class _StatusFields(Protocol):
    """What a broker's status is read from (a stored row, or those columns of it)."""

    access_token_enc: str | None
    access_token_expires_at: datetime | None
    login_state: str | None
    api_secret_enc: str | None
    broker_user_id: str | None


_CREDENTIALS = table_of(BrokerCredential)
# Every broker's status in one prepared statement: the top bar and the desk's views ask on
# each read.
_STATUS_FIELDS = Prepared(
    select(
        _CREDENTIALS.c.broker,
        _CREDENTIALS.c.access_token_enc,
        _CREDENTIALS.c.access_token_expires_at,
        _CREDENTIALS.c.login_state,
        _CREDENTIALS.c.api_secret_enc,
        _CREDENTIALS.c.broker_user_id,
    ).where(_CREDENTIALS.c.user_id == bindparam("user_id"))
)


class BrokerCredentials:
    """Stores, masks and reports broker credentials."""

    def __init__(self, *, vault: Vault, clock: Clock) -> None:
        self._vault = vault
        self._clock = clock

    def get(self, db: Session, *, user_id: int, broker: BrokerName) -> BrokerCredential | None:
        """The user's row for `broker`, if any."""
        query = select(BrokerCredential).where(
            BrokerCredential.user_id == user_id, BrokerCredential.broker == broker.value
        )
        return db.scalar(query)

    def save(
        self, db: Session, *, user: User, broker: BrokerName, update: CredentialUpdate
    ) -> BrokerCredential:
        """Create or update the user's credentials for `broker` (commits)."""
        if update.api_secret is not None and not self.may_store_secret(db, user):
            raise Forbidden(
                "storing a broker API secret in the cloud needs admin approval (Class 0); "
                "omit api_secret and enter it at each browser login instead"
            )
        row_facts = BROKERS[broker]  # a token minted from an API key: its secret is a TOTP key
        if (
            row_facts.login is LoginFlow.API_KEY
            and update.api_secret is not None
            and not is_base32_secret(update.api_secret)
        ):
            raise InvalidField("api_secret", f"{row_facts.label}'s secret is the base32 TOTP key")
        now = self._clock.now()
        row = self.get(db, user_id=user.id, broker=broker)
        if row is None:
            row = BrokerCredential(user_id=user.id, broker=broker.value, created_at=now)
            db.add(row)
        if row.api_key != update.api_key and row.access_token_enc is not None:
            row.access_token_enc = None  # a token belongs to the app key that minted it
            row.access_token_expires_at = None
        row.api_key = update.api_key
        row.updated_at = now
        if update.api_secret is not None:
            row.api_secret_enc = self._vault.encrypt(update.api_secret)
            row.secret_last4 = update.api_secret[-4:]
        if update.access_token is not None:
            row.access_token_enc = self._vault.encrypt(update.access_token)
            row.access_token_expires_at = update.access_token_expires_at or access_token_expiry(
                broker, now
            )
            row.login_state = None
        if update.broker_user_id is not None:
            row.broker_user_id = update.broker_user_id
        db.commit()
        return row

    @staticmethod
    def may_store_secret(db: Session, user: User) -> bool:
        """Whether `user` may keep an API secret here: admins, approved users, the first account."""
        if user.is_admin or user.cloud_secrets_allowed:
            return True
        first = db.scalar(select(func.min(User.id)))
        return first == user.id

    def api_secret(self, db: Session, *, user_id: int, broker: BrokerName) -> str | None:
        """The decrypted stored API secret (server-side logins), if the user stored one."""
        row = self.get(db, user_id=user_id, broker=broker)
        if row is None or row.api_secret_enc is None:
            return None
        return self._vault.decrypt(row.api_secret_enc)

    def expire(self, db: Session, *, user_id: int, broker: BrokerName) -> None:
        """Mark the stored access token dead now (the broker refused it; commits)."""
        row = self.get(db, user_id=user_id, broker=broker)
        if row is not None and row.access_token_enc is not None:
            row.access_token_expires_at = self._clock.now()
            db.commit()

    def set_static_ip(
        self, db: Session, *, user_id: int, broker: BrokerName, static_ip: str | None
    ) -> BrokerCredential:
        """Record the static IP the user registered with `broker` (None forgets it; commits).
        409 before the broker's API key is saved: the address belongs to that app."""
        row = self.get(db, user_id=user_id, broker=broker)
        if row is None:
            raise Conflict(f"save your {broker.value} API key first")
        row.static_ip = static_ip
        row.updated_at = self._clock.now()
        db.commit()
        return row

    def delete(self, db: Session, *, user_id: int, broker: BrokerName) -> None:
        """Forget the user's credentials for `broker` (404 if none)."""
        row = self.get(db, user_id=user_id, broker=broker)
        if row is None:
            raise NotFound(f"no {broker.value} credentials stored")
        db.delete(row)
        db.commit()

    def access_token(self, db: Session, *, user_id: int, broker: BrokerName) -> str | None:
        """The decrypted, unexpired access token for server-side broker calls."""
        row = self.get(db, user_id=user_id, broker=broker)
        if row is None or row.access_token_enc is None:
            return None
        expires = row.access_token_expires_at
        if expires is not None and expires <= self._clock.now():
            return None
        return self._vault.decrypt(row.access_token_enc)

    def status(self, row: _StatusFields | None, broker: BrokerName) -> BrokerStatus:
        """The connection status of one broker, from its row."""
        if row is None:
            return BrokerStatus(broker, False, False, False, "not_configured", None, None)
        expires = row.access_token_expires_at
        if row.access_token_enc is not None and expires is not None:
            live = expires > self._clock.now()
            # `logged_out`: the broker ended it early (`session_watch.end_session`)
            ended = "logged_out" if row.login_state == "logged_out" else "expired"
            state = "connected" if live else ended
        else:
            live, state = False, row.login_state or "disconnected"
        return BrokerStatus(
            broker=broker,
            configured=True,
            has_secret=row.api_secret_enc is not None,
            connected=live,
            status=state,
            access_token_expires_at=expires,
            broker_user_id=row.broker_user_id,
        )

    def all_statuses(self, db: Session, *, user_id: int) -> list[BrokerStatus]:
        """Status of every broker for the user, in a fixed order."""
        found = _STATUS_FIELDS.detached(db, BrokerCredential, {"user_id": user_id})
        rows = {row.broker: row for row in found}
        return [self.status(rows.get(b.value), b) for b in BrokerName]
