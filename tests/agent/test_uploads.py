"""Uploads through the agent and its Mutual Funds page, against the real server in process.

The agent scales a tradebook by its factor before the cloud sees it: the cloud stores the
scaled figures, the agent's page shows the real ones, and the ratios the journal draws
(each round trip's return, the win rate) are the same as from the real file. The holdings
the tradebook leaves count in reconciliation, unscaled by the agent."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import TestClient as UiClient

from tests.agent.conftest import kite_at
from tests.agent.e2e_kit import serve_app
from tests.brokers.kite.conftest import Fake
from tests.helpers import PASSWORD, make_user, sign_in
from tests.statement_files import (
    CAS_PASSWORD,
    Fill,
    cams_summary_pdf,
    groww_xlsx,
    zerodha_csv,
    zerodha_ledger_csv,
    zerodha_xlsx,
)
from tradertape.journal.sheets import read_sheet
from tradertape.journal.statements import LEDGER, TRADEBOOK, parse_statement
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape_agent import statements
from tradertape_agent.cloud import Cloud
from tradertape_agent.config import Config, journal_path, save
from tradertape_agent.engine import Agent
from tradertape_agent.journal import Journal
from tradertape_agent.ui import security
from tradertape_agent.ui.app import UiState, create_app

HOME = "http://localhost:5679"
SAME = {"Origin": HOME, "Sec-Fetch-Site": "same-origin"}
FACTOR = Decimal("0.137")
#: Three round trips (two wins, a loss) and 100 INFY still held.
FILLS = [
    Fill("INFY", "2025-04-01", "buy", 1000, "1500", "T01", "1100000000000000001"),
    Fill("INFY", "2025-04-21", "sell", 1000, "1650", "T02", "1100000000000000002"),
    Fill("TCS", "2025-04-02", "buy", 300, "3200", "T03", "1100000000000000003"),
    Fill("TCS", "2025-04-22", "sell", 300, "3000", "T04", "1100000000000000004"),
    Fill("WIPRO", "2025-04-03", "buy", 2000, "250", "T05", "1100000000000000005"),
    Fill("WIPRO", "2025-04-23", "sell", 2000, "275", "T06", "1100000000000000006"),
    Fill("INFY", "2025-05-02", "buy", 100, "1480", "T07", "1100000000000000007"),
]
BOOK = zerodha_xlsx(FILLS, client_id="ZX1234", start="2025-04-01", end="2025-05-31")


# -- the scaling itself -----------------------------------------------------------------------


def test_a_console_workbook_is_scaled_to_a_csv_the_cloud_reads_with_its_preamble():
    prepared = statements.prepare("tradebook-ZX1234-EQ.xlsx", BOOK, "tradebook", FACTOR)

    assert (prepared.filename, prepared.scaled, prepared.rows) == (
        "tradebook-ZX1234-EQ.csv",
        True,
        7,
    )
    read = parse_statement(read_sheet(prepared.content), kind=TRADEBOOK, filename=prepared.filename)
    real = parse_statement(read_sheet(BOOK), kind=TRADEBOOK, filename="t.xlsx")
    assert read.errors == []
    assert read.account_code == "ZX1234"  # the preamble goes as it was
    assert (read.date_from, read.date_to) == (real.date_from, real.date_to)
    for sent, was in zip(read.trades, real.trades, strict=True):
        assert sent.quantity == was.quantity * FACTOR
        assert sent.price == was.price * FACTOR
        assert (sent.symbol, sent.side, sent.trade_date, sent.executed_at) == (
            was.symbol,
            was.side,
            was.trade_date,
            was.executed_at,
        )
        assert (sent.order_id, sent.trade_id) == (was.order_id, was.trade_id)
    quantity = next(c for c in prepared.summary()["columns"] if c["name"] == "quantity")
    assert Decimal(quantity["real_total"]) == sum(f.quantity for f in FILLS)
    assert Decimal(quantity["sent_total"]) == sum(f.quantity for f in FILLS) * FACTOR


def test_a_groww_value_scales_with_the_square_so_its_price_scales_like_any_other():
    rows = [
        [
            "Infosys",
            "INFY",
            "INE009A01021",
            "BUY",
            10,
            15000,
            "NSE",
            "G1",
            "02-06-2025 10:15 AM",
            "Executed",
        ]
    ]
    book = groww_xlsx(rows)
    prepared = statements.prepare("groww.xlsx", book, "tradebook", FACTOR)

    (trade,) = parse_statement(read_sheet(prepared.content), kind=TRADEBOOK).trades
    assert trade.quantity == 10 * FACTOR
    assert trade.price == 1500 * FACTOR


def test_a_ledgers_money_is_scaled_once():
    ledger = zerodha_ledger_csv(
        [["Funds added", "2025-06-01", "", "Bank Receipts", "0", "100000", "100000"]]
    )
    prepared = statements.prepare("ledger.csv", ledger, "ledger", FACTOR)

    lines = parse_statement(read_sheet(prepared.content), kind=LEDGER).entries
    (funds,) = [e for e in lines if e.particulars == "Funds added"]
    assert (funds.credit, funds.net_balance) == (100000 * FACTOR, 100000 * FACTOR)


def test_a_ledgers_summary_shows_the_closing_balance_not_the_balance_columns_sum():
    """Funds in ₹1,00,000 (balance 1,00,000), a buy of ₹17,500 (balance 82,500), a charge
    line of nothing (balance 82,500): the balance column adds up to ₹2,65,000 (plus the
    opening 0 and the closing 82,500: 3,47,500), a figure of nothing. The summary shows the
    closing balance, ₹82,500 (sent as 82,500 × 0.137 = 11,302.5); debits and credits are
    summed: ₹17,500 and ₹1,00,000."""
    ledger = zerodha_ledger_csv(
        [
            ["Funds added", "2025-06-01", "", "Bank Receipts", "0", "100000", "100000"],
            ["Bought INFY", "2025-06-02", "", "Book Voucher", "17500", "0", "82500"],
            ["DP charges", "2025-06-03", "", "Journal Entry", "0", "0", "82500"],
        ]
    )
    prepared = statements.prepare("ledger.csv", ledger, "ledger", FACTOR)

    columns = {c["name"]: c for c in prepared.summary()["columns"]}
    assert columns["net_balance"]["measure"] == "balance"
    assert columns["net_balance"]["real_total"] == "82500"
    assert Decimal(columns["net_balance"]["sent_total"]) == Decimal(82500) * FACTOR
    assert (columns["debit"]["real_total"], columns["credit"]["real_total"]) == ("17500", "100000")
    unscaled = statements.prepare("ledger.csv", ledger, "ledger", None).summary()
    assert [c["real_total"] for c in unscaled["columns"] if c["name"] == "net_balance"] == ["82500"]


def test_without_obfuscation_the_file_goes_byte_for_byte():
    prepared = statements.prepare("t.xlsx", BOOK, "tradebook", None)
    assert (prepared.content, prepared.scaled, prepared.filename) == (BOOK, False, "t.xlsx")


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"%PDF-1.4 not a sheet", "no tradebook header"), (b"", "empty"), (b"\xff\xfe\x00", "UTF-8")],
)
def test_a_file_the_agent_cannot_read_is_never_sent_when_it_should_be_scaled(
    content: bytes, words: str
):
    with pytest.raises(statements.StatementError, match=words):
        statements.prepare("x.pdf", content, "tradebook", FACTOR)
    # obfuscation off: the cloud reads it and says what is wrong with it
    assert statements.prepare("x.pdf", content, "tradebook", None).content == content


# -- through the agent, against the real cloud ------------------------------------------------


@dataclass
class Local:
    """The agent of a user of the in-process cloud, its UI and the user's browser."""

    agent: Agent
    ui: UiClient
    browser: TestClient


