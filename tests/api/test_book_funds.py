"""Each book spends its own money, and Funds shows what today's buys used (docs/books.md,
docs/margins.md): a manual order cannot spend a model portfolio's capital nor a portfolio
the manual book's; bought options and delivery shares fill Kite's ``option_premium``,
``delivery`` and ``debits``; ``book=all`` answers on every account view."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.helpers import deploy_v1, sign_in
from tradertape.domain.books import MANUAL, portfolio_book
from tradertape.domain.instruments import Exchange
from tradertape.domain.orders import OrderSpec, OrderType, Product, TransactionType
from tradertape.runtime import Runtime
from tradertape.testkit import make_tick


def set_price(runtime: Runtime, key: str, price: str) -> None:
    runtime.quotes.update(make_tick(key, price, ts=runtime.clock.now(), last_quantity=100_000))


def _order(symbol: str, quantity: int, price: str, **changes: object) -> dict[str, object]:
    return {
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "transaction_type": "BUY",
        "quantity": quantity,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": price,
    } | changes


def _net(client: TestClient, book: str) -> Decimal:
    answer = client.get("/api/portfolio/margins", params={"book": book})
    assert answer.status_code == 200, answer.text
    return Decimal(str(answer.json()["equity"]["net"]))


def _portfolio_buy(
    runtime: Runtime, user_id: int, portfolio_id: int, quantity: int
) -> tuple[str, str | None]:
    spec = OrderSpec(
        exchange=Exchange.NSE,
        tradingsymbol="INFY",
        transaction_type=TransactionType.BUY,
        quantity=quantity,
        product=Product.CNC,
        order_type=OrderType.LIMIT,
        price=Decimal(1400),
    )
    with runtime.db.session() as db:
        order = runtime.exchange.place(
            db,
            user_id=user_id,
            spec=spec,
            source="portfolio",
            attribution={"portfolio_id": portfolio_id},
            last=runtime.quotes("NSE:INFY"),
        )
        assert order.book == portfolio_book(portfolio_id)
        return order.status, order.status_message


def test_each_book_spends_its_own_money(client: TestClient, runtime: Runtime):
    user_id = sign_in(client, runtime, "own@x.in")
    assert client.post("/api/portfolio/funds", json={"amount": "1400000"}).status_code == 201
    portfolio_id = deploy_v1(runtime, user_id, allocate=True)  # ₹10 lakh of it, allocated
    portfolio = portfolio_book(portfolio_id)
    set_price(runtime, "NSE:INFY", "1400")
    assert (_net(client, MANUAL), _net(client, portfolio)) == (Decimal(400000), Decimal(1000000))

    # 7,00,000 of INFY: the account has ₹14 lakh free, the manual book ₹4 lakh.
    refused = client.post("/api/orders", json=_order("INFY", 500, "1400")).json()
    assert refused["status"] == "REJECTED"
    assert refused["status_message"] == (
        "Insufficient funds. Required margin is 7,00,000.00 but available margin is "
        "4,00,000.00 in the manual book (the account has 14,00,000.00 free; each book "
        "spends its own money)."
    )
    # The portfolio cannot spend the manual book's money either, but may spend its own.
    status, message = _portfolio_buy(runtime, user_id, portfolio_id, 800)  # 11,20,000
    assert status == "REJECTED"
    assert message is not None
    assert f"10,00,000.00 in model portfolio {portfolio_id}'s book" in message
    assert _portfolio_buy(runtime, user_id, portfolio_id, 700)[0] == "COMPLETE"
    assert _net(client, MANUAL) == 400000  # the manual book's money did not move
    manual = client.post("/api/orders", json=_order("INFY", 285, "1400")).json()
    assert manual["status"] == "COMPLETE"


def test_funds_show_the_premium_and_delivery_bought_today(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "used@x.in")
    client.post("/api/portfolio/funds", json={"amount": "1000000"})
    set_price(runtime, "NSE:NIFTY 50", "25010")
    with runtime.db.session() as db:
        call = next(
            i
            for i in runtime.exchange.catalog(db)
            if i.name == "NIFTY" and i.option_type is not None and i.strike == 25000
        )
    set_price(runtime, call.key, "163.20")
    set_price(runtime, "NSE:INFY", "1400.10")
    option = _order(call.tradingsymbol, call.lot_size, "163.20", exchange="NFO", product="NRML")
    for body in (option, _order("INFY", 41, "1400.10")):
        placed = client.post("/api/orders", json=body).json()
        assert placed["status"] == "COMPLETE", placed

    used = client.get("/api/portfolio/margins").json()["equity"]["utilised"]
    premium = Decimal("163.20") * call.lot_size  # 65 × 163.20 = 10,608.00
    delivery = Decimal("57404.10")  # 41 × 1,400.10
    assert Decimal(str(used["option_premium"])) == premium
    assert Decimal(str(used["delivery"])) == delivery
    assert Decimal(str(used["debits"])) == premium + delivery
    # The manual book placed both, and "all" is the account.
    for book in (MANUAL, "all"):
        again = client.get("/api/portfolio/margins", params={"book": book}).json()
        assert again["equity"]["utilised"]["debits"] == used["debits"], book


def test_every_book_answers_every_view(client: TestClient, runtime: Runtime):
    sign_in(client, runtime, "all@x.in")
    client.post("/api/portfolio/funds", json={"amount": "100000"})
    set_price(runtime, "NSE:INFY", "1400")
    assert client.post("/api/orders", json=_order("INFY", 2, "1400")).json()["status"] == (
        "COMPLETE"
    )
    for view in ("positions", "holdings", "orders", "trades", "margins"):
        answer = client.get(f"/api/portfolio/{view}", params={"book": "all"})
        assert answer.status_code == 200, (view, answer.text)
    orders = client.get("/api/portfolio/orders", params={"book": "all"}).json()
    assert [o["book"] for o in orders] == [MANUAL]
    holdings = client.get("/api/portfolio/holdings", params={"book": "all"}).json()
    assert [(h["book"], h["t1_quantity"]) for h in holdings] == [(MANUAL, 2)]
    positions = client.get("/api/portfolio/positions", params={"book": "all"}).json()
    assert [p["book"] for p in positions["day"]] == [MANUAL]
