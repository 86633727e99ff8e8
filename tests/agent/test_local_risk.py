"""The rupee and % rules the agent applies on its real figures when the cloud's book is
obfuscated: one worked example per rule type, each measured by the agent (`risk`) and by the
server's own arithmetic (`domain.risk`) on the same book, which must say the same; then the
agent refusing an entry (reported ``rejected`` with the rule's words, nothing placed) and
placing one a warn rule only warns about."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.agent.cloud_kit import FakeCloud, entry_signal
from tests.agent.conftest import Agents
from tests.brokers.kite.conftest import Fake
from tradertape.domain import risk as server
from tradertape_agent import risk

# The book, by hand:
#   holdings   INFY 10 @ last 1500 (close 1520)  value 15,000.00   today 10 × (1500 − 1520) = −200
#   positions  TCS   2 @ last 2950 (no close: from the average 3000)
#                                                value  5,900.00   today  2 × (2950 − 3000) = −100
#              realised today −300
#   working    RELIANCE 3 @ 2500 (placed, not filled)  7,500.00
#   funds      live_balance 1,00,000
# exposure = 15,000 + 5,900 + 7,500 = 28,400; capital = 1,00,000 + 15,000 + 5,900 = 1,20,900
# today's P&L = −200 − 100 − 300 = −600: a loss of 600
# IT (INFY, TCS) = 20,900; the entry: INFY 5 @ limit 1522.60 = 7,613.00 (IT)
HOLDINGS = [
    {"exchange": "NSE", "tradingsymbol": "INFY", "quantity": 10, "t1_quantity": 0,
     "average_price": 1400, "last_price": 1500, "close_price": 1520},
]  # fmt: skip
POSITIONS = {
    "net": [
        {"exchange": "NSE", "tradingsymbol": "TCS", "product": "CNC", "quantity": 2,
         "average_price": 3000, "last_price": 2950, "close_price": 0, "realised": -300},
    ]
}  # fmt: skip
MARGINS = {"equity": {"available": {"live_balance": 100000, "cash": 100000}}}
SECTORS = {"NSE:INFY": "IT", "NSE:TCS": "IT", "NSE:RELIANCE": "Energy"}
WORKING = [risk.Entry("NSE:RELIANCE", "Energy", 3, Decimal(2500))]
ENTRY = risk.Entry("NSE:INFY", "IT", 5, Decimal("1522.60"))


def agent_book(margins: dict[str, Any] = MARGINS) -> risk.Book:
    return risk.book_of([(HOLDINGS, POSITIONS, margins)], WORKING, SECTORS)


def server_book(capital_unknown: str | None = None) -> server.Book:
    """The same account as the server's gate would read it unscaled (`services.agent.book`)."""
    d = Decimal
    return server.Book(
        positions=(
            server.OpenPosition("NSE:INFY", "IT", 10, d(1400), d(1500), d(1520)),
            server.OpenPosition("NSE:TCS", "IT", 2, d(3000), d(2950), d(3000)),
        ),
        working=(server.WorkingEntry("NSE:RELIANCE", "Energy", 3, d(2500)),),
        realised_today=d(-300),
        capital=d(100000) + d(15000) + d(5900),
        capital_unknown=capital_unknown,
    )


def test_the_book_by_hand():
    book = agent_book()
    assert book.exposure == Decimal(28400)
    assert book.capital == Decimal(120900)
    assert book.loss_today == Decimal(600)
    assert book.by_sector["IT"] == Decimal(20900)
    assert ENTRY.value == Decimal("7613.00")
    mirror = server_book()
    assert (mirror.exposure, mirror.capital, mirror.loss_today) == (
        book.exposure,
        book.capital,
        book.loss_today,
    )


CASES = [
    # type, amount, pct, the words (None: it holds)
    ("max_order_value", "7500", None, "order value ₹7,613.00 is over the ₹7,500.00 limit"),
    ("max_order_value", "7613", None, None),
    ("max_symbol_exposure", "22000", None,
     "NSE:INFY exposure would reach ₹22,613.00, over the ₹22,000.00 per-symbol limit"),
    ("max_symbol_exposure", "23000", None, None),
    ("max_exposure", "35000", None, "exposure would reach ₹36,013.00, over the ₹35,000.00 limit"),
    # 25 % of 1,20,900 = 30,225.00 < 36,013.00; 30 % = 36,270.00 holds it
    ("max_exposure", None, "25",
     "exposure would reach ₹36,013.00, over 25.00% of capital (₹30,225.00)"),
    ("max_exposure", None, "30", None),
    # IT: 20,900 + 7,613 = 28,513.00; 20 % of 1,20,900 = 24,180.00
    ("max_sector_exposure_pct", None, "20",
     "IT exposure would reach ₹28,513.00, over 20.00% of capital (₹24,180.00)"),
    ("max_sector_exposure_pct", None, "25", None),
    ("daily_loss_limit", "600", None, "today's loss ₹600.00 has reached the ₹600.00 limit"),
    ("daily_loss_limit", "601", None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "amount", "pct", "words"),
    [pytest.param(*c, id=f"{c[0]}-{c[1] or c[2]}") for c in CASES],
)
def test_each_rule_type_says_what_the_servers_arithmetic_says(
    kind: str, amount: str | None, pct: str | None, words: str | None
):
    rule = {"id": 9, "type": kind, "action": "block", "threshold_amount": amount,
            "threshold_pct": pct}  # fmt: skip

    found = risk.check([rule], agent_book(), ENTRY)

    assert [b.message for b in found] == ([words] if words else [])
    terms = server.RuleTerms(
        9,
        server.RuleType(kind),
        amount=Decimal(amount) if amount else None,
        pct=Decimal(pct) if pct else None,
    )
    entry = server.Entry("NSE:INFY", "IT", server.Side.BUY, 5, Decimal("1522.60"))
    theirs = server.breaches([terms], server_book(), entry)
    assert [b.message for b in theirs] == [b.message for b in found]