def _agent(
    browser: TestClient, url: str, tmp_path: Path, clock: ManualClock, brokers: dict[str, Any]
) -> Local:
    issued = browser.post("/api/agent/keys", json={"name": "laptop"})
    assert issued.status_code == 201, issued.text
    config = Config(
        cloud_url=url,
        api_key=issued.json()["api_key"],
        kite_api_key="k",
        kite_api_secret="s",
        obfuscation_factor=str(FACTOR),
        obfuscation_salt="5a" * 16,
    )
    path = tmp_path / "agent.json"
    save(config, path)
    cloud = Cloud(config.cloud_url, config.api_key)  # its own client: no cookie
    agent = Agent(
        config, cloud, brokers, Journal(journal_path(path)), clock=clock.now, log=lambda _: None
    )
    state = UiState(agent, path, security.HostCheck.for_machine(hostname="trader-pi"))
    return Local(agent, UiClient(create_app(state), base_url=HOME), browser)


@pytest.fixture
def cloud_url(client: TestClient) -> Iterator[str]:
    """The server on a loopback port: the agent's own HTTP client talks to it."""
    with serve_app(client.app) as url:
        yield url


@pytest.fixture
def local(
    client: TestClient, runtime: Runtime, cloud_url: str, tmp_path: Path, clock: ManualClock
) -> Iterator[Local]:
    sign_in(client, runtime, "alice@x.in")
    made = _agent(client, cloud_url, tmp_path, clock, {})
    yield made
    made.agent.journal.close()
    made.agent.cloud.close()


