"""The instrument catalog over the shipped reference data."""

from __future__ import annotations

import pytest

from tradertape.domain.instruments import (
    Exchange,
    InstrumentType,
    UnknownInstrumentError,
    UnknownUniverseError,
    split_key,
    synthetic_token,
)
from tradertape.domain.instruments_data import reference_catalog

CATALOG = reference_catalog()


@pytest.mark.parametrize(
    ("universe", "size"),
    [
        pytest.param("nifty_50", 50, id="n50"),
        pytest.param("nifty_next_50", 50, id="next50"),
        pytest.param("nifty_100", 100, id="n100"),
        pytest.param("nifty_200", 200, id="n200"),
        pytest.param("nifty_500", 500, id="n500"),
    ],
)
def test_universe_sizes(universe: str, size: int):
    assert len(CATALOG.universe(universe)) == size


def test_nifty_100_is_nifty_50_plus_next_50():
    n100 = {i.key for i in CATALOG.universe("nifty_100")}
    n50 = {i.key for i in CATALOG.universe("nifty_50")}
    nxt = {i.key for i in CATALOG.universe("nifty_next_50")}
    assert n100 == n50 | nxt
    assert not n50 & nxt
    assert n100 <= {i.key for i in CATALOG.universe("nifty_200")}


def test_real_constituents_with_isins_and_sectors():
    reliance = CATALOG.get("NSE:RELIANCE")
    assert reliance.isin == "INE002A01018"
    assert reliance.sector == "Oil Gas & Consumable Fuels"
    assert reliance.instrument_type is InstrumentType.EQ
    assert CATALOG.get("infy").isin == "INE009A01021"  # bare symbol → NSE
    assert CATALOG.by_isin("INE040A01034").tradingsymbol == "HDFCBANK"
    assert all(i.sector for i in CATALOG.universe("nifty_500"))


def test_indices_are_quoted_not_tradable():
    nifty = CATALOG.get("NSE:NIFTY 50")
    assert nifty.instrument_type is InstrumentType.INDEX
    assert not nifty.is_tradable
    assert nifty.lot_size == 65
    assert CATALOG.get("BSE:SENSEX").exchange is Exchange.BSE


def test_tokens_are_stable_and_carry_the_segment_byte():
    token = synthetic_token(Exchange.NSE, "INFY")
    assert token == synthetic_token(Exchange.NSE, "INFY")
    assert token & 0xFF == 1
    assert synthetic_token(Exchange.NSE, "NIFTY 50", index=True) & 0xFF == 9
    assert CATALOG.by_token(CATALOG.get("NSE:TCS").instrument_token).tradingsymbol == "TCS"
    assert len({i.instrument_token for i in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("symbol", ["NSE:NOPE", "XYZ:INFY", "", "NSE:"])
def test_unknown_symbols_name_themselves(symbol: str):
    with pytest.raises(UnknownInstrumentError) as info:
        CATALOG.get(symbol)
    assert info.value.symbol == symbol


def test_unknown_universe_lists_the_known_ones():
    with pytest.raises(UnknownUniverseError, match="nifty_50"):
        CATALOG.universe("nifty_1000")


def test_split_key():
    assert split_key("nse:infy") == (Exchange.NSE, "INFY")
    assert split_key("NFO:NIFTY26NOVFUT") == (Exchange.NFO, "NIFTY26NOVFUT")
    assert split_key("INFY", default_exchange=Exchange.BSE) == (Exchange.BSE, "INFY")
