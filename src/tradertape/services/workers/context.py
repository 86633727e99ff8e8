"""What the worker services share, built once per process by the runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from tradertape.domain.market import Tick
from tradertape.domain.worker_runs import SessionWindows
from tradertape.oms import OrderPipeline, PaperPortfolio, TradingContext
from tradertape.ports.clock import Clock
from tradertape.security.keys import derive_key
from tradertape.services.brokers.credentials import BrokerCredentials
from tradertape.services.cancel_backoff import CancelBackoff

LastTick = Callable[[str], Tick | None]


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """Clock, the order pipeline, prices, keys and knobs of the worker services."""

    clock: Clock  # wall time: sessions, heartbeats, safety tokens, the journal
    last_tick: LastTick
    safety_key: bytes
    cursor_key: bytes
    orders: OrderPipeline  # every order of a run, paper or live, goes in by this one door
    # (and a live run's broker is asked through it: its orders' state, its margins)
    portfolio: PaperPortfolio  # the paper account's views: its funds are the Funds page's
    windows: SessionWindows = SessionWindows()
    safety_ttl: timedelta = timedelta(seconds=10)
    live_trading_enabled: bool = False
    paper_opening_balance: Decimal = Decimal(1_000_000)
    credentials: BrokerCredentials | None = None  # which Kite account the user connected
    # An option run's exit's cancels the broker did not answer: when each is asked again
    # (one per process, shared by the worker API, the loop's timer and the protection).
    cancels: CancelBackoff = field(default_factory=CancelBackoff)

    @property
    def trading(self) -> TradingContext:
        """Market time, the calendar, the catalog and the paper knobs (the engine's)."""
        return self.orders.context

    @classmethod
    def build(
        cls,
        *,
        secret: str,
        clock: Clock,
        last_tick: LastTick,
        orders: OrderPipeline,
        portfolio: PaperPortfolio,
        safety_ttl_secs: float = 10.0,
        freshness_secs: int = 60,
        claim_without_heartbeat_secs: int = 120,
        live_trading_enabled: bool = False,
        paper_opening_balance: Decimal = Decimal(1_000_000),
        credentials: BrokerCredentials | None = None,
    ) -> WorkerContext:
        """Derive the keys from the server secret and take the knobs from settings."""
        return cls(
            clock=clock,
            last_tick=last_tick,
            safety_key=derive_key(secret, "worker-safety-token"),
            cursor_key=derive_key(secret, "worker-run-cursor"),
            orders=orders,
            portfolio=portfolio,
            windows=SessionWindows(
                freshness=timedelta(seconds=freshness_secs),
                claim_without_heartbeat=timedelta(seconds=claim_without_heartbeat_secs),
            ),
            safety_ttl=timedelta(seconds=safety_ttl_secs),
            live_trading_enabled=live_trading_enabled,
            paper_opening_balance=paper_opening_balance,
            credentials=credentials,
        )