def _send(
    ui: UiClient, content: bytes, kind: str = "tradebook", name: str = "tradebook.xlsx"
) -> Any:
    body = {"kind": kind, "filename": name, "content_base64": base64.b64encode(content).decode()}
    return ui.post("/api/uploads", json=body, headers=SAME)


def _returns(pnl: dict[str, Any]) -> dict[str, Decimal]:
    """Each round trip's return, sell value over buy value."""
    return {
        t["symbol"]: Decimal(t["sell_value"]) / Decimal(t["buy_value"]) - 1
        for t in pnl["round_trips"]
    }


def test_the_cloud_stores_scaled_figures_the_agent_shows_real_ones_and_ratios_agree(
    local: Local, client: TestClient, runtime: Runtime
):
    assert client.put("/api/trading-agent/obfuscation", json={"on": True}).status_code == 200
    assert _send(local.ui, BOOK).status_code == 422  # before its first poll it cannot know
    local.agent.cycle()  # the poll says: obfuscation on

    sent = _send(local.ui, BOOK)

    assert sent.status_code == 200, sent.text
    done = sent.json()
    assert done["report"]["status"] == "imported", done
    assert done["report"]["rows_added"] == len(FILLS)
    assert done["sent"]["scaled"] is True
    (quantity,) = [c for c in done["sent"]["columns"] if c["name"] == "quantity"]
    assert Decimal(quantity["real_total"]) == 6700  # the real shares, shown here
    assert Decimal(quantity["sent_total"]) == 6700 * FACTOR  # what the cloud got
    assert local.ui.get("/api/uploads").json()["uploads"][0] == done
    # the cloud holds scaled figures only, flagged
    (upload,) = client.get("/api/uploads").json()
    assert upload["obfuscated"] is True
    stored = client.get("/api/journal/trades").json()
    assert {Decimal(t["quantity"]) for t in stored} == {f.quantity * FACTOR for f in FILLS}
    assert {Decimal(t["price"]) for t in stored} == {Decimal(f.price) * FACTOR for f in FILLS}
    assert client.get("/api/trading-agent/obfuscation").json()["factor_known"] is True

    # the same file, unscaled, in another account: the ratios are the same
    make_user(runtime, "bob@x.in")
    bob = TestClient(client.app)
    bob.post("/api/auth/password-login", json={"email": "bob@x.in", "password": PASSWORD})
    real = bob.post("/api/uploads/tradebook", files=[("files[]", ("t.xlsx", BOOK))])
    assert real.status_code == 201, real.text
    scaled_pnl, real_pnl = client.get("/api/journal/pnl").json(), bob.get("/api/journal/pnl").json()
    assert _returns(scaled_pnl) == _returns(real_pnl)
    assert _returns(real_pnl)["INFY"] == Decimal("0.1")
    scaled_edge, real_edge = (
        client.get("/api/journal/edge").json(),
        bob.get("/api/journal/edge").json(),
    )
    rates = {e["symbol"]: e["win_rate"] for e in scaled_edge["symbols"]}
    assert rates == {e["symbol"]: e["win_rate"] for e in real_edge["symbols"]}
    assert (rates["TCS"], rates["INFY"]) == ("0.0000", "1.0000")
    # the money is the factor² smaller (quantity × price)
    infy = next(t for t in scaled_pnl["round_trips"] if t["symbol"] == "INFY")
    assert Decimal(infy["buy_value"]) == 1000 * 1500 * FACTOR**2


