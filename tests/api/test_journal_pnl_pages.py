"""The P&L page's round trips filtered, sorted and paged by the server: its pages are the
whole list's, its totals the full computation's (every trip built and summed, as the
assistant's tool still does), the tax page's and a fresh process's, and a bad query is a
422 naming its field."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_journal_api import _tax_trips
from tests.api.test_trading_api import ORDER, quote
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_csv
from tradertape.api.schemas.journal_pnl import pnl_out
from tradertape.domain.money import paise
from tradertape.journal.tax import fy_of
from tradertape.runtime import Runtime
from tradertape.services.journal import ledger, round_trips


def _fills() -> list[Fill]:
    """Made-up trades of three symbols over two financial years: delivery, intraday, short."""
    rng = random.Random(69)
    held: dict[str, int] = {"INFY": 0, "TCS": 0, "SBIN": 0}
    found = []
    day = date(2024, 1, 1)
    for n in range(160):
        day += timedelta(days=rng.choice([0, 0, 1, 3]))
        symbol = rng.choice(sorted(held))
        sell = held[symbol] > 0 and rng.random() < 0.5
        quantity = rng.randint(1, held[symbol]) if sell else rng.randint(1, 20)
        held[symbol] += -quantity if sell else quantity
        price = f"{rng.uniform(100, 3000):.2f}"
        side = "sell" if sell else "buy"
        found.append(Fill(symbol, day.isoformat(), side, quantity, price, f"P{n}", f"{10**18 + n}"))
    return found


def _old(runtime: Runtime, user_id: int) -> dict[str, Any]:
    """The P&L as the full computation answers it: every round trip built and summed."""
    today = ledger.ist_today(runtime.clock.now())
    with runtime.db.session() as db:
        found = round_trips.pnl_books(
            db,
            user_id=user_id,
            group_id=None,
            members=None,
            reference=ledger.Reference.load(runtime.settings.data_dir),
            today=today,
            marks=ledger.candle_marks(runtime.candles, runtime.portfolio.last_tick, today),
            include_paper=False,
        )
    answer: dict[str, Any] = json.loads(pnl_out(found).model_dump_json())
    return answer


def _pages(client: TestClient, **asked: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every page of 7 of a query, and its last answer."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = client.get("/api/journal/pnl", params={**asked, "limit": 7, "offset": len(rows)})
        assert answer.status_code == 200, answer.text
        got = answer.json()
        rows += got["round_trips"]
        if len(rows) >= got["matched"]["round_trips"] or not got["round_trips"]:
            return rows, got


def test_the_pages_and_their_totals_are_the_full_computations(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "pages@x.in")
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(_fills())))]
    )
    assert sent.status_code == 201, sent.text
    client.post("/api/portfolio/funds", json={"amount": 100000})
    for n, (side, price) in enumerate((("BUY", 1400), ("SELL", 1410))):  # a paper round trip
        quote(runtime, str(price))
        order = {**ORDER, "transaction_type": side, "product": "MIS", "price": price}
        placed = client.post("/api/orders", json={**order, "idempotency_key": f"pnl-pages-{n}"})
        assert placed.status_code == 201, placed.text

    old = _old(runtime, user_id)
    whole = client.get("/api/journal/pnl").json()  # no paging asked: every trip, as before
    assert whole == old
    assert whole["paper_round_trips"] == 1
    trips = old["round_trips"]
    assert len(trips) > 40

    ledger.forget_kept()  # a fresh process: the totals from the kept sums, no trip built
    first = client.get("/api/journal/pnl", params={"limit": 5, "sort": "closed", "order": "desc"})
    page = first.json()
    for key in ("realised", "charges", "net", "unrealised", "years", "paper_round_trips", "open"):
        assert page[key] == old[key], key
    assert page["matched"]["round_trips"] == len(trips)
    newest = sorted(trips, key=lambda t: t["closed"])[::-1]
    assert [t["closed"] for t in page["round_trips"]] == [t["closed"] for t in newest[:5]]

    exact = _exact_trips(runtime, user_id)
    for asked in (
        {"symbol": "inf", "fy": "2024-25", "sort": "pnl"},
        {"type": "delivery", "sort": "closed", "order": "desc"},
        {"type": "intraday", "side": "long", "sort": "symbol"},
        {"fy": "2023-24", "sort": "net", "order": "desc"},
        {},
    ):
        rows, last = _pages(client, **asked)
        keeps = [t for t in exact if _keeps(t, asked)]
        if "sort" in asked:
            keeps.sort(key=lambda t: _sort_value(t, asked["sort"]))
        if asked.get("order") == "desc":
            keeps.reverse()
        assert [_key(r) for r in rows] == [_key(t) for t in keeps], asked
        matched = last["matched"]
        assert matched["round_trips"] == len(keeps)
        realised = sum((t.pnl for t in keeps), Decimal(0))
        charges = sum((t.charges for t in keeps), Decimal(0))
        assert Decimal(matched["realised"]) == paise(realised), asked
        assert Decimal(matched["charges"]) == paise(charges), asked
        assert Decimal(matched["net"]) == paise(realised - charges), asked

    # the tax page counts each year's trips as the P&L page does
    for year in page["years"]:
        tax = client.get("/api/journal/tax", params={"fy": year["fy"]}).json()
        assert _tax_trips(tax) == year["trips"]
        one = client.get("/api/journal/pnl", params={"fy": year["fy"], "limit": 1}).json()
        assert (one["matched"]["realised"], one["matched"]["net"]) == (
            year["realised"],
            year["net"],
        )


def _exact_trips(runtime: Runtime, user_id: int) -> list[Any]:
    with runtime.db.session() as db:
        book = ledger.book(
            db,
            user_id=user_id,
            reference=ledger.Reference.load(runtime.settings.data_dir),
            today=ledger.ist_today(runtime.clock.now()),
        )
    return [t for t in book.trips if not ledger.is_paper(t)]


def _keeps(t: Any, asked: dict[str, Any]) -> bool:
    kind = "fo" if t.segment != "EQ" else "intraday" if t.intraday else "delivery"
    return (
        asked.get("symbol", "").upper() in t.symbol
        and asked.get("fy", fy_of(t.closed)) == fy_of(t.closed)
        and asked.get("type", kind) == kind
        and asked.get("side", t.direction) == t.direction
    )


def _sort_value(t: Any, key: str) -> Any:
    return getattr(t, key)


def _key(t: Any) -> tuple[str, str, str, str]:
    if isinstance(t, dict):
        return (t["symbol"], str(t["closed"]), str(Decimal(t["quantity"])), t["pnl"])
    return (t.symbol, t.closed.isoformat(), str(t.quantity), str(paise(t.pnl)))


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"fy": "2024-26"}, "fy"),
        ({"fy": "24-25"}, "fy"),
        ({"type": "swing"}, "type"),
        ({"side": "up"}, "side"),
        ({"sort": "price"}, "sort"),
        ({"order": "up"}, "order"),
        ({"symbol": "X" * 65}, "symbol"),
    ],
)
def test_a_bad_query_is_a_422_naming_its_field(
    client: TestClient, runtime: Runtime, asked: dict[str, Any], field: str
):
    sign_in(client, runtime, "bad@x.in")
    answer = client.get("/api/journal/pnl", params=asked)
    assert answer.status_code == 422, answer.text
    assert field in json.dumps(answer.json()["detail"])
