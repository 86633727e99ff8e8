"""The journal's book kept in the database: a fresh process reads it, and never a stale one."""

from __future__ import annotations

import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select, update

from tests.api.test_journal_api import _upload
from tests.api.test_trading_api import ORDER, quote
from tests.api.test_uploads import XLSX
from tests.helpers import sign_in
from tests.statement_files import Fill, zerodha_csv, zerodha_ledger_csv
from tradertape.db import journal_version
from tradertape.db.models.journal import KeptBook
from tradertape.journal import packed
from tradertape.journal.pnl import Book
from tradertape.runtime import Runtime
from tradertape.services.journal import ledger

THIRDS = [  # a close of a third of a lot: exact decimals with many digits
    Fill("TCS", "2024-05-02", "buy", 3, "3900.10", "T1c", "1300000000000000007"),
    Fill("TCS", "2024-05-03", "sell", 1, "3950", "T1d", "1300000000000000008"),
]


def _book(runtime: Runtime, user_id: int) -> Book:
    reference = ledger.Reference.load(runtime.settings.data_dir)
    with runtime.db.session() as db:
        return ledger.book(
            db, user_id=user_id, reference=reference, today=ledger.ist_today(runtime.clock.now())
        )


def _fresh_pnl(client: TestClient) -> Any:
    """The P&L page, paper trades counted, as a process that has computed nothing yet sees
    it."""
    ledger.forget_kept()
    answer = client.get("/api/journal/pnl", params={"include_paper": "true"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_upload_keeps_the_book_a_fresh_process_reads_and_it_equals_a_recompute(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    _upload(client)
    client.post("/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(THIRDS), XLSX))])
    with runtime.db.session() as db:
        (kept,) = db.scalars(select(KeptBook))
    assert kept.user_id == user_id
    ledger.forget_kept()
    read = _book(runtime, user_id)
    with runtime.db.session() as db:
        db.execute(delete(KeptBook))
        db.commit()
    ledger.forget_kept()
    assert read == _book(runtime, user_id)  # recomputed from every trade
    assert {t.symbol for t in read.open} == {"TCS"}

    # what a fresh process serves is the kept book (here one made up under the same stamp)
    _fresh_pnl(client)  # a page keeps what it computed
    made_up = Book(trips=read.trips[:1], open=[], applied=[])
    with runtime.db.session() as db:
        db.execute(update(KeptBook).values(book=packed.pack(made_up)))
        db.commit()
    assert len(_fresh_pnl(client)["round_trips"]) == 1
    # an unreadable kept book is recomputed, not an error
    with runtime.db.session() as db:
        db.execute(update(KeptBook).values(book=b"not a book"))
        db.commit()
    assert len(_fresh_pnl(client)["round_trips"]) == 2


def test_every_change_to_the_ledger_shows_at_once_in_a_fresh_process(
    client: TestClient, runtime: Runtime
):
    sign_in(client, runtime, "alice@x.in")
    _upload(client)
    assert [t["symbol"] for t in _fresh_pnl(client)["round_trips"]] == ["INFY"]

    # an upload
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(THIRDS)))]
    )
    pnl = _fresh_pnl(client)
    assert sorted(t["symbol"] for t in pnl["round_trips"]) == ["INFY", "TCS"]

    # a deleted upload replaced by another of as many rows, their dedupe keys inside the
    # range of the kept ones' (T1 < T1a..T1d < T2) and, on SQLite, the deleted rows' ids
    client.delete(f"/api/uploads/{sent.json()['files'][0]['upload']['id']}")
    other = [
        Fill("SBIN", "2024-05-02", "buy", 3, "800", "T1a", "1300000000000000009"),
        Fill("SBIN", "2024-05-03", "sell", 1, "810", "T1b", "1300000000000000010"),
    ]
    client.post("/api/uploads/tradebook", files=[("files[]", ("s.csv", zerodha_csv(other)))])
    pnl = _fresh_pnl(client)
    assert sorted(t["symbol"] for t in pnl["round_trips"]) == ["INFY", "SBIN"]

    # a deleted upload
    uploads = client.get("/api/uploads").json()
    client.delete(f"/api/uploads/{uploads[0]['id']}")
    assert [t["symbol"] for t in _fresh_pnl(client)["round_trips"]] == ["INFY"]

    # a paper fill
    client.post("/api/portfolio/funds", json={"amount": 100000})
    quote(runtime, "1399.90")
    placed = client.post("/api/orders", json={**ORDER, "idempotency_key": "kept-0001"})
    assert placed.json()["status"] == "COMPLETE"
    pnl = _fresh_pnl(client)
    assert [(p["account"], p["quantity"]) for p in pnl["open"]] == [("paper", "10")]

    # an uploaded ledger: the charges of the days it settles
    before = pnl["round_trips"][0]["charges"]
    line = [
        "Net settlement for Eq trade date 2024-04-02",
        "2024-04-03",
        "NSE-EQ - Z",
        "Book Voucher",
        "14525.000000",
        "0.000000",
        "-14525.000000",
    ]
    name = "ledger-ZX1234-2024-04-01-to-2025-03-31.csv"
    files = {"file": (name, zerodha_ledger_csv([line]), "text/csv")}
    assert client.post("/api/uploads/ledger", files=files).json()["rows_added"] == 1
    pnl = _fresh_pnl(client)
    assert pnl["round_trips"][0]["charges"] != before

    # the operator's corporate actions: a split between the buy and the sale
    folder = runtime.settings.data_dir / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corporate_actions.csv").write_text(
        "symbol,ex_date,kind,ratio\nINFY,2024-06-03,split,1:5\n"
    )
    pnl = _fresh_pnl(client)
    held = sorted((p["account"], p["symbol"], p["quantity"]) for p in pnl["open"])
    assert held == [("ZX1234", "INFY", "40"), ("paper", "INFY", "10")]


