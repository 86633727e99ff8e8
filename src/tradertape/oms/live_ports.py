"""What the services around live trading hold of the live venue, and nothing more.

The live venue (`oms.live`) is the engine's own. The services that receive a broker's
reports (Kite's postbacks, the ticker's order updates), run the live sweeps on the trading
loop's timer and reconcile a user's broker are typed against these surfaces, which the
composition root fills with the venue's objects (`LiveOrders` satisfies `LiveReports` and
`LiveSweeps`, `LiveGttBook` satisfies `LiveGttSweeps`, `Reconciler` satisfies
`LiveReconciler`), as the model portfolios hold `PortfolioBooks` instead of the paper venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from tradertape.oms.job_guard import Guard
from tradertape.oms.live.orders import LiveBroker
from tradertape.oms.live.reconcile import ReconcileReport


class LiveReports(Protocol):
    """Books a broker's report of one of our live orders, exactly once."""

    def apply_kite_update(self, db: Session, broker: str, payload: Mapping[str, Any]) -> bool:
        """Book a report in Kite's order shape (a postback, a ticker update) and commit;
        False when the order is not ours."""
        ...


class LiveSweeps(LiveReports, Protocol):
    """The live orders' sweeps: unsent rows settled, open orders polled."""

    def resolve_unsent(self, db: Session, guard: Guard = ...) -> int:
        """Settle the orders whose send had no answer; how many."""
        ...

    def poll(self, db: Session, guard: Guard = ...) -> int:
        """Poll the open live orders once per (user, broker); how many reports were ours."""
        ...


class LiveGttSweeps(Protocol):
    """The live triggers' sweeps: unplaced rows settled, fired ones followed."""

    def resolve_unplaced(self, db: Session, guard: Guard = ...) -> int:
        """Settle the triggers whose placing had no answer; how many."""
        ...

    def sync(self, db: Session, guard: Guard = ...) -> int:
        """Follow each active live trigger at its broker; how many changed."""
        ...


class LiveReconciler(Protocol):
    """Compares a user's broker with our books (adopting and marking as it goes)."""

    def run(self, db: Session, *, user_id: int, broker: LiveBroker) -> ReconcileReport:
        """One reconciliation of `broker` for the user."""
        ...
