"""Symbol mapping between Kite, Upstox and Groww, both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain import symbols
from tradertape.domain.instruments import (
    Exchange,
    Instrument,
    InstrumentCatalog,
    InstrumentType,
    UnknownInstrumentError,
)
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.symbols import GrowwSymbol, SymbolFormat, UnmappedSymbolError

CATALOG = reference_catalog()
NIFTY_CE = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="NIFTY25SEP24650CE",
    instrument_type=InstrumentType.CE,
    name="NIFTY",
    instrument_token=40050 << 8 | 2,
    exchange_token=40050,
    lot_size=75,
    expiry=date(2025, 9, 30),
    strike=Decimal("24650"),
    underlying="NIFTY",
)
NIFTY_FUT = Instrument(
    exchange=Exchange.NFO,
    tradingsymbol="NIFTY25SEPFUT",
    instrument_type=InstrumentType.FUT,
    name="NIFTY",
    instrument_token=51714 << 8 | 2,
    exchange_token=51714,
    expiry=date(2025, 9, 30),
    underlying="NIFTY",
)
SENSEX_PE = Instrument(
    exchange=Exchange.BFO,
    tradingsymbol="SENSEX25SEP79500PE",
    instrument_type=InstrumentType.PE,
    name="SENSEX",
    instrument_token=1143711 << 8 | 5,
    exchange_token=1143711,
    expiry=date(2025, 9, 25),
    strike=Decimal("79500.00"),
    underlying="SENSEX",
)
WITH_FNO = InstrumentCatalog([*CATALOG, NIFTY_CE, NIFTY_FUT, SENSEX_PE], {})


def test_every_reference_instrument_round_trips_through_upstox_and_groww():
    for instrument in CATALOG:
        key = instrument.key
        upstox = symbols.kite_to_upstox(CATALOG, key)
        assert symbols.upstox_to_kite(CATALOG, upstox) == key, upstox
        groww = symbols.kite_to_groww(CATALOG, key)
        fields = (groww.trading_symbol, groww.exchange, groww.segment)
        assert symbols.groww_to_kite(CATALOG, *fields) == key, groww
        assert symbols.from_groww_symbol(CATALOG, groww.groww_symbol).key == key, groww
        assert symbols.resolve(CATALOG, upstox).key == key
        assert symbols.resolve(CATALOG, groww.groww_symbol).key == key


@pytest.mark.parametrize(
    ("kite", "upstox", "groww"),
    [
        pytest.param(
            "NSE:RELIANCE",
            "NSE_EQ|INE002A01018",
            GrowwSymbol("RELIANCE", "NSE", "CASH", "NSE-RELIANCE"),
            id="equity",
        ),
        pytest.param(
            "NSE:WIPRO",
            "NSE_EQ|INE075A01022",
            GrowwSymbol("WIPRO", "NSE", "CASH", "NSE-WIPRO"),
            id="wipro",
        ),
        pytest.param(
            "NSE:BAJAJ-AUTO",
            "NSE_EQ|INE917I01010",
            GrowwSymbol("BAJAJ-AUTO", "NSE", "CASH", "NSE-BAJAJ-AUTO"),
            id="hyphen",
        ),
        pytest.param(
            "NSE:NIFTY 50",
            "NSE_INDEX|Nifty 50",
            GrowwSymbol("NIFTY", "NSE", "CASH", "NSE-NIFTY"),
            id="index",
        ),
        pytest.param(
            "NSE:NIFTY FIN SERVICE",
            "NSE_INDEX|Nifty Fin Service",
            GrowwSymbol("FINNIFTY", "NSE", "CASH", "NSE-FINNIFTY"),
            id="index-renamed",
        ),
        pytest.param(
            "BSE:SENSEX",
            "BSE_INDEX|SENSEX",
            GrowwSymbol("SENSEX", "BSE", "CASH", "BSE-SENSEX"),
            id="bse-index",
        ),
        pytest.param(
            "NFO:NIFTY25SEPFUT",
            "NSE_FO|51714",
            GrowwSymbol("NIFTY25SEPFUT", "NSE", "FNO", "NSE-NIFTY-30Sep25-FUT"),
            id="future",
        ),
        pytest.param(
            "NFO:NIFTY25SEP24650CE",
            "NSE_FO|40050",
            GrowwSymbol("NIFTY25SEP24650CE", "NSE", "FNO", "NSE-NIFTY-30Sep25-24650-CE"),
            id="call",
        ),
        pytest.param(
            "BFO:SENSEX25SEP79500PE",
            "BSE_FO|1143711",
            GrowwSymbol("SENSEX25SEP79500PE", "BSE", "FNO", "BSE-SENSEX-25Sep25-79500-PE"),
            id="bse-put",
        ),
    ],
)
def test_known_mappings(kite: str, upstox: str, groww: GrowwSymbol):
    assert symbols.kite_to_upstox(WITH_FNO, kite) == upstox
    assert symbols.upstox_to_kite(WITH_FNO, upstox) == kite
    assert symbols.kite_to_groww(WITH_FNO, kite) == groww
    assert symbols.from_groww_symbol(WITH_FNO, groww.groww_symbol).key == kite
    fields = (groww.trading_symbol, groww.exchange, groww.segment)
    assert symbols.groww_to_kite(WITH_FNO, *fields) == kite


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        pytest.param("NSE:RELIANCE", SymbolFormat.KITE, id="kite"),
        pytest.param("reliance", SymbolFormat.KITE, id="bare"),
        pytest.param("NSE:BAJAJ-AUTO", SymbolFormat.KITE, id="kite-hyphen"),
        pytest.param("BAJAJ-AUTO", SymbolFormat.KITE, id="bare-hyphen"),
        pytest.param("NSE_EQ|INE002A01018", SymbolFormat.UPSTOX, id="upstox"),
        pytest.param("nse-wipro", SymbolFormat.GROWW, id="groww"),
    ],
)
def test_detect_format(symbol: str, kind: SymbolFormat):
    assert symbols.detect_format(symbol) is kind


def test_lookups_are_lenient_about_case_and_spaces():
    assert symbols.resolve(CATALOG, " nse_eq|ine002a01018 ").key == "NSE:RELIANCE"
    assert symbols.resolve(CATALOG, "NSE_INDEX|NIFTY 50").key == "NSE:NIFTY 50"
    assert symbols.resolve(CATALOG, "nse-wipro").key == "NSE:WIPRO"
    assert symbols.resolve(WITH_FNO, "nse-nifty-30sep25-24650.0-ce") is NIFTY_CE
    assert symbols.groww_to_kite(WITH_FNO, "nifty25sepfut", "nse", "fno") == NIFTY_FUT.key


@pytest.mark.parametrize(
    "symbol",
    [
        "NSE:NOPE",
        "NSE_EQ|INE000000000",
        "NSE_FO|99999",
        "NSE_FO|abc",
        "BSE_INDEX|Nifty 50",
        "MCX_FO|1234",
        "NSE_EQ|",
        "|",
        "NSE-NOPE",
        "NSE-NIFTY-30Sep25-FUT",
        "NSE-NIFTY-31Sep25-FUT",
        "NSE-NIFTY-30Sep25-99999-CE",
        "NSE-NIFTY-30Sep25-abc-CE",
        "NSE-NIFTY-30Xyz25-FUT",
        "BSE-NIFTY",
        "NFO-NIFTY25SEPFUT",
    ],
)
def test_unknown_symbols_name_the_input(symbol: str):
    with pytest.raises(UnknownInstrumentError) as info:
        symbols.resolve(CATALOG, symbol)
    assert info.value.symbol == symbol


def test_unknown_groww_fields_name_them():
    with pytest.raises(UnknownInstrumentError, match=r"NSE:NIFTY25SEPFUT \(CASH\)"):
        symbols.groww_to_kite(WITH_FNO, "NIFTY25SEPFUT", "NSE", "CASH")
    with pytest.raises(UnknownInstrumentError, match="XYZ:WIPRO"):
        symbols.groww_to_kite(CATALOG, "WIPRO", "XYZ")
    with pytest.raises(UnknownInstrumentError, match="NSE:WIPRO"):
        symbols.groww_to_kite(CATALOG, "WIPRO", "NSE", "FNO")
    with pytest.raises(UnknownInstrumentError):
        symbols.groww_to_kite(WITH_FNO, "NIFTY25SEPFUT", "NFO", "FNO")


def test_what_a_broker_cannot_name_is_unmapped_not_unknown():
    bse_equity = Instrument(Exchange.BSE, "RELIANCE", InstrumentType.EQ, "Reliance", 128083204)
    with pytest.raises(UnmappedSymbolError, match="ISIN is unknown"):
        symbols.upstox_key(bse_equity)
    tokenless = Instrument(
        Exchange.NFO, "X25SEPFUT", InstrumentType.FUT, "X", 2, expiry=date(2025, 9, 30)
    )
    with pytest.raises(UnmappedSymbolError, match="exchange token"):
        symbols.upstox_key(tokenless)
    with pytest.raises(UnmappedSymbolError, match="underlying or expiry"):
        symbols.groww_symbol(tokenless)
    strikeless = Instrument(
        Exchange.NFO,
        "X25SEPCE",
        InstrumentType.CE,
        "X",
        3,
        expiry=date(2025, 9, 30),
        underlying="X",
    )
    with pytest.raises(UnmappedSymbolError, match="strike"):
        symbols.groww_symbol(strikeless)
    ids = symbols.broker_symbols(tokenless)
    assert ids == symbols.BrokerSymbols(kite="NFO:X25SEPFUT", upstox=None, groww=None)
    nfo_index = Instrument(Exchange.NFO, "ODD", InstrumentType.EQ, "Odd", 4)
    with pytest.raises(UnmappedSymbolError, match="unsupported segment"):
        symbols.upstox_key(nfo_index)


def test_an_index_without_a_known_upstox_name_uses_its_kite_name():
    index = Instrument(
        Exchange.NSE, "NIFTY SMLCAP 100", InstrumentType.INDEX, "NIFTY SMLCAP 100", 9
    )
    catalog = InstrumentCatalog([index], {})
    assert symbols.upstox_key(index) == "NSE_INDEX|NIFTY SMLCAP 100"
    assert symbols.groww_symbol(index).groww_symbol == "NSE-NIFTYSMLCAP100"
    assert symbols.resolve(catalog, "NSE_INDEX|Nifty Smlcap 100") is index
    assert symbols.resolve(catalog, "NSE-NIFTYSMLCAP100") is index


_UNDERLYINGS = ("NIFTY", "BANKNIFTY", "RELIANCE", "BAJAJ-AUTO", "M&M", "SENSEX")
_contract_terms = st.tuples(
    st.sampled_from(_UNDERLYINGS),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31)),
    st.sampled_from([InstrumentType.FUT, InstrumentType.CE, InstrumentType.PE]),
    st.integers(min_value=1, max_value=200_000).map(lambda n: Decimal(n) / 2),
    st.sampled_from([Exchange.NFO, Exchange.BFO]),
)


def _contracts(
    terms: list[tuple[str, date, InstrumentType, Decimal, Exchange]],
) -> list[Instrument]:
    contracts = []
    for n, (underlying, expiry, kind, strike, exchange) in enumerate(terms, start=1):
        option = kind is not InstrumentType.FUT
        contracts.append(
            Instrument(
                exchange=exchange,
                tradingsymbol=f"{underlying}{expiry:%y%m%d}{strike if option else ''}{kind}",
                instrument_type=kind,
                name=underlying,
                instrument_token=n << 8 | 2,
                exchange_token=n,
                expiry=expiry,
                strike=strike if option else None,
                underlying=underlying,
            )
        )
    return contracts


@given(
    st.lists(
        _contract_terms,
        min_size=1,
        max_size=20,
        unique_by=lambda t: (t[0], t[1], t[2], t[3] if t[2] is not InstrumentType.FUT else 0, t[4]),
    )
)
def test_any_contract_round_trips(terms: list[tuple[str, date, InstrumentType, Decimal, Exchange]]):
    contracts = _contracts(terms)
    catalog = InstrumentCatalog([*CATALOG, *contracts], {})
    for contract in contracts:
        assert symbols.from_upstox(catalog, symbols.upstox_key(contract)) is contract
        groww = symbols.groww_symbol(contract)
        assert symbols.from_groww_symbol(catalog, groww.groww_symbol) is contract
        fields = (groww.trading_symbol, groww.exchange, groww.segment)
        assert symbols.from_groww(catalog, *fields) is contract
        assert symbols.resolve(catalog, contract.key) is contract
