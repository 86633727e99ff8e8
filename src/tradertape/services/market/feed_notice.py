"""Telling people the market feed went quiet (`feed.watchdog` decides when: once per spell).

The feed is the server's, not one user's, so the notice goes to the admins (who can act on
the feed's session or the network) and to whoever's broker session feeds it, as one
``feed_stale`` notification each: the bell and Telegram deliver it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from tradertape.db.engine import Database
from tradertape.db.models import Notification, User
from tradertape.domain.brokers import label_of
from tradertape.feed.watchdog import FeedStatus
from tradertape.ports.clock import Clock
from tradertape.services.notifications import events as notifications

_SIMULATED = {"simulated": "The simulated market"}  # a broker's feed is named by its row


def stale_text(status: FeedStatus) -> str:
    """The notice's words."""
    label = _SIMULATED.get(status.source) or label_of(status.source)
    age = f"{status.last_tick_age_secs:.0f} s" if status.last_tick_age_secs else "start-up"
    return (
        f"📡 {label} feed: no tick since {age} ago in market hours. Prices shown are marked "
        "stale until ticks return; reconnecting with back-off. If it stays quiet, log in to "
        "the broker again (Settings → Brokers)."
    )


def stale_notice(db: Database, clock: Clock) -> Callable[[FeedStatus], None]:
    """The watchdog's `on_stale`: one notification per admin, in its own transaction."""

    def tell(status: FeedStatus) -> None:
        now: datetime = clock.now()
        with db.session() as session:
            admins = session.scalars(select(User.id).where(User.is_admin.is_(True))).all()
            for user_id in admins:
                session.add(
                    Notification(
                        user_id=user_id,
                        kind=notifications.Kind.FEED_STALE.value,
                        text=stale_text(status),
                        payload={"source": status.source, "state": status.state.value},
                        created_at=now,
                        attempts=0,
                    )
                )
            session.commit()

    return tell
