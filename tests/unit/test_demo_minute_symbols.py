"""The demo's minute candles cover every instrument its pages chart (issue 64): the default
watchlist, what its portfolios hold (the NIFTY 100), and the index of every option chain it
lists, NIFTY MID SELECT and NIFTY NEXT 50 among them (before, only the indices the NIFTY
100 derives had minutes, so a 5-minute chart of MIDCPNIFTY's index showed none)."""

from __future__ import annotations

from tradertape.demo import DEMO_PORTFOLIO_UNIVERSE, minute_symbols
from tradertape.domain.instruments import Exchange
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.option_listing import SERIES
from tradertape.services.market.watchlists import DEFAULT_ITEMS


def test_every_charted_instrument_of_the_demo_has_minutes():
    catalog = reference_catalog()
    covered = set(minute_symbols(catalog))
    assert set(DEFAULT_ITEMS) <= covered
    assert {i.key for i in catalog.universe(DEMO_PORTFOLIO_UNIVERSE)} <= covered
    chains = {catalog.index_named(Exchange.NSE, name).key for name in SERIES}
    assert chains == {
        "NSE:NIFTY 50",
        "NSE:NIFTY BANK",
        "NSE:NIFTY FIN SERVICE",
        "NSE:NIFTY MID SELECT",
        "NSE:NIFTY NEXT 50",
    }
    assert chains <= covered
    assert {"NSE:NIFTY 500", "BSE:SENSEX", "NSE:INDIA VIX"} <= covered
    assert len(covered) == len(minute_symbols(catalog))  # each once
