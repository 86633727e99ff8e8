"""Instrument and universe endpoints: search, detail with broker symbols, resolve, universes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_user, sign_in
from tradertape.runtime import Runtime
from tradertape.services.accounts import agent_keys
from tradertape.services.market.instruments import import_kite_csv

DUMP = Path(__file__).parents[1] / "data" / "kite_instruments.csv"


@pytest.fixture
def user(client: TestClient, runtime: Runtime) -> int:
    return sign_in(client, runtime, "a@x.in")


@pytest.fixture
def imported(runtime: Runtime) -> None:
    with runtime.db.session() as db:
        import_kite_csv(db, DUMP, clock=runtime.clock)


@pytest.mark.parametrize(
    "path",
    [
        "/api/instruments/search?q=reli",
        "/api/instruments/NSE/RELIANCE",
        "/api/instruments/resolve?symbol=NSE:INFY",
        "/api/universes",
        "/api/universes/nifty_50",
    ],
)
def test_every_endpoint_needs_a_signed_in_caller(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "not signed in"}


def test_an_agent_key_does_not_reach_the_operator_api(client: TestClient, runtime: Runtime):
    user_id = make_user(runtime, "bot@x.in")
    with runtime.db.session() as db:
        issued = agent_keys.create(db, clock=runtime.clock, user_id=user_id, name="r")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/universes", headers=headers).status_code == 401


@pytest.mark.usefixtures("user")
def test_search_by_symbol_and_name_prefix(client: TestClient):
    found = client.get("/api/instruments/search?q=reli").json()
    assert [i["key"] for i in found] == ["NSE:RELIANCE", "NSE:RPOWER"]
    reliance = found[0]
    assert reliance["isin"] == "INE002A01018"
    assert reliance["tick_size"] == "0.05"
    assert reliance["segment"] == "NSE"
    assert reliance["tradable"] is True
    by_name = [i["key"] for i in client.get("/api/instruments/search?q=infosys").json()]
    assert by_name == ["NSE:INFY"]


@pytest.mark.usefixtures("user", "imported")
def test_search_finds_imported_contracts_and_pages(client: TestClient):
    keys = [i["key"] for i in client.get("/api/instruments/search?q=nifty26").json()]
    assert keys == ["NFO:NIFTY26SEP24650CE", "NFO:NIFTY26SEP24650PE", "NFO:NIFTY26SEPFUT"]
    page = client.get("/api/instruments/search?q=nifty26&limit=1&offset=1").json()
    assert [i["key"] for i in page] == ["NFO:NIFTY26SEP24650PE"]
    assert page[0]["strike"] == "24650"
    assert page[0]["expiry"] == "2026-09-29"


@pytest.mark.usefixtures("user")
@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("", "q", id="missing"),
        pytest.param("q=", "q", id="empty"),
        pytest.param("q=a&limit=501", "limit", id="limit"),
        pytest.param("q=a&offset=-1", "offset", id="offset"),
    ],
)
def test_search_validation_names_the_field(client: TestClient, query: str, field: str):
    response = client.get(f"/api/instruments/search?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.usefixtures("user")
def test_instrument_detail_has_every_brokers_symbol(client: TestClient):
    body = client.get("/api/instruments/nse/reliance").json()
    assert body["key"] == "NSE:RELIANCE"
    assert body["sector"] == "Oil Gas & Consumable Fuels"
    assert body["symbols"] == {
        "kite": "NSE:RELIANCE",
        "upstox": "NSE_EQ|INE002A01018",
        "groww": {
            "trading_symbol": "RELIANCE",
            "exchange": "NSE",
            "segment": "CASH",
            "groww_symbol": "NSE-RELIANCE",
        },
    }
    index = client.get("/api/instruments/NSE/NIFTY%2050").json()
    assert index["instrument_type"] == "INDEX"
    assert index["tradable"] is False
    assert index["symbols"]["upstox"] == "NSE_INDEX|Nifty 50"
    assert index["symbols"]["groww"]["groww_symbol"] == "NSE-NIFTY"


@pytest.mark.usefixtures("user", "imported")
def test_imported_option_and_bse_equity(client: TestClient):
    option = client.get("/api/instruments/NFO/NIFTY26SEP24650CE").json()
    assert (option["instrument_token"], option["exchange_token"]) == (10252802, 40050)
    assert (option["lot_size"], option["underlying"], option["segment"]) == (65, "NIFTY", "NFO-OPT")
    assert option["symbols"]["upstox"] == "NSE_FO|40050"
    assert option["freeze_quantity"] == 1800  # NIFTY's, shipped: the ticket slices by it
    # of NSE's last revision we know of (3 November 2025): not stale
    assert (option["freeze_quantity_as_of"], option["freeze_quantity_stale"]) == (
        "2025-11-03",
        False,
    )
    assert option["symbols"]["groww"] == {
        "trading_symbol": "NIFTY26SEP24650CE",
        "exchange": "NSE",
        "segment": "FNO",
        "groww_symbol": "NSE-NIFTY-29Sep26-24650-CE",
    }
    bse = client.get("/api/instruments/BSE/RELIANCE").json()
    assert bse["instrument_token"] == 128083204
    assert bse["symbols"]["upstox"] is None  # no ISIN for BSE rows: Upstox cannot be named
    assert bse["symbols"]["groww"]["groww_symbol"] == "BSE-RELIANCE"
    assert bse["freeze_quantity"] is None  # cash: no freeze quantity


@pytest.mark.usefixtures("user")
@pytest.mark.parametrize(
    ("path", "detail"),
    [
        pytest.param("/api/instruments/NSE/XYZ", "unknown instrument 'NSE:XYZ'", id="symbol"),
        pytest.param("/api/instruments/MCX/GOLD", "unknown instrument 'MCX:GOLD'", id="exchange"),
        pytest.param(
            "/api/instruments/NFO/NIFTY26SEPFUT", "unknown instrument 'NFO:NIFTY26SEPFUT'", id="fno"
        ),
    ],
)
def test_unknown_instrument_is_404_naming_it(client: TestClient, path: str, detail: str):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": detail}


@pytest.mark.usefixtures("user", "imported")
@pytest.mark.parametrize(
    ("symbol", "kind", "kite"),
    [
        pytest.param("NSE:RELIANCE", "kite", "NSE:RELIANCE", id="kite"),
        pytest.param("infy", "kite", "NSE:INFY", id="bare"),
        pytest.param("NSE_EQ|INE002A01018", "upstox", "NSE:RELIANCE", id="upstox-eq"),
        pytest.param("NSE_INDEX|Nifty Bank", "upstox", "NSE:NIFTY BANK", id="upstox-index"),
        pytest.param("NSE_FO|40051", "upstox", "NFO:NIFTY26SEP24650PE", id="upstox-fo"),
        pytest.param("BSE_FO|1143711", "upstox", "BFO:SENSEX26SEP79500PE", id="upstox-bfo"),
        pytest.param("NSE-WIPRO", "groww", "NSE:WIPRO", id="groww-eq"),
        pytest.param("NSE-NIFTY-29Sep26-FUT", "groww", "NFO:NIFTY26SEPFUT", id="groww-fut"),
        pytest.param("NSE-IDEA-29Sep26-7.5-CE", "groww", "NFO:IDEA26SEP7.5CE", id="groww-ce"),
    ],
)
def test_resolve_any_format_to_the_kite_key(client: TestClient, symbol: str, kind: str, kite: str):
    response = client.get("/api/instruments/resolve", params={"symbol": symbol})
    assert response.status_code == 200, response.text
    assert response.json() == {"symbol": symbol, "format": kind, "kite": kite}


@pytest.mark.usefixtures("user")
@pytest.mark.parametrize("symbol", ["NSE_EQ|INE000000000", "NSE-NOPE", "NSE:XYZ", "NSE_FO|1"])
def test_resolve_unknown_is_422_naming_it(client: TestClient, symbol: str):
    response = client.get("/api/instruments/resolve", params={"symbol": symbol})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["symbol"],
                "field": "symbol",
                "msg": f"unknown instrument '{symbol}'",
                "type": "value_error",
                "message": f"Symbol: unknown instrument '{symbol}'",
            }
        ]
    }


@pytest.mark.usefixtures("user")
def test_resolve_needs_a_symbol(client: TestClient):
    response = client.get("/api/instruments/resolve")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "symbol"


@pytest.mark.usefixtures("user")
def test_universes(client: TestClient):
    listed = client.get("/api/universes").json()
    assert {u["name"]: u["size"] for u in listed} == {
        "nifty_100": 100,
        "nifty_200": 200,
        "nifty_50": 50,
        "nifty_500": 500,
        "nifty_next_50": 50,
    }
    nifty_50 = client.get("/api/universes/nifty_50").json()
    assert (nifty_50["name"], nifty_50["size"], len(nifty_50["members"])) == ("nifty_50", 50, 50)
    reliance = next(m for m in nifty_50["members"] if m["key"] == "NSE:RELIANCE")
    assert reliance == {
        "key": "NSE:RELIANCE",
        "tradingsymbol": "RELIANCE",
        "name": "Reliance Industries Ltd.",
        "isin": "INE002A01018",
        "sector": "Oil Gas & Consumable Fuels",
        "industry": "Petroleum Products",
    }


@pytest.mark.usefixtures("user")
def test_unknown_universe_is_404_naming_it(client: TestClient):
    response = client.get("/api/universes/nifty_1000")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "unknown universe 'nifty_1000'; known: nifty_100, nifty_200, nifty_50, "
        "nifty_500, nifty_next_50"
    }
