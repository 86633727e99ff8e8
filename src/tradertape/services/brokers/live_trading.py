"""Live trading's switches, the user's live brokers, and the brokers' reports of fills.

Live orders need both switches: the server's (``TRADERTAPE_LIVE_TRADING_ENABLED``) and
the user's own (``users.live_trading``, turned on with a typed confirmation). An order
asks for live with ``mode: "live"`` (and ``broker`` when several are connected);
without both switches it is refused (403) and nothing reaches a broker; without a session
of that broker (or a single one) it is a 409.

Kite reports an order three ways, all booked by the live venue's `apply_report` (exactly once):
a postback (`verify_kite_postback`: sha256(order_id + order_timestamp + api_secret) with
the user's stored secret), the ticker's order updates on the bus (`follow_order_updates`)
and polling (the live venue's `poll`, from the trading loop's jobs). A broker whose row's
`updates` is `OrderUpdates.POLL` reports by polling alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.engine import Database
from tradertape.db.models import User
from tradertape.db.models.trading import Order
from tradertape.domain.books import PAPER_BROKER
from tradertape.domain.brokers import BROKERS, BrokerName, listed
from tradertape.errors import Conflict, Forbidden, InvalidField
from tradertape.feed.kite import KITE_ORDER_UPDATES_TOPIC
from tradertape.oms import (
    UNGUARDED,
    Account,
    Guard,
    LiveBroker,
    LiveGttSweeps,
    LiveReports,
    LiveSweeps,
)
from tradertape.ports.broker import Broker
from tradertape.ports.bus import EventBus, Subscription
from tradertape.security.tokens import digests_equal
from tradertape.services.brokers.account import BrokerConnector
from tradertape.services.brokers.credentials import BrokerCredentials

log = logging.getLogger("tradertape.live")

CONFIRMATION = "LIVE"  # what the user types to turn their switch on


def set_live_switch(db: Session, user: User, *, on: bool, confirm: str | None) -> None:
    """Turn the user's own live-trading switch on (only with ``confirm`` = "LIVE") or off
    (always allowed); commits."""
    if on and confirm != CONFIRMATION:
        raise InvalidField("confirm", f'type "{CONFIRMATION}" to turn live trading on')
    user.live_trading = on
    db.commit()


def live_allowed(server_enabled: bool, user: User) -> bool:
    """Whether both switches allow live orders for `user`."""
    return server_enabled and user.live_trading


class UserBrokers:
    """The user's connected live brokers (one connector per broker of `domain.brokers`) as
    the OMS needs them.

    Each adapter finds an order of ours by what it sent our key as (`Broker.find_order`:
    a tag or reference id the broker keeps), so a lookup never places anything.
    """

    def __init__(
        self, *, credentials: BrokerCredentials, connectors: Mapping[BrokerName, BrokerConnector]
    ) -> None:
        self._credentials = credentials
        # in the rows' order, so the user's "only connected" broker is found the same way
        self._connectors = {name: connectors[name] for name in BROKERS if name in connectors}

    def __call__(self, db: Session, user_id: int, broker: str | None = None) -> LiveBroker:
        """A `LiveBroker` for `broker`'s session, or the user's only one when None (409 if
        that broker is not connected, or if none or several are and none was named)."""
        name = self._only_connected(db, user_id) if broker is None else BrokerName(broker)
        session = self._session(db, user_id, name)
        if session is None:
            label = BROKERS[name].label
            raise Conflict(
                f'no live {label} session for "broker": "{name.value}": log in to {label} '
                "first (Settings → Brokers)"
            )
        api_key, token, static_ip = session
        adapter = self._connectors[name](api_key=api_key, access_token=token)
        return LiveBroker(name.value, adapter, static_ip)

    def _session(
        self, db: Session, user_id: int, name: BrokerName
    ) -> tuple[str, str, str | None] | None:
        """The API key, access token and registered static IP of a connected broker."""
        if name not in self._connectors:
            return None
        row = self._credentials.get(db, user_id=user_id, broker=name)
        token = self._credentials.access_token(db, user_id=user_id, broker=name)
        return None if row is None or token is None else (row.api_key, token, row.static_ip)

    def priced_at(
        self, db: Session, user_id: int, account: Account, *, session: bool = False
    ) -> tuple[str, Broker | None]:
        """Where a preview of an order of `account` is priced (nothing is sent): the paper
        account's schedule (``"paper"``, no adapter), or the live broker it would go to,
        with that broker's adapter when `session` (its margin answers need a session: a 409
        without one; without `session`, none is needed)."""
        # mode fork: a preview prices on the paper schedule, or asks the user's broker
        if not account.live:
            return PAPER_BROKER, None
        if not session:
            return self.name_of(db, user_id, account.broker).value, None
        live = self(db, user_id, account.broker)
        return live.name, live.adapter

    def name_of(self, db: Session, user_id: int, broker: str | None = None) -> BrokerName:
        """The broker a live order of the user goes to: `broker`, else their one connected
        broker (a 409 when none or several are)."""
        return self._only_connected(db, user_id) if broker is None else BrokerName(broker)

    def _only_connected(self, db: Session, user_id: int) -> BrokerName:
        connected = [n for n in self._connectors if self._session(db, user_id, n) is not None]
        if not connected:
            raise Conflict(
                f"no live broker session: log in to {listed()} first "
                '(Settings → Brokers), then send "broker"'
            )
        if len(connected) > 1:
            names = ", ".join(f'"{n.value}"' for n in connected)
            raise Conflict(f'several brokers are connected ({names}): say which with "broker"')
        return connected[0]


def kite_postback_checksum(order_id: str, order_timestamp: str, api_secret: str) -> str:
    """Kite's postback checksum: sha256 of order id, order timestamp and the API secret."""
    return hashlib.sha256(f"{order_id}{order_timestamp}{api_secret}".encode()).hexdigest()


