"""Broker sessions that end: a reminder before the open, and "log in again" after a logout.

Each broker's access token dies at a fixed hour (its row's `session_ends_at`, the next day:
`domain.brokers.access_token_expiry`), or earlier when the user logs out at
the broker (a master logout). Nothing live can reach the broker until the user logs in
again, so:

- **Before the open** (`SessionWatch.run_due`, on the trading loop's timer): on an NSE
  trading day, from `REMIND_FROM` (08:30 IST) until the close, each user whose session of a
  broker will not be valid at 09:15 while something live depends on it (working orders,
  active GTTs, an active model portfolio at that broker, a live worker run on Kite) gets one
  ``broker_session`` notification per broker and day: the bell's badge, Telegram (the outbox's
  sender) and the agent (`GET /api/agent/broker-sessions`) all read it.
- **A logout the broker reports** (`end_session`, the hook `LiveOrders` calls when a sweep's
  call is refused with `SessionExpired`): the session is marked ended (``logged_out``: the
  desk says so), and one notification says to log in again. Later sweeps find no session and
  skip that broker quietly (the job guard logs the condition once) instead of calling the
  broker with a dead token on every pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import BrokerCredential, ModelPortfolio, Notification
from tradertape.db.models.trading import Gtt, Order
from tradertape.db.models.workers import WorkerRun
from tradertape.domain.brokers import BrokerName, label_of
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.order_state import PENDING
from tradertape.domain.worker_runs import FINISHED
from tradertape.oms import UNGUARDED, Guard
from tradertape.ports.clock import IST, Clock
from tradertape.services.notifications import events as notifications

log = logging.getLogger("tradertape.sessions")

REMIND_FROM = time(8, 30)  # IST: after every broker's cut-off, before the 09:15 open
OPENS_AT = time(9, 15)
SEND_UNTIL = time(15, 30)  # a reminder missed while the server was down, up to the close
CHECK_EVERY = timedelta(minutes=1)  # a dependant that appears is reminded within a minute
LOGGED_OUT = "logged_out"  # `BrokerCredential.login_state` after a logout the broker reported
_LIVE_GTT = ("active", "placing")
_Lapsing = tuple[int, str, datetime | None, str | None]  # user, broker, expiry, login state


@dataclass(frozen=True, slots=True)
class Dependents:
    """What live depends on one user's session at one broker."""

    orders: int = 0
    gtts: int = 0
    portfolios: int = 0
    runs: int = 0

    def __bool__(self) -> bool:
        return bool(self.orders or self.gtts or self.portfolios or self.runs)

    def words(self) -> str:
        """``2 working orders, 1 GTT`` (only what there is)."""
        parts = [
            (self.orders, "working order"),
            (self.gtts, "GTT"),
            (self.portfolios, "model portfolio"),
            (self.runs, "live worker run"),
        ]
        return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in parts if n)


def dependents(db: Session, *, user_id: int, broker: str) -> Dependents:
    """The user's live orders, GTTs, model portfolios and (Kite) worker runs at `broker`."""

    def count(query: Select[int]) -> int:
        return int(db.scalar(query) or 0)

    orders = count(
        select(func.count())
        .select_from(Order)
        .where(Order.user_id == user_id, Order.broker == broker, Order.status.in_(PENDING))
    )
    gtts = count(
        select(func.count())
        .select_from(Gtt)
        .where(Gtt.user_id == user_id, Gtt.broker == broker, Gtt.status.in_(_LIVE_GTT))
    )
    portfolios = count(
        select(func.count())
        .select_from(ModelPortfolio)
        .where(
            ModelPortfolio.user_id == user_id,
            ModelPortfolio.broker == broker,
            ModelPortfolio.status == "active",
            ModelPortfolio.paper_mode.is_(False),
        )
    )
    runs = 0
    if broker == BrokerName.KITE.value:  # live worker runs trade through the Kite session
        runs = count(
            select(func.count())
            .select_from(WorkerRun)
            .where(
                WorkerRun.user_id == user_id,
                WorkerRun.execution_mode == "live",
                WorkerRun.status.not_in([s.value for s in FINISHED]),
            )
        )
    return Dependents(orders, gtts, portfolios, runs)


def log_in_again(broker: str, status: str) -> str | None:
    """What the user must do about a session in `status` (None: nothing): the desk, the
    agent and the notifications say the same words."""
    label = label_of(broker)
    if status == LOGGED_OUT:
        return f"{label} ended your session: log in again (Settings → Brokers)"
    if status == "expired":
        return f"Your {label} session expired: log in again (Settings → Brokers)"
    return None


def _ist(moment: datetime) -> str:
    return f"{moment.astimezone(IST):%H:%M} IST"


def _write_once(db: Session, row: Notification) -> bool:
    """Add `row` and commit; False when its idempotency key was taken (told already)."""
    taken = db.scalar(
        select(Notification.id).where(
            Notification.user_id == row.user_id,
            Notification.idempotency_key == row.idempotency_key,
        )
    )
    if taken is not None:
        return False
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # another process told the user meanwhile
        db.rollback()
        return False
    return True