def test_two_sessions_filing_a_book_leave_one_row_for_the_user(
    client: TestClient, runtime: Runtime
):
    user_id = sign_in(client, runtime, "alice@x.in")
    _upload(client)
    with runtime.db.session() as db:
        db.execute(delete(KeptBook))
        db.commit()
    book = _book(runtime, user_id)
    with runtime.db.session() as first, runtime.db.session() as second:
        first.scalars(select(KeptBook)).all()  # both read before either writes
        second.scalars(select(KeptBook)).all()
        ledger._keep(second, user_id, "b" * 64, book)
        ledger._keep(first, user_id, "a" * 64, book)
    with runtime.db.session() as db:
        (kept,) = db.scalars(select(KeptBook))
    assert kept.stamp in {"a" * 64, "b" * 64}
    assert packed.unpack(kept.book) == book


def test_a_kept_book_is_checked_by_its_stored_version_not_by_reading_the_trades(
    client: TestClient, runtime: Runtime
):
    """Issue 69: a page in a process that keeps the book checks it with the user's journal
    version and newest fill (index reads), never an aggregate over their trade rows; a
    deleted upload moves the version on."""
    user_id = sign_in(client, runtime, "alice@x.in")
    _upload(client)
    _fresh_pnl(client)  # computed and kept
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.lower())

    event.listen(runtime.db.engine, "before_cursor_execute", record)
    try:
        answer = client.get("/api/journal/pnl")
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200, answer.text
    tables = ("uploaded_trades", "ledger_lines", "trades")
    aggregates = [s for s in seen if any(f in s for f in ("sum(", "count("))]
    assert not [s for s in aggregates if any(f"from {t}" in s for t in tables)]
    with runtime.db.session() as db:
        before = journal_version.current(db, user_id)
    uploads = client.get("/api/uploads").json()
    assert client.delete(f"/api/uploads/{uploads[0]['id']}").status_code == 204
    with runtime.db.session() as db:
        assert journal_version.current(db, user_id)[0] == before[0] + 1


