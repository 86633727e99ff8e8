"""One book: every view of the paper account is the sum of its books (docs/books.md).

Manual orders, a model portfolio's virtual fills and a worker run's orders each land in
their own book; a deploy allocates capital from the account rather than adding money; and
on a random day of all three, every view's books add up to "All" and the cash reconciles
with the deposits and the fills.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import sign_in
from tests.workers_kit import Worker, issue_token, order, set_price
from tradertape.db.models.trading import CashEntry, Trade
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import find_user

SCAN_DAY = "2025-06-02"
PRICES = {"NSE:INFY": "1500", "NSE:TCS": "3400", "NSE:RELIANCE": "1280"}
VIEWS = ("holdings", "orders", "trades")
_emails = itertools.count()


def _funds(client: TestClient, amount: str) -> None:
    response = client.post("/api/portfolio/funds", json={"amount": amount})
    assert response.status_code == 201, response.text


def _template(client: TestClient, key: str = "v1_momentum") -> int:
    templates = client.get("/api/strategies", params={"is_template": True}).json()
    return int(next(s["id"] for s in templates if s["base_model"] == key))


def _deploy(client: TestClient, capital: str = "1000000", **changes: Any) -> Any:
    body = {
        "strategy_id": _template(client),
        "universe": "nifty_50",
        "starting_capital": capital,
        "position_size_pct": "10",
        "max_positions": 5,
        "max_per_sector": 2,
        "paper_fill": "close",
        "auto_place_signals": True,
    } | changes
    return client.post("/api/model/portfolios/deploy", json=body)


def _books(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/api/portfolio/books")
    assert response.status_code == 200, response.text
    return {b["book"]: b for b in response.json()}


def _capital(client: TestClient) -> Decimal:
    state = client.get("/api/risk/state")
    assert state.status_code == 200, state.text
    return Decimal(str(state.json()["capital"]))


def _scan(client: TestClient, portfolio_id: int) -> None:
    response = client.post("/api/model/scan", json={"portfolio_id": portfolio_id, "date": SCAN_DAY})
    assert response.status_code == 200, response.text


def test_a_deploy_allocates_capital_and_changes_no_total(client: TestClient, with_candles: Runtime):
    sign_in(client, with_candles, "alloc@x.in")
    _funds(client, "2500000")
    before = (_capital(client), _books(client)["all"]["cash"])
    deployed = _deploy(client, capital="1000000")
    assert deployed.status_code == 201, deployed.text
    pid = deployed.json()["id"]
    books = _books(client)
    assert (_capital(client), books["all"]["cash"]) == before
    assert books["manual"]["cash"] == "1500000.00"
    assert books[f"portfolio:{pid}"]["cash"] == "1000000.00"
    assert books[f"portfolio:{pid}"]["label"].startswith("Portfolio: ")

    # more than the manual book has: refused, naming the field, and nothing is stored
    refused = _deploy(client, capital="2000000")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "starting_capital"
    assert "free to allocate" in refused.json()["detail"][0]["msg"]
    assert len(client.get("/api/model/portfolios").json()) == 1
    assert _books(client)["manual"]["cash"] == "1500000.00"

    # retired, its cash goes back to the manual book; the total is still the same
    assert client.post(f"/api/model/portfolios/{pid}/retire").status_code == 200
    books = _books(client)
    assert books["manual"]["cash"] == "2500000.00"
    assert books[f"portfolio:{pid}"]["cash"] == "0.00"
    assert _capital(client) == before[0]


def test_virtual_fills_are_booked_in_the_portfolios_book(client: TestClient, with_candles: Runtime):
    sign_in(client, with_candles, "virtual@x.in")
    _funds(client, "1000000")
    pid = _deploy(client).json()["id"]
    before = _capital(client)
    _scan(client, pid)
    opened = client.get("/api/model/positions", params={"portfolio_id": pid}).json()
    assert opened, "the scan's entries fill at the close"
    book = f"portfolio:{pid}"
    holdings = client.get("/api/portfolio/holdings", params={"book": book}).json()
    assert Counter((h["tradingsymbol"], h["quantity"]) for h in holdings) == Counter(
        (p["symbol"].split(":")[1], p["quantity"]) for p in opened
    )
    assert client.get("/api/portfolio/holdings", params={"book": "manual"}).json() == []
    # the book's cash is the portfolio's free cash, to the paisa
    portfolio = client.get("/api/model/portfolios").json()[0]
    assert _books(client)[book]["cash"] == portfolio["current_capital"]
    # the risk desk sees the same account: only the charges left it
    charges = sum(Decimal(p["charges"]) for p in opened)
    cost = sum(Decimal(p["entry_price"]) * p["quantity"] for p in opened)
    value = Decimal(_books(client)["all"]["positions_value"])
    assert _capital(client) == before - charges - cost + value

    # started over: the virtual fills leave the account and the book has its capital again
    assert client.post(f"/api/model/portfolios/{pid}/reset").status_code == 200
    assert client.get("/api/portfolio/holdings", params={"book": book}).json() == []
    assert _books(client)[book]["cash"] == "1000000.00"
    assert _capital(client) == before


def test_a_book_filter_names_a_book(client: TestClient, with_candles: Runtime):
    sign_in(client, with_candles, "filter@x.in")
    for bad in ("portfolio:x", "everything", "run:", "live:"):
        response = client.get("/api/portfolio/positions", params={"book": bad})
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["field"] == "book"


def _rows(client: TestClient, view: str, book: str) -> list[str]:
    response = client.get(f"/api/portfolio/{view}", params={"book": book})
    assert response.status_code == 200, response.text
    data = response.json()
    if view == "positions":
        data = [{"part": part, **row} for part in ("net", "day") for row in data[part]]
    return sorted(json.dumps(row, sort_keys=True) for row in data)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


_ACTION = st.tuples(
    st.sampled_from(["manual", "worker"]),
    st.sampled_from(sorted(PRICES)),
    st.sampled_from(["BUY", "BUY", "SELL"]),
    st.integers(min_value=1, max_value=20),
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(_ACTION, max_size=8), with_portfolio=st.booleans())
def test_every_view_is_the_sum_of_its_books(
    client: TestClient,
    with_candles: Runtime,
    clock: ManualClock,
    actions: list[tuple[str, str, str, int]],
    with_portfolio: bool,
):
    runtime = with_candles
    clock.advance(timedelta(seconds=61))  # a new user signs in each example: past the limit
    n = next(_emails)
    email = f"book{n}@x.in"
    secret, token_id = issue_token(client, runtime, email)
    worker = Worker(TestClient(client.app), secret, token_id)
    run = worker.create_run(f"run_{n}")
    _funds(client, "2000000")
    for key, price in PRICES.items():
        set_price(runtime, key, price)
    if with_portfolio:
        deployed = _deploy(client, capital="1000000")
        assert deployed.status_code == 201, deployed.text
        _scan(client, deployed.json()["id"])
    for i, (who, key, side, quantity) in enumerate(actions):
        symbol = key.split(":")[1]
        if who == "manual":
            body = {**order(symbol, side, quantity), "variety": "regular"}
            placed = client.post("/api/orders", json=body)
            assert placed.status_code in (200, 201, 400), placed.text
        else:
            placed = worker.place(run["strategy_run_id"], f"k{i}", order(symbol, side, quantity))
            assert placed.status_code < 500, placed.text

    books = _books(client)
    keys = [k for k in books if k != "all"]
    # every view: the rows of the books, together, are the rows of "All"
    for view in (*VIEWS, "positions"):
        together = sorted(row for key in keys for row in _rows(client, view, key))
        assert together == _rows(client, view, "all"), view
    # money: the books' figures add up to "All", which is the account the risk desk sees
    everything = client.get("/api/portfolio/margins", params={"book": "all"}).json()["equity"]
    for field in ("cash", "opening_balance", "intraday_payin"):
        parts = [
            _money(
                client.get("/api/portfolio/margins", params={"book": k}).json()["equity"][
                    "available"
                ][field]
            )
            for k in keys
        ]
        assert sum(parts, Decimal(0)) == _money(everything["available"][field]), field
    for field in ("cash", "positions_value", "realised_today", "pnl_today", "unrealised"):
        total = sum((Decimal(books[k][field]) for k in keys), Decimal(0))
        assert total == Decimal(books["all"][field]), field
    assert _money(books["all"]["cash"]) == _money(everything["available"]["cash"])
    state = client.get("/api/risk/state").json()
    capital = Decimal(books["all"]["cash"]) + Decimal(books["all"]["positions_value"])
    assert _money(state["capital"]) == _money(capital)
    assert state["open_positions"] == books["all"]["open_positions"]
    # today's P&L: the top bar's (the risk desk's) is the books' and the Funds page's M2M
    assert _money(state["pnl_today"]["total"]) == _money(books["all"]["pnl_today"])
    m2m = everything["utilised"]
    assert _money(m2m["m2m_realised"]) + _money(m2m["m2m_unrealised"]) == _money(
        books["all"]["pnl_today"]
    )
    # the worker API's funds are the same account's: the Funds page's figures in its shape
    funds = worker.call("GET", "/funds", params={"mode": "paper"}).json()["segments"]["equity"]
    for field, page in (
        ("opening_balance", everything["available"]["opening_balance"]),
        ("available_cash", everything["net"]),
        ("utilised", m2m["debits"]),
        ("m2m_realised", m2m["m2m_realised"]),
        ("m2m_unrealised", m2m["m2m_unrealised"]),
    ):
        assert _money(funds[field]) == _money(page), field
    # cash + positions at cost + charges = what was deposited, fill by fill
    with runtime.db.session() as db:
        user = find_user(db, email)
        assert user is not None
        user_id = user.id
        entries = list(db.scalars(select(CashEntry).where(CashEntry.user_id == user_id)))
        trades = list(db.scalars(select(Trade).where(Trade.user_id == user_id)))
    deposits = sum((e.amount for e in entries if e.kind == "deposit"), Decimal(0))
    allocations = sum((e.amount for e in entries if e.kind == "allocation"), Decimal(0))
    at_cost = sum(
        (t.price * t.quantity * (1 if t.transaction_type == "BUY" else -1) for t in trades),
        Decimal(0),
    )
    charges = sum((t.charges for t in trades), Decimal(0))
    assert allocations == 0
    assert Decimal(books["all"]["cash"]) + at_cost + charges == deposits
