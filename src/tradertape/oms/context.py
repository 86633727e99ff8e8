"""What the OMS's parts read: the market clock, the trading calendar, the paper exchange's
knobs, the instruments, the last prices and the one pre-trade gate.

Placement, matching, booking and the live book are separate modules; each takes the
`TradingContext` instead of a reference to a façade, so none depends on another's internals.
The paper account's name in the ledger (`BROKER`) and its square-off source live here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from sqlalchemy.orm import Session

from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.margins import MarginRates
from tradertape.domain.market import Tick
from tradertape.domain.matching import MatchConfig
from tradertape.oms.gate import PreTradeGate
from tradertape.ports.clock import Clock

BROKER = "paper"
SQUAREOFF = "squareoff"  # the source of the broker's own square-off orders
CatalogSource = Callable[[Session], InstrumentCatalog]
LastTick = Callable[[str], Tick | None]  # ``EXCH:SYMBOL`` → the latest tick seen, if any


def no_quotes(_key: str) -> Tick | None:
    """A context that sees no prices beyond the ticks it is handed."""
    return None


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """Knobs of the simulated exchange."""

    match: MatchConfig = field(default_factory=MatchConfig)
    margins: MarginRates = field(default_factory=MarginRates)  # domain.margins' table
    # A cover order's trigger may sit at most this share of the last price away (Zerodha).
    cover_trigger_range: Decimal = Decimal("0.10")
    # An order's price and trigger sit within this share of the last price (NSE's widest
    # fixed daily band); options are exempt: the exchange's ranges for them are far wider.
    price_band: Decimal = Decimal("0.20")
    # Zerodha's auto square-off (reference §5.5); new MIS orders are refused from then on.
    squareoff_equity: time = time(15, 20)
    squareoff_fno: time = time(15, 25)

    def squareoff_time(self, derivative: bool) -> time:
        """When MIS positions of this kind are closed by the broker."""
        return self.squareoff_fno if derivative else self.squareoff_equity


@dataclass(frozen=True, slots=True)
class TradingContext:
    """What every part of the OMS reads (the live book shares the gate, clock and catalog)."""

    clock: Clock  # market time (the feed's, in demo mode)
    calendar: TradingCalendar
    config: PaperConfig
    catalog: CatalogSource  # read per session, so imported instruments are seen
    quotes: LastTick = no_quotes  # marks positions and options' underlyings for margins
    gate: PreTradeGate = field(default_factory=PreTradeGate)  # the risk rules, once registered
    # Sends the catalog's read ahead (`Prepared.prefetch`) for a caller about to place.
    catalog_ahead: Callable[[Session], None] | None = None
    # Whether the market feed went quiet (`feed.watchdog`): its last prices are old.
    feed_quiet: Callable[[], bool] = lambda: False