def _fills(seed: int, first: int, count: int, month: int) -> list[Fill]:
    """`count` made-up fills of three symbols in one month, partial closes among them,
    numbered from `first`."""
    rng = random.Random(seed)
    held = dict.fromkeys(("INFY", "TCS", "SBIN"), 0)
    made = []
    for n in range(first, first + count):
        symbol = rng.choice(sorted(held))
        sell = held[symbol] > 0 and rng.random() < 0.5
        quantity = rng.randint(1, held[symbol]) if sell else rng.randint(1, 9)
        held[symbol] += -quantity if sell else quantity
        day = f"2024-{month:02d}-{1 + n % 27:02d}"
        price = f"{rng.uniform(100, 3000):.2f}"
        order = f"{1300000000000000000 + n}"
        made.append(Fill(symbol, day, "sell" if sell else "buy", quantity, price, f"T{n}", order))
    return made


PAGES = [
    ("/api/journal/pnl", {"include_paper": "true"}),
    ("/api/journal/tax", {"fy": "2024-25"}),
    ("/api/journal/edge", {}),
    ("/api/journal/patterns", {}),
    ("/api/journal/trades", {}),
]


def _pages(client: TestClient) -> list[bytes]:
    answers = [client.get(path, params=params) for path, params in PAGES]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return [a.content for a in answers]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_cold_page_is_byte_for_byte_the_warm_one_and_an_update_a_rebuild(
    client: TestClient, runtime: Runtime, seed: int
):
    """Issue 69: every page a fresh process serves from the kept book (its trips, or only
    its closes) answers the very bytes of the process that computed it; after more trades,
    the book kept by the upload answers as a rebuild from every trade does."""
    sign_in(client, runtime, "alice@x.in")
    for month, first in ((5, 0), (6, 40)):
        fills = _fills(seed, first, 40, month)
        sent = client.post(
            "/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(fills), XLSX))]
        )
        assert sent.status_code == 201, sent.text
        warm = _pages(client)
        assert _pages(client) == warm
        ledger.forget_kept()  # a fresh process: each page reads the kept book
        cold = [
            client.get(path, params=params).content
            for path, params in reversed(PAGES)  # the closes before any trip is built
        ][::-1]
        assert cold == warm
        with runtime.db.session() as db:
            (kept,) = db.scalars(select(KeptBook))
        assert packed.unpack_closes(kept.book) is not None  # the closes are kept too
        with runtime.db.session() as db:
            db.execute(delete(KeptBook))
            db.commit()
        ledger.forget_kept()
        assert _pages(client) == warm  # rebuilt from every trade


TAX_PAGES = [
    ("/api/journal/tax", {"fy": "2024-25"}),
    ("/api/journal/tax/return", {"fy": "2024-25"}),
    ("/api/journal/tax/schedule-112a", {"fy": "2024-25"}),
]


def test_a_fresh_process_answers_the_tax_pages_from_the_kept_years(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    """Issue 69: the tax pages list no round trip, so a fresh process answers them from each
    year's figures kept beside the book, building none, with the very bytes of a process
    that computed them from every trip."""
    sign_in(client, runtime, "alice@x.in")
    fills = _fills(3, 0, 40, 5) + _fills(4, 40, 40, 6)
    sent = client.post(
        "/api/uploads/tradebook", files=[("files[]", ("t.csv", zerodha_csv(fills), XLSX))]
    )
    assert sent.status_code == 201, sent.text
    with runtime.db.session() as db:
        db.execute(delete(KeptBook))
        db.commit()
    ledger.forget_kept()
    plain = [client.get(path, params=params) for path, params in TAX_PAGES]  # from trips
    assert all(a.status_code == 200 for a in plain), [a.text for a in plain]
    assert client.get("/api/journal/pnl").status_code == 200  # keeps the book and its years
    ledger.forget_kept()

    def refuse(data: bytes) -> Book:
        raise AssertionError("a round trip was built for a tax page")

    monkeypatch.setattr(packed, "unpack", refuse)
    cold = [client.get(path, params=params) for path, params in TAX_PAGES]
    assert [a.content for a in cold] == [a.content for a in plain]
