"""Which stored broker session a live market feed connects with (Kite's and Upstox's alike).

A self-hosted install runs one feed for everybody, on the session of the first active user
with an unexpired access token, admins first (the install's first account is its admin),
then by user id. The token is decrypted here and handed to the feed only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models import BrokerCredential, User
from tradertape.domain.brokers import BrokerName
from tradertape.ports.clock import Clock
from tradertape.services.brokers.credentials import BrokerCredentials


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A user's live session at a broker (`user_id` is our user's)."""

    user_id: int
    api_key: str
    access_token: str = field(repr=False)


def first_live_session(
    *, db: Database, credentials: BrokerCredentials, clock: Clock, broker: BrokerName
) -> LiveSession | None:
    """The first live session at `broker`, admins first, then by user id."""
    query = (
        select(BrokerCredential.user_id, BrokerCredential.api_key)
        .join(User, User.id == BrokerCredential.user_id)
        .where(
            BrokerCredential.broker == broker.value,
            BrokerCredential.access_token_enc.is_not(None),
            BrokerCredential.access_token_expires_at > clock.now(),
            User.is_active.is_(True),
        )
        .order_by(User.is_admin.desc(), User.id)
    )
    with db.session() as session:
        for user_id, api_key in session.execute(query).all():
            token = credentials.access_token(session, user_id=user_id, broker=broker)
            if token:
                return LiveSession(user_id=user_id, api_key=api_key, access_token=token)
    return None
