"""F&O contracts for tests: the reference catalog plus November 2026 futures and options.

The shipped catalog has no contracts (they come from a Kite dump); these follow the
dump's shapes, with the lot sizes of ``fno_underlyings.csv``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    synthetic_token,
)
from tradertape.domain.instruments_data import reference_catalog

EXPIRY = date(2026, 11, 24)  # November's last Tuesday


def _contract(
    symbol: str, underlying: str, kind: InstrumentType, lot: int, strike: int | None = None
) -> Instrument:
    return Instrument(
        exchange=Exchange.NFO,
        tradingsymbol=symbol,
        instrument_type=kind,
        name=underlying,
        instrument_token=synthetic_token(Exchange.NFO, symbol),
        lot_size=lot,
        tick_size=Decimal("0.05"),
        expiry=EXPIRY,
        strike=Decimal(strike) if strike is not None else None,
        underlying=underlying,
    )


NIFTY_FUT = _contract("NIFTY26NOVFUT", "NIFTY", InstrumentType.FUT, 65)
NIFTY_CE = _contract("NIFTY26NOV26000CE", "NIFTY", InstrumentType.CE, 65, 26000)
NIFTY_CE_FAR = _contract("NIFTY26NOV26100CE", "NIFTY", InstrumentType.CE, 65, 26100)
NIFTY_PE = _contract("NIFTY26NOV26000PE", "NIFTY", InstrumentType.PE, 65, 26000)
RELIANCE_FUT = _contract("RELIANCE26NOVFUT", "RELIANCE", InstrumentType.FUT, 500)  # NIFTY 50
ABB_FUT = _contract("ABB26NOVFUT", "ABB", InstrumentType.FUT, 125)  # NIFTY 200, not 50
AMBER_FUT = _contract("AMBER26NOVFUT", "AMBER", InstrumentType.FUT, 100)  # outside NIFTY 200
CONTRACTS = (NIFTY_FUT, NIFTY_CE, NIFTY_CE_FAR, NIFTY_PE, RELIANCE_FUT, ABB_FUT, AMBER_FUT)


@cache
def fno_catalog() -> InstrumentCatalog:
    """The reference catalog and its universes, with `CONTRACTS` listed."""
    reference = reference_catalog()
    universes = {n: [i.key for i in reference.universe(n)] for n in reference.universe_names}
    return InstrumentCatalog([*reference, *CONTRACTS], universes)
