"""The journal's P&L through the assistant: "what did my NIFTY straddle make this expiry?"
answered by the same computation as ``GET /api/journal/pnl``, narrowed to an underlying, an
expiry, closing days and a segment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.mcp.conftest import connected, issue_key, structured, text_of
from tests.statement_files import Fill, zerodha_csv
from tradertape.runtime import Runtime

pytestmark = pytest.mark.anyio


def _fo(symbol: str, day: str, side: str, qty: int, price: str, n: int, expiry: str) -> Fill:
    return Fill(
        symbol,
        day,
        side,
        qty,
        price,
        f"F{n}",
        f"10000000000000000{n:02d}",
        segment="FO",
        exchange="NFO",
        expiry=expiry,
    )


DEC, JAN = "2024-12-26", "2025-01-30"
ROWS = [
    # the straddle of 26-Dec-2024: 24000 CE and PE sold at 120 and 100, bought back at 80
    # and 60 -> (120 - 80) x 25 + (100 - 60) x 25 = 1,000 + 1,000 = ₹2,000 gross
    _fo("NIFTY24DEC24000CE", "2024-12-10", "sell", 25, "120", 1, DEC),
    _fo("NIFTY24DEC24000PE", "2024-12-10", "sell", 25, "100", 2, DEC),
    _fo("NIFTY24DEC24000CE", "2024-12-20", "buy", 25, "80", 3, DEC),
    _fo("NIFTY24DEC24000PE", "2024-12-20", "buy", 25, "60", 4, DEC),
    # January's call, another expiry: (210 - 200) x 25 = ₹250
    _fo("NIFTY25JAN24000CE", "2024-12-10", "buy", 25, "200", 5, JAN),
    _fo("NIFTY25JAN24000CE", "2024-12-27", "sell", 25, "210", 6, JAN),
    # another underlying, the same expiry: (310 - 300) x 15 = ₹150
    _fo("BANKNIFTY24DEC51000CE", "2024-12-11", "buy", 15, "300", 7, DEC),
    _fo("BANKNIFTY24DEC51000CE", "2024-12-12", "sell", 15, "310", 8, DEC),
]


def _upload(client: TestClient) -> None:
    name = "tradebook-ZX1234-FO-2024-10-01-to-2024-12-31.csv"
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", (name, zerodha_csv(ROWS, fo=True), XLSX))]
    )
    assert sent.status_code == 201, sent.text


async def test_a_straddles_pnl_of_one_expiry(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "straddle@x.in")
    _upload(client)
    whole_api = client.get("/api/journal/pnl").json()
    secret = issue_key(runtime, user_id, "read")
    async with connected(runtime, secret) as assistant:
        whole = structured(await assistant.call_tool("journal_pnl", {}))
        straddle = structured(
            await assistant.call_tool("journal_pnl", {"underlying": "nifty", "expiry": DEC})
        )
        december = structured(
            await assistant.call_tool(
                "journal_pnl", {"start": "2024-12-01", "end": "2024-12-20", "segment": "FO"}
            )
        )
        shares = structured(await assistant.call_tool("journal_pnl", {"segment": "EQ"}))
        backwards = await assistant.call_tool(
            "journal_pnl", {"start": "2024-12-20", "end": "2024-12-01"}
        )

    assert whole == whole_api  # one computation: the route's answer
    assert len(whole["round_trips"]) == 4
    assert {t["symbol"] for t in straddle["round_trips"]} == {
        "NIFTY24DEC24000CE",
        "NIFTY24DEC24000PE",
    }
    assert straddle["realised"] == "2000.00"
    charges = sum(Decimal(t["charges"]) for t in straddle["round_trips"])
    assert Decimal(straddle["charges"]) == charges > 0
    assert Decimal(straddle["net"]) == Decimal("2000.00") - charges
    assert [y["fy"] for y in straddle["years"]] == ["2024-25"]
    # closed 1-20 December: the straddle and BANKNIFTY's call, not January's (closed 27th)
    assert december["realised"] == "2150.00"
    assert (shares["round_trips"], shares["realised"]) == ([], "0.00")
    assert backwards.is_error
    assert "end" in text_of(backwards)
