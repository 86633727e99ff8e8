"""The fake's instrument list: by default a handful of NSE names with their real Kite tokens;
`listing` makes a longer one (``tradertape fake-broker kite`` lists the demo's universes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tradertape.domain.instruments import InstrumentCatalog
from tradertape.domain.ticks import tick_size


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable (or index) instrument the fake knows."""

    instrument_token: int
    exchange: str
    tradingsymbol: str
    name: str
    price: Decimal  # the opening price of the fake's day
    isin: str = ""
    segment: str = "NSE"
    instrument_type: str = "EQ"
    tick_size: Decimal = Decimal("0.05")
    lot_size: int = 1
    freeze_quantity: int | None = None  # NSE's, when a test lists its own (else shipped)

    @property
    def key(self) -> str:
        """``EXCH:SYMBOL``, as quotes are keyed."""
        return f"{self.exchange}:{self.tradingsymbol}"


DEFAULT_INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(408065, "NSE", "INFY", "INFOSYS", Decimal("1500.00"), "INE009A01021"),
    Instrument(779521, "NSE", "SBIN", "STATE BANK OF INDIA", Decimal("800.00"), "INE062A01020"),
    Instrument(
        738561, "NSE", "RELIANCE", "RELIANCE INDUSTRIES", Decimal("1300.00"), "INE002A01018"
    ),
    Instrument(2953217, "NSE", "TCS", "TATA CONSULTANCY SERV", Decimal("3200.00"), "INE467B01029"),
    Instrument(341249, "NSE", "HDFCBANK", "HDFC BANK", Decimal("1700.00"), "INE040A01034"),
    Instrument(
        256265,
        "NSE",
        "NIFTY 50",
        "NIFTY 50",
        Decimal("25000.00"),
        segment="INDICES",
        instrument_type="EQ",
        tick_size=Decimal(0),
    ),
)


def listing(prices: Mapping[str, Decimal], catalog: InstrumentCatalog) -> tuple[Instrument, ...]:
    """An instrument for each ``EXCH:SYMBOL`` of `prices`, opening the fake's day at its price,
    plus NIFTY 50: those of `DEFAULT_INSTRUMENTS` keep Kite's real tokens, the others take the
    catalog's token, name and ISIN; each ticks as NSE's bands say at its price."""
    known = {i.key: i for i in DEFAULT_INSTRUMENTS}
    out = [i for i in DEFAULT_INSTRUMENTS if i.key not in prices]  # NIFTY 50, as it is
    for key, price in sorted(prices.items()):
        ours = catalog.get(key)
        real = known.get(key)
        out.append(
            Instrument(
                real.instrument_token if real else ours.instrument_token,
                ours.exchange.value,
                ours.tradingsymbol,
                real.name if real else ours.name.upper(),
                price,
                ours.isin or "",
                tick_size=tick_size(price),
            )
        )
    return tuple(out)


CSV_HEADER = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
    "tick_size,lot_size,instrument_type,segment,exchange"
)


def instruments_csv(instruments: tuple[Instrument, ...]) -> str:
    """Kite's instruments dump for `instruments`."""
    rows = [CSV_HEADER]
    for i in instruments:
        rows.append(
            f'{i.instrument_token},{i.instrument_token >> 8},{i.tradingsymbol},"{i.name}",'
            f"{i.price},,0,{i.tick_size},{i.lot_size},{i.instrument_type},{i.segment},{i.exchange}"
        )
    return "\n".join(rows) + "\n"
