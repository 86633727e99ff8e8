"""Demo data loads idempotently, its printed credentials sign in, and its history is served."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tradertape.candles import CandleSource
from tradertape.db.models import CashEntry, ModelPortfolio, Order, Trade, User
from tradertape.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from tradertape.domain.market import Interval
from tradertape.ports.clock import IST
from tradertape.runtime import Runtime
from tradertape.services.accounts.users import OPENING_BALANCE_NOTE


def test_demo_is_idempotent_and_its_login_works(runtime: Runtime, client: TestClient):
    stages: list[str] = []
    first = load_demo(runtime, progress=lambda stage, done, total: stages.append(stage))
    second = load_demo(runtime)

    assert first.created is True
    assert second.created is False
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 1
        # The demo user's paper account opened with the default balance, once.
        opening = select(CashEntry.amount).where(CashEntry.note == OPENING_BALANCE_NOTE)
        assert db.scalars(opening).all() == [Decimal(1_000_000)]
    response = client.post(
        "/api/auth/password-login", json={"email": first.email, "password": first.password}
    )
    assert response.status_code == 200
    assert client.get("/api/auth/me").json()["email"] == DEMO_EMAIL
    assert second.password == DEMO_PASSWORD

    # Synthetic NIFTY 500 history and every index derived from it, to the last closed session
    # (the test clock stands at 10:00 IST on 2026-11-20), written once.
    assert first.history.written == first.history.total > 500
    assert (first.history.first, first.history.last) == (date(2018, 1, 1), date(2026, 11, 19))
    # the day candles generated and written, then the recent sessions' minute candles
    assert list(dict.fromkeys(stages)) == ["generate", "write", "minutes"]
    assert (second.history.written, second.history.complete) == (0, first.history.total)
    info = runtime.candles.info("NSE:NIFTY 50", Interval.DAY)
    assert info is not None
    assert info.source is CandleSource.SYNTHETIC
    body = client.get("/api/market/history?symbol=NSE:RELIANCE&from=2020-01-01&to=2026-01-01")
    assert body.json()["source"] == "synthetic"
    assert len(body.json()["candles"]) > 1400

    # Two paper portfolios with four weeks of scans: signals, positions and P&L at once,
    # deployed once; V1's last scan waits in the cart for the user.
    assert len(first.portfolios) == 2
    assert second.portfolios == ()
    listed = client.get("/api/model/portfolios").json()
    assert sorted(p["name"] for p in listed) == [
        "V1 Momentum · NIFTY 100",
        "V3 Dip Buyer · NIFTY 100",
    ]
    v1 = next(p for p in listed if p["name"].startswith("V1"))
    board = client.get("/api/model/dashboard", params={"portfolio_id": v1["id"]}).json()
    assert board["open_positions"]
    assert board["pending_signals"]
    assert len(board["equity_curve"]) >= 15
    assert board["drift"] == []  # next-open fills are virtual: no broker book to drift from
    # the replayed weeks' fills are history, not news: nothing unread at the first sign-in
    unread = client.get("/api/notifications/unread")
    assert unread.status_code == 200, unread.text
    assert unread.json()["unread"] == 0
    # one account: the portfolios' capital was allocated from it, not added to it
    books = {b["book"]: b for b in client.get("/api/portfolio/books").json()}
    # the manual book's ₹20 lakh, less what its NIFTY calls held to expiry cost and plus
    # what they settled at (one in the money, one out of it), charges included
    with runtime.db.session() as db:
        settled = db.scalars(select(Order).where(Order.source == "expiry")).all()
        assert sorted(o.tradingsymbol for o in settled) == sorted(
            t.tradingsymbol
            for t in db.scalars(select(Trade).where(Trade.exchange == "NFO"))
            if t.transaction_type == "BUY"
        )
        paid = [o.average_price for o in settled]
        assert len(paid) == 2
        assert min(paid) == 0  # out of the money: settled at nothing
        assert max(paid) > 0  # in the money: its intrinsic value
        options = select(CashEntry.amount).where(
            CashEntry.trade_pk.in_(select(Trade.id).where(Trade.exchange == "NFO"))
        )
        option_cash = sum(db.scalars(options), Decimal(0))
        positions = client.get("/api/portfolio/positions").json()["net"]
        assert all(p["quantity"] == 0 for p in positions if p["exchange"] == "NFO")
    assert Decimal(books["manual"]["cash"]) == Decimal("2000000.00") + option_cash
    assert books[f"portfolio:{v1['id']}"]["cash"] == v1["current_capital"]
    parts = [Decimal(b["cash"]) for key, b in books.items() if key != "all"]
    assert sum(parts) == Decimal(books["all"]["cash"])
    # The weeks are replayed on their own dates: the account was opened, funded and spent
    # before today, so Funds shows it all as the day's opening balance, nothing paid in today.
    margins = client.get("/api/portfolio/margins").json()["equity"]["available"]
    assert margins["intraday_payin"] == 0
    assert margins["opening_balance"] == margins["cash"] == float(books["all"]["cash"])
    today = datetime.combine(date(2026, 11, 20), time(0, 0), IST)
    first_day = datetime.combine(date(2026, 10, 22), time(0, 0), IST)  # 4 weeks before the 19th
    with runtime.db.session() as db:
        dated = db.scalars(select(CashEntry.at)).all()
        assert len(dated) > 20
        assert all(first_day <= at < today for at in dated)
        deployed = db.scalars(select(ModelPortfolio.created_at)).all()
        assert all(first_day <= at < first_day + timedelta(days=1) for at in deployed)
    activity = [a["at"] for a in board["recent_activity"]]
    assert len({a[:10] for a in activity}) > 1  # each signal on its own day, not all at once
