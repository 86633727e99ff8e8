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
    assert short["pnl"] == "-0.8033"  # −42.8 × 0.137² = −42.8 × 0.018769 = −0.8033132
    SyncHoldingsIn.model_validate(
        {"broker": "kite", "as_of": "2025-06-02T10:00:00Z", "obfuscated": True,
         "factor_fingerprint": "ab" * 16, "holdings": [row]}
    )  # fmt: skip


def test_an_obfuscated_pnl_is_what_the_scaled_quantity_and_prices_make():
    """1000 INFY bought at 1,400, last 1,500: P&L 1000 × 100 = ₹1,00,000. Scaled by 0.137:
    137 shares, average 191.80, last 205.50, so the cloud's own arithmetic on the scaled
    row gives 137 × (205.50 − 191.80) = 137 × 13.70 = 1,876.90, which is 1,00,000 × 0.137²
    (0.018769). Scaled once it was 13,700: seven times too big against its own row."""
    factor = Decimal("0.137")
    held = {"exchange": "NSE", "tradingsymbol": "INFY", "quantity": 1000, "average_price": 1400,
            "last_price": 1500, "pnl": 100000}  # fmt: skip
    [row] = holding_rows([held], factor)
    assert (row["quantity"], row["average_price"], row["last_price"]) == (137, "191.8", "205.5")
    assert row["pnl"] == "1876.9"
    own = row["quantity"] * (Decimal(row["last_price"]) - Decimal(row["average_price"]))
    assert Decimal(row["pnl"]) == own == Decimal("1876.90")
    position = {**held, "product": "CNC", "realised": -500, "unrealised": 100000,
                "pnl": 99500}  # fmt: skip
    [net] = position_rows({"net": [position]}, factor)
    # −500 × 0.018769 = −9.3845; 99,500 × 0.018769 = 1,867.5155
    assert (net["realised"], net["unrealised"], net["pnl"]) == ("-9.3845", "1876.9", "1867.5155")
