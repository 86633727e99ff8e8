"""Upstox → Kite translations and error mapping, without a server."""

from __future__ import annotations

import json

import pytest
import urllib3
from upstox_client.rest import ApiException

from tradertape_brokers.port import (
    BrokerError,
    InsufficientFunds,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)
from tradertape_brokers.upstox import InstrumentKeys, RateLimited, parsing
from tradertape_brokers.upstox.errors import first_error, translate

KEYS = InstrumentKeys({"NSE:RELIANCE": "NSE_EQ|INE002A01018"})


def _api_error(status: int, code: str, message: str) -> ApiException:
    exc = ApiException(status=status, reason="x")
    exc.body = json.dumps({"status": "error", "errors": [{"error_code": code, "message": message}]})
    return exc


@pytest.mark.parametrize(
    ("exc", "order", "kind"),
    [
        pytest.param(
            _api_error(401, "UDAPI100050", "Invalid token"), False, SessionExpired, id="401"
        ),
        pytest.param(_api_error(429, "UDAPI10005", "Too many"), True, RateLimited, id="429"),
        pytest.param(_api_error(502, "", "gateway"), True, TransientBrokerError, id="5xx"),
        pytest.param(
            _api_error(400, "UDAPI1", "Insufficient funds"), True, InsufficientFunds, id="funds"
        ),
        pytest.param(_api_error(400, "UDAPI100036", "bad price"), True, OrderRejected, id="order"),
        pytest.param(_api_error(400, "UDAPI100036", "bad key"), False, BrokerError, id="read"),
        pytest.param(
            urllib3.exceptions.ProtocolError("reset"), True, TransientBrokerError, id="network"
        ),
        pytest.param(ConnectionRefusedError(), False, TransientBrokerError, id="refused"),
        pytest.param(ValueError("model"), False, BrokerError, id="other"),
    ],
)
def test_errors_map_to_the_port(exc, order, kind):
    assert type(translate(exc, order=order)) is kind


def test_first_error_reads_either_spelling_and_survives_junk():
    assert first_error('{"errors":[{"errorCode":"A","message":"m"}]}') == ("A", "m")
    assert first_error("<html>502</html>") == ("", "<html>502</html>")


def test_products_and_keys():
    assert [
        parsing.kite_product(p, k)
        for p, k in [
            ("D", "NSE_EQ|X"),
            ("D", "NSE_FO|1"),
            ("I", "NSE_EQ|X"),
            ("MTF", "NSE_EQ|X"),
        ]
    ] == ["CNC", "NRML", "MIS", "MTF"]
    assert [parsing.upstox_product(p) for p in ("CNC", "NRML", "MIS", "mtf")] == [
        "D",
        "D",
        "I",
        "MTF",
    ]
    assert KEYS.kite_of("NSE_EQ|INE002A01018", "NSE", "RELIANCE") == "NSE:RELIANCE"
    assert KEYS.kite_of("NSE_FO|43919", "NSE_FO", "NIFTY25JANFUT") == "NFO:NIFTY25JANFUT"
    assert KEYS.kite_of("BSE_EQ|INE1", None, None) == "BSE:INE1"
    with pytest.raises(OrderRejected):
        KEYS.upstox("NSE:NOPE")


def test_an_amo_order_reads_as_kite_writes_it():
    row = {
        "order_id": "1",
        "status": "after market order req received",
        "is_amo": True,
        "instrument_token": "NSE_EQ|INE002A01018",
        "quantity": 5,
        "product": "D",
    }
    order = parsing.order(KEYS, row)
    assert (order["status"], order["variety"], order["tradingsymbol"]) == (
        "AMO REQ RECEIVED",
        "amo",
        "RELIANCE",
    )


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        pytest.param(["SCHEDULED"], "active", id="active"),
        pytest.param(["EXPIRED"], "expired", id="expired"),
        pytest.param(["FAILED"], "rejected", id="failed"),
        pytest.param(["CANCELLED", "CANCELLED"], "cancelled", id="cancelled"),
        pytest.param(["CANCELLED", "TRIGGERED"], "triggered", id="one-leg-fired"),
    ],
)
def test_gtt_states(statuses, state):
    row = {
        "type": "MULTIPLE",
        "gtt_order_id": "GTT-C26112000000001",
        "instrument_token": "NSE_EQ|INE002A01018",
        "created_at": 1_700_000_000_000_000,
        "rules": [{"strategy": "STOPLOSS", "status": s, "trigger_price": 1} for s in statuses],
    }
    assert parsing.gtt(KEYS, row, 1)["status"] == state
    assert parsing.gtt_number("GTT-C26112000000001") == 26112000000001
    with pytest.raises(ValueError, match="without digits"):
        parsing.gtt_number("GTT-")