def test_a_file_scaled_with_another_factor_is_refused_and_said(local: Local, client: TestClient):
    client.put("/api/trading-agent/obfuscation", json={"on": True})
    local.agent.cycle()
    assert _send(local.ui, BOOK).status_code == 200
    local.agent.config.obfuscation_factor = "0.250"  # a factor imported by mistake

    refused = _send(local.ui, zerodha_csv(FILLS[:1]), name="again.csv")

    assert refused.status_code == 502
    assert "another obfuscation factor" in refused.json()["detail"]
    assert len(client.get("/api/uploads").json()) == 1


def test_with_obfuscation_off_the_file_reaches_the_cloud_as_it_is(local: Local, client: TestClient):
    local.agent.cycle()
    done = _send(local.ui, BOOK).json()
    assert done["sent"]["scaled"] is False
    assert client.get("/api/uploads").json()[0]["obfuscated"] is False
    stored = client.get("/api/journal/trades").json()
    assert {Decimal(t["quantity"]) for t in stored} == {Decimal(f.quantity) for f in FILLS}


def test_a_bad_upload_is_named_by_field(local: Local):
    local.agent.cycle()
    for body, field in (
        ({"kind": "cas", "filename": "x", "content_base64": "eA=="}, "kind"),
        ({"kind": "ledger", "filename": "", "content_base64": "eA=="}, "filename"),
        ({"kind": "ledger", "filename": "x.csv", "content_base64": "%%%"}, "content_base64"),
    ):
        answer = local.ui.post("/api/uploads", json=body, headers=SAME)
        assert answer.status_code == 422
        assert answer.json()["detail"].startswith(f"{field}:")
    cross = local.ui.post(
        "/api/uploads",
        json={"kind": "tradebook", "filename": "t.csv", "content_base64": "eA=="},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_an_uploaded_tradebook_clears_the_drift_of_shares_bought_before(
    client: TestClient,
    runtime: Runtime,
    cloud_url: str,
    tmp_path: Path,
    clock: ManualClock,
    fake: Fake,
):
    """Seed 000: "Import them: upload your tradebook files via the agent's Uploads page"."""
    sign_in(client, runtime, "alice@x.in")
    client.put("/api/trading-agent/obfuscation", json={"on": True})
    fake.kite.book.add_holding("NSE:INFY", 100, Decimal("1480"))  # bought long ago
    kite = {"kite": kite_at(fake, fake.login().access_token)}
    local = _agent(client, cloud_url, tmp_path, clock, kite)
    try:
        first = local.agent.cycle()
        assert [(d.symbol, d.cloud, d.broker) for d in first.drift] == [("NSE:INFY", 0, 100)]

        assert _send(local.ui, BOOK).json()["report"]["status"] == "imported"
        (row,) = local.agent.cloud.expected_positions()
        assert Decimal(row["scaled_imported_quantity"]) == 100 * FACTOR  # the cloud: scaled

        after = local.agent.cycle()

        assert after.drift == []  # the agent unscaled it: 100 expected, 100 held
        status = local.ui.get("/api/status").json()
        assert status["drift"] == []
    finally:
        local.agent.journal.close()
        local.agent.cloud.close()


def test_the_mutual_funds_page_shows_the_clouds_funds(local: Local, client: TestClient):
    empty = local.ui.get("/api/mutual-funds").json()
    assert (empty["available"], empty["funds"]) == (True, [])
    client.post(
        "/api/uploads/cas",
        files=[("file", ("cas.pdf", cams_summary_pdf()))],
        data={"password": CAS_PASSWORD},
    )

    page = local.ui.get("/api/mutual-funds").json()

    wealth = client.get("/api/wealth").json()
    assert page["available"] is True
    assert page["funds"] == wealth["funds"]
    assert Decimal(page["total_value"]) == Decimal(wealth["mutual_funds"])
    local.agent.config.api_key = "zt_revoked"
    local.agent.cloud.close()
    local.agent.cloud = Cloud(local.agent.config.cloud_url, "zt_revoked")
    gone = local.ui.get("/api/mutual-funds").json()
    assert gone["available"] is False
    assert "Cloud authentication failed" in gone["problem"]
