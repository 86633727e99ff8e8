"""``GET /api/journal/pnl`` held to a golden copy, recorded before its computation moved to
`services.journal.round_trips` (which the assistant's ``journal_pnl`` calls too): an
uploaded F&O tradebook with closed trips, an expired contract waiting for its settlement
price and an open one, and a paper round trip counted only when asked.

``TRADERTAPE_REGOLD=1`` rewrites the copy (only on purpose: review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.test_trading_api import ORDER, quote
from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.mcp.test_journal_pnl import ROWS, _fo
from tests.statement_files import zerodha_csv
from tradertape.runtime import Runtime

GOLDEN = Path(__file__).parent / "golden" / "journal_pnl.json"
MORE = [
    _fo("NIFTY24DEC23000CE", "2024-12-10", "buy", 25, "150", 9, "2024-12-26"),  # expired
    _fo("NIFTY25JAN25000PE", "2024-12-10", "buy", 25, "90", 10, "2025-01-30"),  # expired too
]


def test_the_journal_pnl_answers_as_recorded(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "golden@x.in")
    name = "tradebook-ZX1234-FO-2024-10-01-to-2024-12-31.csv"
    book = zerodha_csv([*ROWS, *MORE], fo=True)
    sent = client.post("/api/uploads/tradebook", files=[("files[]", (name, book, XLSX))])
    assert sent.status_code == 201, sent.text
    client.post("/api/portfolio/funds", json={"amount": 100000})
    for n, (side, price) in enumerate((("BUY", 1400), ("SELL", 1410))):
        quote(runtime, str(price))
        order = {**ORDER, "transaction_type": side, "product": "MIS", "price": price}
        placed = client.post("/api/orders", json={**order, "idempotency_key": f"golden-{n}"})
        assert placed.json()["status"] == "COMPLETE", placed.text
    answers = {
        "real": client.get("/api/journal/pnl").json(),
        "with_paper": client.get("/api/journal/pnl", params={"include_paper": True}).json(),
    }

    if os.environ.get("TRADERTAPE_REGOLD"):
        GOLDEN.write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    assert answers == json.loads(GOLDEN.read_text())
    assert answers["with_paper"]["paper_round_trips"] == 0
    assert answers["real"]["paper_round_trips"] == 1  # the paper INFY trip, left out