def test_a_percent_rule_refuses_while_no_broker_reported_its_funds():
    rule = {"id": 1, "type": "max_exposure", "action": "block", "threshold_amount": None,
            "threshold_pct": "90"}  # fmt: skip
    found = risk.check([rule], agent_book(margins={}), ENTRY)
    assert [b.message for b in found] == [
        "capital unknown: no broker reported its funds; exposure would reach ₹36,013.00"
    ]
    assert risk.refusal(found) == (
        "Order rejected by the agent's risk check: capital unknown: no broker reported its "
        "funds; exposure would reach ₹36,013.00"
    )


def test_rupees_in_indian_grouping():
    assert risk.rupees(Decimal("1013418.755")) == "₹10,13,418.76"
    assert risk.rupees(Decimal("29521.8")) == "₹29,521.80"
    assert risk.rupees(Decimal("-3672.67")) == "−₹3,672.67"
    assert risk.rupees(Decimal("999")) == "₹999.00"


def obfuscated(signal_id: int, *rules: dict[str, Any]) -> dict[str, Any]:
    """An entry the cloud could check on counts only, with the rules it hands over."""
    checked = {"allowed": True, "refusal": None, "warnings": [], "checked": "counts",
               "rules": list(rules)}  # fmt: skip
    return entry_signal(signal_id, risk=checked)


def test_an_entry_over_a_rupee_rule_is_rejected_with_its_words_and_never_placed(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    """The audit's case: with obfuscation on, an entry over a ₹1,000 order-value rule was
    placed. 5 INFY at the limit 1,522.60 = ₹7,613.00 > ₹1,000.00."""
    rule = {"id": 4, "type": "max_order_value", "action": "block",
            "threshold_amount": "1000", "threshold_pct": None}  # fmt: skip
    cloud.signals = [obfuscated(1, rule)]
    agent = agents.new()

    report = agent.cycle()

    assert fake.kite.book.gtts == {}
    [result] = cloud.results
    assert (result["signal_id"], result["outcome"], result["leg"]) == (1, "rejected", "entry")
    assert result["reason"] == (
        "Order rejected by the agent's risk check: order value ₹7,613.00 is over the "
        "₹1,000.00 limit"
    )
    assert "refused by the agent's risk check" in report.refused[0]
    agent.cycle()
    assert fake.kite.book.gtts == {}  # and not later either


def test_a_warn_rule_places_and_says_why(agents: Agents, cloud: FakeCloud, fake: Fake):
    rule = {"id": 5, "type": "max_order_value", "action": "warn",
            "threshold_amount": "1000", "threshold_pct": None}  # fmt: skip
    cloud.signals = [obfuscated(2, rule)]
    agent = agents.new()

    agent.cycle()

    assert len(fake.kite.book.gtts) == 1
    assert [r["outcome"] for r in cloud.results] == ["placed"]
    assert any("order value ₹7,613.00 is over the ₹1,000.00 limit (warning)" in line
               for line in agents.lines)  # fmt: skip


def test_a_sector_rule_reads_the_sectors_the_poll_names_and_counts_placed_entries(
    agents: Agents, cloud: FakeCloud, fake: Fake
):
    """Two INFY entries of 7,613.00 each against 1 % of the fake's capital (its cash
    10,00,000 and nothing held: 10,000.00): the first fits, the second (15,226.00 with the
    first working) does not."""
    rule = {"id": 6, "type": "max_sector_exposure_pct", "action": "block",
            "threshold_amount": None, "threshold_pct": "1"}  # fmt: skip
    cloud.sectors = {"NSE:INFY": "IT"}
    cloud.signals = [obfuscated(3, rule), obfuscated(4, rule)]
    agent = agents.new()

    agent.cycle()

    assert len(fake.kite.book.gtts) == 1
    outcomes = sorted((r["signal_id"], r["outcome"]) for r in cloud.results)
    assert outcomes == [(3, "placed"), (4, "rejected")]
    [refused] = [r for r in cloud.results if r["outcome"] == "rejected"]
    assert (
        "IT exposure would reach ₹15,226.00, over 1.00% of capital (₹10,000.00)"
        in (refused["reason"])
    )
