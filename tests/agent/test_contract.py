"""The agent reads the poll exactly as docs/agent-api.md writes it, and cuts what it syncs to
the contract's rows; a shape it does not know is a message naming the field, never a
KeyError in a cycle."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.agent.cloud_kit import entry_signal
from tradertape.api.schemas.agent import SyncHoldingsIn, SyncPositionsIn
from tradertape_agent.cloud import CloudError, Poll
from tradertape_agent.contract import holding_rows, margins_of, position_rows


def poll(**changes: Any) -> dict[str, Any]:
    answer = {"signals": [entry_signal(1)], "refused": [], "kill_switch": False}
    return answer | {"obfuscate": False, "server_time": "2025-06-02T10:00:05Z"} | changes


def test_the_poll_is_read_as_written():
    read = Poll.read(poll(kill_switch=True))
    assert [s["signal_id"] for s in read.signals] == [1]
    assert (read.refused, read.kill_switch, read.obfuscate) == ([], True, False)


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (poll(signals=[{"signal_id": 3, "symbol": "NSE:INFY"}]), "signal 3 under 'signals' lacks"),
        (poll(signals=[entry_signal(4, placement="gtt")]), "placement (an object)"),
        (poll(signals=[entry_signal(5, placement={"kind": "gtt"})]), "placement.trigger_values"),
        ({"signals": []}, "'refused' list"),
        (poll(kill_switch="on"), "'kill_switch' flag"),
        ([], "not a JSON object"),
    ],
)
def test_an_answer_off_the_contract_names_what_is_wrong(answer: Any, named: str):
    with pytest.raises(CloudError, match=named.replace("(", r"\(").replace(")", r"\)")):
        Poll.read(answer)


KITE_HOLDING = {
    "exchange": "NSE", "tradingsymbol": "INFY", "isin": "INE009A01021", "quantity": 10,
    "t1_quantity": 5, "average_price": 1400.5, "last_price": 1500.05, "close_price": 1490,
    "pnl": 1494.25, "day_change": 10.05, "mtf": {"quantity": 0},
}  # fmt: skip
KITE_POSITION = {
    "exchange": "NSE", "tradingsymbol": "TCS", "product": "CNC", "quantity": -3,
    "average_price": 3000, "last_price": 3010.1, "close_price": 2990, "realised": -12.5,
    "unrealised": -30.3, "pnl": -42.8, "day_buy_quantity": 0,
}  # fmt: skip
KITE_MARGINS = {
    "equity": {"net": 249000.75, "available": {"cash": 250000.75, "live_balance": 249500.5},
               "utilised": {"debits": 1000}},
}  # fmt: skip


def test_synced_rows_are_the_contracts_and_the_server_takes_them():
    holdings = holding_rows([KITE_HOLDING], None)
    assert holdings[0]["quantity"] == 15  # settled and T1
    assert holdings[0]["average_price"] == "1400.5"
    SyncHoldingsIn.model_validate(
        {"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "holdings": holdings}
    )
    positions = position_rows({"net": [KITE_POSITION], "day": []}, None)
    margins = margins_of(KITE_MARGINS, None)
    assert margins == {"available_cash": "249500.5", "used": "1000", "net": "249000.75"}
    SyncPositionsIn.model_validate(
        {"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "positions": positions,
         "margins": margins}
    )  # fmt: skip


def test_scaled_rows_are_whole_units_and_four_decimal_prices_the_server_takes():
    factor = Decimal("0.137")
    [row] = holding_rows([KITE_HOLDING], factor)
    assert row["quantity"] == 2  # 15 × 0.137 = 2.055, rounded to whole units
    assert row["average_price"] == "191.8685"  # 1400.5 × 0.137
    [short] = position_rows({"net": [KITE_POSITION]}, factor)
    assert short["quantity"] == 0  # −3 × 0.137 = −0.411
    assert short["pnl"] == "-5.8636"
    SyncHoldingsIn.model_validate(
        {"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "obfuscated": True,
         "factor_fingerprint": "ab" * 16, "holdings": [row]}
    )  # fmt: skip
