"""The basket owner as the routes and the assistant reach it: one object, built once by the
composition root (`wiring/services.py`, held as `Runtime.baskets`), holding what the
package's functions need (the worker contract, the user's live brokers), so a delivery
calls its commands and reads by the user, the account and the legs, and hands it no
service of the runtime.

Its command places a chain's structure (`chain.place`); its reads price one before sending
(`preview`; `alert_preview`, an alert's basket before the alert is saved; `pricing`: where
a preview is priced and what the manual book may spend)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tradertape.oms import Account
from tradertape.ports.broker import Broker
from tradertape.services import baskets
from tradertape.services.alerts import preview as alert_preview
from tradertape.services.baskets import chain
from tradertape.services.brokers.live_trading import UserBrokers
from tradertape.services.workers.context import WorkerContext


@dataclass(frozen=True, slots=True)
class Pricing:
    """Where a basket of `account` is priced before sending, and what it may spend."""

    broker: str  # the schedule its charges are estimated on
    adapter: Broker | None  # a live broker that may answer its basket margin itself
    available: Decimal  # the manual book's money (`chain.manual_available`)


@dataclass(frozen=True, slots=True)
class Baskets:
    """The basket owner's commands and reads (see the module)."""

    workers: WorkerContext
    brokers: UserBrokers

    def pricing(self, db: Session, *, user_id: int, account: Account) -> Pricing:
        """Where a preview of a basket of `account` is priced, and the money it may use."""
        broker, adapter = self.brokers.priced_at(db, user_id, account, session=True)
        available = chain.manual_available(self.workers, db, user_id=user_id)
        return Pricing(broker, adapter, available)

    def preview(
        self, db: Session, legs: Sequence[chain.ChainLeg], *, user_id: int, account: Account
    ) -> baskets.Margin:
        """The chain structure's margin and charges before sending (nothing stored)."""
        priced = self.pricing(db, user_id=user_id, account=account)
        return chain.preview(
            db,
            self.workers,
            legs,
            broker=priced.broker,
            available=priced.available,
            adapter=priced.adapter,
        )

    def alert_preview(
        self,
        db: Session,
        legs: Sequence[dict[str, Any]],
        *,
        symbol: str | None,
        user_id: int,
        account: Account,
    ) -> baskets.Margin:
        """An alert's basket's margin and charges before the alert is saved (nothing
        stored): its legs as the alert form sends them, one without a symbol priced on
        `symbol` (`alerts.preview`), where and with what money `pricing` says."""
        priced = self.pricing(db, user_id=user_id, account=account)
        return alert_preview.preview(
            db,
            self.workers,
            legs,
            symbol=symbol,
            broker=priced.broker,
            available=priced.available,
            adapter=priced.adapter,
        )

    def place(
        self,
        db: Session,
        legs: Sequence[chain.ChainLeg],
        *,
        user_id: int,
        account: Account,
        key: str | None = None,
        source: str = chain.SOURCE,
    ) -> chain.Placed:
        """Send the chain structure's legs hedge-first (`chain.place`)."""
        return chain.place(
            db, self.workers, legs, user_id=user_id, account=account, key=key, source=source
        )
