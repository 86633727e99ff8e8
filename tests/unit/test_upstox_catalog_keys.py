"""The server's Upstox keys follow the catalog as imported (issue 54): a contract imported
after the map was built is named by its exchange token on first use; a key the current
catalog cannot name is refused without rebuilding anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.domain.instruments import Exchange, Instrument, InstrumentCatalog, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.services.brokers.upstox_keys import CatalogKeys
from tradertape_brokers.port import OrderRejected

FUT = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="NIFTY26DECFUT",
    instrument_type=InstrumentType.FUT,
    name="NIFTY",
    instrument_token=13351172,
    exchange_token=52168,
    lot_size=65,
    tick_size=Decimal("0.1"),
    expiry=date(2026, 12, 29),
    underlying="NIFTY",
)


def test_a_contract_imported_later_is_named_by_its_exchange_token():
    shipped = reference_catalog()
    imported = InstrumentCatalog([*shipped, FUT], {})
    current = [shipped]
    reads: list[InstrumentCatalog] = []

    def read() -> InstrumentCatalog:
        reads.append(current[0])
        return current[0]

    keys = CatalogKeys(read)
    assert keys.upstox("NSE:RELIANCE") == "NSE_EQ|INE002A01018"
    with pytest.raises(OrderRejected, match="NFO:NIFTY26DECFUT"):
        keys.upstox(FUT.key)  # not imported yet
    assert keys.upstox("NSE:RELIANCE") == "NSE_EQ|INE002A01018"
    assert len(reads) == 2  # a known key reads nothing

    current[0] = imported  # a dump imported since
    assert keys.upstox(FUT.key) == "NSE_FO|52168"
    assert keys.kite("NSE_FO|52168") == FUT.key
    assert keys.upstox(FUT.key) == "NSE_FO|52168"
    assert len(reads) == 3