def verify_kite_postback(
    db: Session, credentials: BrokerCredentials, payload: dict[str, Any]
) -> None:
    """Refuse (403) a postback that is not for a live order of ours or fails its checksum.

    The user is found by the broker's order id; their stored API secret checks the
    checksum (a user who keeps the secret in the browser gets fills by socket and polling).
    """
    order_id = str(payload.get("order_id") or "")
    user_id = db.scalar(
        select(Order.user_id).where(
            Order.broker == BrokerName.KITE.value, Order.broker_order_id == order_id
        )
    )
    secret = (
        None
        if user_id is None
        else credentials.api_secret(db, user_id=user_id, broker=BrokerName.KITE)
    )
    if secret is None:
        raise Forbidden("postback refused: unknown order or no stored secret to verify it")
    expected = kite_postback_checksum(order_id, str(payload.get("order_timestamp") or ""), secret)
    if not digests_equal(expected, str(payload.get("checksum") or "")):
        raise Forbidden("postback refused: bad checksum")


def book_kite_postback(
    live: LiveReports, db: Session, credentials: BrokerCredentials, payload: dict[str, Any]
) -> bool:
    """A verified Kite postback's report booked once (403 if it fails `verify_kite_postback`);
    False when the order is not one of ours."""
    verify_kite_postback(db, credentials, payload)
    return live.apply_kite_update(db, BrokerName.KITE.value, payload)


def apply_order_update(live: LiveReports, db: Session, message: dict[str, Any]) -> bool:
    """Book one ticker order update (as `feed.kite` publishes it); False if not ours."""
    data = message.get("data")
    if not isinstance(data, dict) or "order_id" not in data:
        return False
    return live.apply_kite_update(db, str(message.get("broker") or "kite"), data)


async def follow_order_updates(bus: EventBus, live: LiveReports, db: Database) -> None:
    """Book the ticker's order updates from the bus until cancelled."""
    await book_order_updates(await bus.subscribe(KITE_ORDER_UPDATES_TOPIC), live, db)


async def book_order_updates(subscription: Subscription, live: LiveReports, db: Database) -> None:
    """Book each order update of `subscription` until it ends (then close it)."""
    try:
        async for _topic, message in subscription:
            try:
                await asyncio.to_thread(_apply_in_session, live, db, message)
            except Exception:  # polling still reports the order
                log.exception("booking a kite order update failed")
    finally:
        await subscription.close()


def _apply_in_session(live: LiveReports, db: Database, message: dict[str, Any]) -> None:
    with db.session() as session:
        apply_order_update(live, session, message)


class LiveJobs:
    """The trading loop's live sweep: settle unsent rows, follow live GTTs (adopting the
    orders of fired ones), then poll open live orders.

    Runs on the loop's timer (a few seconds) when the server allows live trading; polling
    is the fallback that books a fill no postback or socket update reported.
    """

    def __init__(
        self,
        *,
        db: Database,
        live: LiveSweeps,
        gtts: LiveGttSweeps | None = None,
        guard: Guard = UNGUARDED,
    ) -> None:
        """`guard`: each order, trigger and (user, broker) fails alone (`background.guard`)."""
        self._db = db
        self._live = live
        self._gtts = gtts
        self._guard = guard

    def run_due(self) -> None:
        """One sweep: unsent rows looked up one by one, then each (user, broker) with open
        live orders polled once; each step a job of its own."""
        guard = self._guard
        steps: list[tuple[str, Callable[[Session], object]]] = [
            ("live.resolve_unsent", lambda db: self._live.resolve_unsent(db, guard))
        ]
        if (gtts := self._gtts) is not None:
            steps.append(("live_gtt.resolve_unplaced", lambda db: gtts.resolve_unplaced(db, guard)))
            steps.append(("live_gtt.sync", lambda db: gtts.sync(db, guard)))
        steps.append(("live.poll", lambda db: self._live.poll(db, guard)))
        for name, step in steps:
            guard.job(name, partial(self._in_session, step))

    def _in_session(self, step: Callable[[Session], object]) -> None:
        with self._db.session() as session:
            step(session)
