"""Catalog lookups added for broker symbols and search: tokens, index names, contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    UnknownInstrumentError,
)
from tradertape.domain.instruments_data import reference_catalog

REFERENCE = reference_catalog()
CALL = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="RELIANCE26SEP1400CE",
    instrument_type=InstrumentType.CE,
    name="RELIANCE",
    instrument_token=777 << 8 | 2,
    exchange_token=777,
    expiry=date(2026, 9, 29),
    strike=Decimal("1400"),
    underlying="RELIANCE",
)
FUTURE = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="RELIANCE26SEPFUT",
    instrument_type=InstrumentType.FUT,
    name="RELIANCE",
    instrument_token=778 << 8 | 2,
    exchange_token=778,
    expiry=date(2026, 9, 29),
    underlying="RELIANCE",
)
CATALOG = InstrumentCatalog([*REFERENCE, CALL, FUTURE], {})


def test_segments_and_option_types():
    assert REFERENCE.get("NSE:INFY").segment == "NSE"
    assert REFERENCE.get("NSE:NIFTY 50").segment == "INDICES"
    assert FUTURE.segment == "NFO-FUT"
    assert CALL.segment == "NFO-OPT"
    assert CALL.option_type is InstrumentType.CE
    assert FUTURE.option_type is None
    assert REFERENCE.get("NSE:INFY").option_type is None


def test_by_exchange_token():
    assert CATALOG.by_exchange_token(Exchange.NFO, 777) is CALL
    with pytest.raises(UnknownInstrumentError, match="'777'"):
        CATALOG.by_exchange_token(Exchange.BFO, 777)


@pytest.mark.parametrize(
    "name", ["NIFTY 50", "Nifty 50", "nifty", "NIFTY50", "Nifty Fin Service", "FINNIFTY"]
)
def test_indices_answer_to_every_spelling(name: str):
    expected = "NSE:NIFTY FIN SERVICE" if "fin" in name.lower() else "NSE:NIFTY 50"
    assert CATALOG.index_named(Exchange.NSE, name).key == expected


def test_index_names_do_not_collide_in_the_reference_data():
    for index in (i for i in REFERENCE if i.instrument_type is InstrumentType.INDEX):
        for spelling in (index.tradingsymbol, index.underlying, index.name):
            assert spelling
            assert REFERENCE.index_named(index.exchange, spelling) is index
    with pytest.raises(UnknownInstrumentError):
        REFERENCE.index_named(Exchange.BSE, "NIFTY")


def test_contract_by_terms():
    expiry = date(2026, 9, 29)
    assert CATALOG.contract(Exchange.NFO, "reliance", expiry, InstrumentType.FUT) is FUTURE
    # a strike given for a future is ignored; an option's strike compares by value
    fut = CATALOG.contract(Exchange.NFO, "RELIANCE", expiry, InstrumentType.FUT, Decimal(5))
    assert fut is FUTURE
    strike = Decimal("1400.00")
    assert CATALOG.contract(Exchange.NFO, "RELIANCE", expiry, InstrumentType.CE, strike) is CALL
    with pytest.raises(UnknownInstrumentError, match="NFO:RELIANCE 2026-09-29 1400 PE"):
        CATALOG.contract(Exchange.NFO, "RELIANCE", expiry, InstrumentType.PE, Decimal(1400))


def test_search_ranks_exact_then_prefix_then_names():
    keys = [i.key for i in CATALOG.search("reliance", limit=10)]
    assert keys[0] == "NSE:RELIANCE"
    assert keys[1:] == ["NFO:RELIANCE26SEP1400CE", "NFO:RELIANCE26SEPFUT", "NSE:RPOWER"]
    assert [i.key for i in CATALOG.search("tcs")][0] == "NSE:TCS"
    assert "NSE:NIFTY BANK" in [i.key for i in CATALOG.search("bank", limit=100)]
    assert CATALOG.search("   ") == []
    assert CATALOG.search("zzzz") == []


def test_search_pages():
    everything = CATALOG.search("a", limit=500)
    assert CATALOG.search("a", limit=5, offset=5) == everything[5:10]
    assert len(everything) > 10