def end_session(db: Session, user_id: int, broker: str, reason: str, *, now: datetime) -> bool:
    """The broker refused the user's token: mark the session ended and tell the user once.

    Returns whether a notification was written (the session ends once per login)."""
    row = db.scalar(
        select(BrokerCredential).where(
            BrokerCredential.user_id == user_id, BrokerCredential.broker == broker
        )
    )
    if row is None or row.access_token_enc is None:
        return False
    expires = row.access_token_expires_at
    login = expires.isoformat(timespec="minutes") if expires else "unknown"
    if expires is None or expires > now:
        row.access_token_expires_at = now
    row.login_state = LOGGED_OUT
    label = label_of(broker)
    waiting = dependents(db, user_id=user_id, broker=broker)
    paused = f" Live polling of {waiting.words()} is paused until you do." if waiting else ""
    note = Notification(
        user_id=user_id,
        kind=notifications.Kind.BROKER_SESSION.value,
        text=(
            f"🔑 {label} ended your session ({reason}): log in again (Settings → Brokers).{paused}"
        ),
        payload={"broker": broker, "state": LOGGED_OUT, "dependents": waiting.words()},
        created_at=now,
        attempts=0,
        idempotency_key=f"session-ended:{broker}:{login}"[:64],
    )
    db.flush()
    wrote = _write_once(db, note)
    if not wrote:
        db.commit()  # the session is still marked ended
    log.warning("%s session of user %s ended at the broker: %s", broker, user_id, reason)
    return wrote


class SessionWatch:
    """Reminds users, before the open, of broker sessions their live work depends on."""

    def __init__(
        self,
        *,
        db: Database,
        calendar: TradingCalendar,
        clock: Clock,
        guard: Guard = UNGUARDED,
        every: timedelta = CHECK_EVERY,
    ) -> None:
        """`guard`: each (user, broker) fails alone (`background.guard`); `every`: how often
        the loop's timer (a few seconds) may look."""
        self._db = db
        self._calendar = calendar
        self._clock = clock
        self._guard = guard
        self._every = every
        self._last: datetime | None = None
        self._told: set[tuple[int, str, date]] = set()  # reminded (this process knows)

    def ended(self, db: Session, user_id: int, broker: str, reason: str) -> None:
        """`LiveOrders`' hook: the broker refused the token (`end_session`)."""
        end_session(db, user_id, broker, reason, now=self._clock.now())

    def run_due(self) -> list[tuple[int, str]]:
        """Remind every user whose session will not last to the open; the (user, broker)
        pairs reminded now."""
        now = self._clock.now()
        local = now.astimezone(IST)
        day, at = local.date(), local.time().replace(tzinfo=None)
        if not REMIND_FROM <= at < SEND_UNTIL or not self._calendar.covers(day):
            return []
        if not self._calendar.is_trading_day(day):
            return []
        if self._last is not None and now - self._last < self._every:
            return []
        self._last = now
        opens = datetime.combine(day, OPENS_AT, tzinfo=IST)
        with self._db.session() as db:
            rows = db.execute(
                select(
                    BrokerCredential.user_id,
                    BrokerCredential.broker,
                    BrokerCredential.access_token_expires_at,
                    BrokerCredential.login_state,
                ).where(BrokerCredential.access_token_enc.is_not(None))
            ).all()
            lapsing = [
                (user_id, broker, expires, state)
                for user_id, broker, expires, state in rows
                if (expires is None or expires <= max(opens, now))
                and (user_id, broker, day) not in self._told
            ]

            def remind(item: _Lapsing) -> tuple[int, str] | None:
                user_id, broker, expires, state = item
                wrote = self._remind(db, user_id, broker, expires, state, day, now, opens)
                if not wrote:
                    return None
                self._told.add((user_id, broker, day))
                return (user_id, broker)

            done = self._guard.each(
                lapsing,
                job="broker_sessions.remind",
                key=lambda item: f"user:{item[0]}:{item[1]}",
                owner=lambda item: item[0],
                work=remind,
                db=db,
            )
        return [pair for pair in done if pair is not None]

    def _remind(
        self,
        db: Session,
        user_id: int,
        broker: str,
        expires: datetime | None,
        state: str | None,
        day: date,
        now: datetime,
        opens: datetime,
    ) -> bool:
        waiting = dependents(db, user_id=user_id, broker=broker)
        if not waiting:
            return False
        label = label_of(broker)
        if state == LOGGED_OUT:
            why = f"{label} ended your session"
        elif expires is not None and expires <= now:
            why = f"your {label} session ended at {_ist(expires)}"
        else:
            why = f"your {label} session ends at {_ist(expires)}" if expires else "no expiry"
        when = "before the 09:15 open" if now < opens else "now: the market is open"
        note = Notification(
            user_id=user_id,
            kind=notifications.Kind.BROKER_SESSION.value,
            text=(
                f"🔑 Log in to {label} {when}: {why}, and {waiting.words()} depend on it "
                "(Settings → Brokers)."
            ),
            payload={"broker": broker, "state": "reminder", "dependents": waiting.words()},
            created_at=now,
            attempts=0,
            idempotency_key=f"session-reminder:{broker}:{day.isoformat()}",
        )
        return _write_once(db, note)
