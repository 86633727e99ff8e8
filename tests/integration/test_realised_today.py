"""Realised today is one figure on every view (issue 50: it differed by paise).

A day of MIS trades in two symbols, one closed and one partly sold, read through Positions,
Funds (M2M), the books table, the risk desk and the worker API: each says the same realised
and unrealised P&L, by the one rule (`domain.day_pnl`, Kite's: the closed quantity times the
difference of the two sides' averages).
"""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.workers_kit import Worker, issue_token, order, set_price
from tradertape.domain.day_pnl import Sides
from tradertape.runtime import Runtime

# INFY: 7 bought at 1,500 and sold at 1,500.35, 3 at 1,499.90 and 1,500.20: closed, +3.35.
# TCS: 3 bought at 3,400, 2 sold at 3,399.10: 2 × −0.90 = −1.80 realised; the 1 left open
# at 3,401.30 is +1.30. So realised 1.55, unrealised 1.30, today's P&L 2.85.
DAY = [
    ("INFY", "BUY", 7, "1500"),
    ("INFY", "SELL", 7, "1500.35"),
    ("TCS", "BUY", 3, "3400"),
    ("TCS", "SELL", 2, "3399.10"),
    ("INFY", "BUY", 3, "1499.90"),
    ("INFY", "SELL", 3, "1500.20"),
]


def _d(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_realised_today_is_one_figure_on_every_view(client: TestClient, runtime: Runtime):
    secret, token_id = issue_token(client, runtime, "realised@x.in")
    worker = Worker(TestClient(client.app), secret, token_id)
    assert client.post("/api/portfolio/funds", json={"amount": "1000000"}).status_code == 201
    for symbol, side, quantity, price in DAY:
        set_price(runtime, f"NSE:{symbol}", price)
        body = {**order(symbol, side, quantity, product="MIS"), "variety": "regular"}
        placed = client.post("/api/orders", json=body)
        assert placed.status_code == 201, placed.text
    set_price(runtime, "NSE:TCS", "3401.30")
    realised, unrealised = Decimal("1.55"), Decimal("1.30")

    rows = client.get("/api/portfolio/positions").json()["net"]
    by_symbol = {r["tradingsymbol"]: r for r in rows}
    assert (_d(by_symbol["TCS"]["realised"]), _d(by_symbol["TCS"]["unrealised"])) == (
        Decimal("-1.80"),
        unrealised,
    )
    assert (_d(by_symbol["INFY"]["realised"]), _d(by_symbol["INFY"]["unrealised"])) == (
        Decimal("3.35"),
        Decimal("0.00"),
    )
    for row in rows:  # a row's parts add up to its P&L
        assert _d(row["realised"]) + _d(row["unrealised"]) == _d(row["pnl"])
    assert sum((_d(r["realised"]) for r in rows), Decimal(0)) == realised

    m2m = client.get("/api/portfolio/margins").json()["equity"]["utilised"]
    assert (_d(m2m["m2m_realised"]), _d(m2m["m2m_unrealised"])) == (realised, unrealised)
    books = {b["book"]: b for b in client.get("/api/portfolio/books").json()}
    for key in ("manual", "all"):
        assert _d(books[key]["realised_today"]) == realised, key
        assert _d(books[key]["pnl_today"]) == realised + unrealised, key
        assert _d(books[key]["unrealised"]) == unrealised, key  # the rows' open P&L
    risk = client.get("/api/risk/state").json()["pnl_today"]
    assert (_d(risk["realised"]), _d(risk["unrealised"])) == (realised, unrealised)
    funds = worker.call("GET", "/funds", params={"mode": "paper"}).json()["segments"]["equity"]
    assert (_d(funds["m2m_realised"]), _d(funds["m2m_unrealised"])) == (realised, unrealised)


_FILL = st.tuples(
    st.integers(min_value=-50, max_value=50).filter(bool),
    st.decimals(min_value=1, max_value=5000, places=2),
)


@given(
    fills=st.lists(_FILL, max_size=12),
    start=st.integers(min_value=-20, max_value=20),
    base=st.decimals(min_value=1, max_value=5000, places=2),
    mark=st.decimals(min_value=1, max_value=5000, places=2),
)
def test_realised_and_open_add_up_to_the_days_pnl(
    fills: list[tuple[int, Decimal]], start: int, base: Decimal, mark: Decimal
):
    """Whatever the order of the fills: realised + what the open quantity makes at the mark
    against its side's average = the day's P&L (cash flow + held now at the mark − held at
    the start at the base), and the realised figure does not depend on the order."""
    sides, backwards = Sides(), Sides()
    for signed, price in fills:
        sides.add(signed, price)
    for signed, price in reversed(fills):
        backwards.add(signed, price)
    realised = sides.realised(start, base)
    assert backwards.realised(start, base) == realised
    held = start + sides.bought - sides.sold
    flow = sides.sold_value - sides.bought_value
    day = flow + held * mark - start * base
    if held > 0:
        quantity = sides.bought + max(start, 0)
        average = (sides.bought_value + max(start, 0) * base) / quantity
    else:
        quantity = sides.sold + max(-start, 0)
        average = (sides.sold_value + max(-start, 0) * base) / quantity if quantity else mark
    opened = held * (mark - average)
    assert abs(realised + opened - day) < Decimal("1e-12")
