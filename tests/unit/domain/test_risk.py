"""Risk rules as arithmetic: thresholds per type, breaches of an entry, readings of a book."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain.risk import (
    Book,
    Entry,
    OpenPosition,
    RuleAction,
    RuleTerms,
    RuleType,
    Side,
    WorkingEntry,
    breaches,
    reading,
    threshold_problem,
)

D = Decimal
IT = "Information Technology"
BANKS = "Financial Services"


def position(key: str, qty: int, avg: str, last: str, base: str | None = None, sector=IT):
    return OpenPosition(key, sector, qty, D(avg), D(last), D(base or avg))


# ₹10 lakh of capital; INFY 100 × 1,400 and HDFCBANK 50 × 1,600 open; a TCS buy resting.
BOOK = Book(
    positions=(
        position("NSE:INFY", 100, "1450", "1400", base="1420"),
        position("NSE:HDFCBANK", 50, "1500", "1600", base="1600", sector=BANKS),
    ),
    working=(WorkingEntry("NSE:TCS", IT, 10, D("3500")),),
    realised_today=D("-1500"),
    capital=D("1000000"),
)


def buy(key: str, qty: int, price: str, sector: str | None = IT) -> Entry:
    return Entry(key, sector, Side.BUY, qty, D(price))


def test_book_figures_are_exact():
    assert BOOK.exposure == D("255000")  # 140,000 + 80,000 + 35,000 working
    assert BOOK.by_sector == {IT: D("175000"), BANKS: D("80000")}
    assert BOOK.unrealised == D("0")  # −5,000 on INFY, +5,000 on HDFCBANK
    assert BOOK.unrealised_today == D("-2000")  # INFY from 1,420; HDFCBANK bought at 1,600 base
    assert BOOK.pnl_today == D("-3500")
    assert BOOK.loss_today == D("3500")
    assert BOOK.open_keys == {"NSE:INFY", "NSE:HDFCBANK", "NSE:TCS"}


@pytest.mark.parametrize(
    ("rule_type", "amount", "pct", "count", "problem"),
    [
        (RuleType.MAX_ORDER_VALUE, None, None, None, ("threshold_amount", "required")),
        (RuleType.MAX_ORDER_VALUE, D(1), D(5), None, ("threshold_pct", "not used")),
        (RuleType.MAX_EXPOSURE, None, None, None, ("threshold_amount", "needs")),
        (RuleType.MAX_EXPOSURE, D(1), D(5), None, None),
        (RuleType.MAX_EXPOSURE, None, D(5), None, None),
        (RuleType.MAX_SECTOR_EXPOSURE_PCT, D(1), None, None, ("threshold_amount", "not used")),
        (RuleType.MAX_OPEN_POSITIONS, None, None, 5, None),
        (RuleType.KILL_SWITCH, None, None, 5, ("threshold_count", "not used")),
        (RuleType.KILL_SWITCH, None, None, None, None),
    ],
)
def test_thresholds_fit_the_type(rule_type, amount, pct, count, problem):
    found = threshold_problem(rule_type, amount=amount, pct=pct, count=count)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found[0] == problem[0]
        assert problem[1] in found[1]


def test_each_rule_type_names_its_breach():
    rules = [
        RuleTerms(1, RuleType.MAX_ORDER_VALUE, amount=D("100000")),
        RuleTerms(2, RuleType.MAX_EXPOSURE, amount=D("300000")),
        RuleTerms(3, RuleType.MAX_SECTOR_EXPOSURE_PCT, pct=D("25")),
        RuleTerms(4, RuleType.MAX_OPEN_POSITIONS, count=3),
        RuleTerms(5, RuleType.MAX_SYMBOL_EXPOSURE, amount=D("100000")),
        RuleTerms(6, RuleType.DAILY_LOSS_LIMIT, amount=D("3500"), action=RuleAction.WARN),
        RuleTerms(7, RuleType.KILL_SWITCH),
    ]
    found = breaches(rules, BOOK, buy("NSE:WIPRO", 200, "550"))  # ₹110,000 of IT
    assert [(b.rule_id, b.value, b.limit) for b in found] == [
        (1, D("110000"), D("100000")),
        (2, D("365000"), D("300000")),
        (3, D("285000"), D("250000")),
        (4, D(4), D(3)),
        (5, D("110000"), D("100000")),
        (6, D("3500"), D("3500")),  # a limit reached is a limit breached
        (7, None, None),
    ]
    assert [b.message for b in found] == [
        "order value ₹1,10,000.00 is over the ₹1,00,000.00 limit",
        "exposure would reach ₹3,65,000.00, over the ₹3,00,000.00 limit",
        "Information Technology exposure would reach ₹2,85,000.00, over 25.00% of capital "
        "(₹2,50,000.00)",
        "a new position would make 4 open, over the limit of 3",
        "NSE:WIPRO exposure would reach ₹1,10,000.00, over the ₹1,00,000.00 per-symbol limit",
        "today's loss ₹3,500.00 has reached the ₹3,500.00 limit",
        "kill switch is on: new entries are blocked",
    ]
    assert found[5].action is RuleAction.WARN


def test_limits_are_inclusive_and_adding_to_a_position_is_not_a_new_one():
    rules = [
        RuleTerms(1, RuleType.MAX_ORDER_VALUE, amount=D("14000")),
        RuleTerms(2, RuleType.MAX_OPEN_POSITIONS, count=3),
        RuleTerms(3, RuleType.MAX_SYMBOL_EXPOSURE, amount=D("154000")),
        RuleTerms(4, RuleType.MAX_EXPOSURE, pct=D("26.9")),  # ₹269,000 of ₹10 lakh
    ]
    assert breaches(rules, BOOK, buy("NSE:INFY", 10, "1400")) == []


def test_exits_break_nothing_and_only_the_opening_part_of_a_reversal_counts():
    rules = [
        RuleTerms(1, RuleType.KILL_SWITCH),
        RuleTerms(2, RuleType.MAX_ORDER_VALUE, amount=D(1)),
    ]
    sell_all = Entry("NSE:INFY", IT, Side.SELL, 100, D("1400"))
    assert breaches(rules, BOOK, sell_all) == []
    reverse = Entry("NSE:INFY", IT, Side.SELL, 130, D("1400"))
    found = breaches(rules, BOOK, reverse)
    assert found[1].value == D("42000")  # 30 units short × 1,400


def test_positions_held_elsewhere_count_but_an_order_cannot_exit_them():
    # A model portfolio holds SBIN virtually: the paper account's sale of it opens a short.
    book = Book(
        positions=BOOK.positions,
        elsewhere=(position("NSE:SBIN", 10, "800", "810", sector=BANKS),),
        capital=D("1000000"),
    )
    assert (book.position("NSE:SBIN"), len(book.open_keys)) == (0, 3)
    assert book.exposure == D("140000") + D("80000") + D("8100")
    assert book.by_sector[BANKS] == D("88100")
    assert book.unrealised == BOOK.unrealised + D("100")
    sell = Entry("NSE:SBIN", BANKS, Side.SELL, 10, D("810"))
    assert [b.type for b in breaches([RuleTerms(1, RuleType.KILL_SWITCH)], book, sell)] == [
        RuleType.KILL_SWITCH
    ]


def test_a_modified_order_leaves_the_book_for_its_new_terms():
    book = Book(
        working=(
            WorkingEntry("NSE:TCS", IT, 10, D("3500"), order_pk=7),
            WorkingEntry("NSE:TCS", IT, 5, D("3400")),  # a waiting GTT: no order row
        )
    )
    assert book.without_order(7).working == (WorkingEntry("NSE:TCS", IT, 5, D("3400")),)
    assert book.without_order(8) == book


def test_pct_rules_without_capital_allow_nothing():
    book = Book(capital=D("-5"))
    found = breaches(
        [RuleTerms(1, RuleType.MAX_EXPOSURE, pct=D(50))], book, buy("NSE:INFY", 1, "1")
    )
    assert found[0].limit == D(0)


def test_pct_rules_refuse_while_the_capital_is_unknown_and_rupee_rules_do_not_care():
    book = replace(BOOK, capital=D(0), capital_unknown="kite did not report funds (timeout)")
    exposure_pct = RuleTerms(1, RuleType.MAX_EXPOSURE, pct=D(50))
    both = RuleTerms(2, RuleType.MAX_EXPOSURE, amount=D(300000), pct=D(50))
    sector = RuleTerms(3, RuleType.MAX_SECTOR_EXPOSURE_PCT, pct=D(20))
    rupees = RuleTerms(4, RuleType.MAX_EXPOSURE, amount=D(300000))

    found = breaches([exposure_pct, both, sector, rupees], book, buy("NSE:INFY", 10, "1400"))

    why = "capital unknown: kite did not report funds (timeout)"
    assert [(b.rule_id, b.message, b.value, b.limit) for b in found] == [
        (1, f"{why}; exposure would reach ₹2,69,000.00 against 50.00% of it", D(269000), None),
        (2, f"{why}; exposure would reach ₹2,69,000.00 against 50.00% of it", D(269000), None),
        (3, f"{why}; {IT} exposure would reach ₹1,89,000.00 against 20.00% of it", D(189000), None),
    ]
    over = breaches([both], book, buy("NSE:INFY", 40, "1400"))  # the ₹ cap binds first
    assert over[0].message == "exposure would reach ₹3,11,000.00, over the ₹3,00,000.00 limit"
    assert breaches([exposure_pct], book, Entry("NSE:INFY", IT, Side.SELL, 10, D(1400))) == []

    pct_reading, sector_reading, rupee_reading = (
        reading(r, book) for r in (exposure_pct, sector, rupees)
    )
    assert (pct_reading.value, pct_reading.limit, pct_reading.breached) == (D(255000), None, True)
    assert pct_reading.detail == {"capital_unknown": "kite did not report funds (timeout)"}
    assert sector_reading.detail == {
        "sector": IT,
        "capital_unknown": "kite did not report funds (timeout)",
    }
    assert (rupee_reading.limit, rupee_reading.breached) == (D(300000), False)


def test_readings_of_the_book():
    rules = {
        "loss": RuleTerms(1, RuleType.DAILY_LOSS_LIMIT, amount=D("4000")),
        "exposure": RuleTerms(2, RuleType.MAX_EXPOSURE, amount=D("400000"), pct=D("30")),
        "sector": RuleTerms(3, RuleType.MAX_SECTOR_EXPOSURE_PCT, pct=D("15")),
        "positions": RuleTerms(4, RuleType.MAX_OPEN_POSITIONS, count=3),
        "symbol": RuleTerms(5, RuleType.MAX_SYMBOL_EXPOSURE, amount=D("200000")),
        "order": RuleTerms(6, RuleType.MAX_ORDER_VALUE, amount=D("1")),
        "kill": RuleTerms(7, RuleType.KILL_SWITCH),
    }
    read = {name: reading(rule, BOOK) for name, rule in rules.items()}
    summary = {
        name: (r.value, r.limit, r.utilisation_pct, r.near_limit, r.breached)
        for name, r in read.items()
    }
    assert summary == {
        "loss": (D("3500"), D("4000"), D("87.50"), True, False),
        "exposure": (D("255000"), D("300000"), D("85.00"), True, False),
        "sector": (D("175000"), D("150000"), D("116.67"), True, True),
        "positions": (D(3), D(3), D("100.00"), True, False),
        "symbol": (D("140000"), D("200000"), D("70.00"), False, False),
        "order": (None, D("1"), None, False, False),
        "kill": (None, None, None, True, True),
    }
    assert read["sector"].detail == {"sector": IT, "pct_of_capital": "17.50"}
    assert read["symbol"].detail == {"symbol": "NSE:INFY"}


prices = st.decimals(min_value=D("0.05"), max_value=D("100000"), places=2)
quantities = st.integers(min_value=1, max_value=10_000)
keys = st.sampled_from(["NSE:INFY", "NSE:TCS", "NSE:SBIN", "NSE:ITC"])
sectors = st.sampled_from([IT, BANKS, None])
books = st.builds(
    Book,
    positions=st.lists(
        st.builds(
            OpenPosition,
            key=keys,
            sector=sectors,
            quantity=st.integers(min_value=-500, max_value=500),
            average_price=prices,
            last_price=prices,
            day_base_price=prices,
        ),
        max_size=4,
        unique_by=lambda p: p.key,
    ).map(tuple),
    working=st.lists(st.builds(WorkingEntry, keys, sectors, quantities, prices), max_size=3).map(
        tuple
    ),
    realised_today=st.decimals(min_value=D(-100000), max_value=D(100000), places=2),
    capital=st.decimals(min_value=D(-1000), max_value=D(10_000_000), places=2),
)
entries = st.builds(Entry, keys, sectors, st.sampled_from(list(Side)), quantities, prices)
all_rules = st.lists(
    st.one_of(
        st.builds(RuleTerms, st.just(1), st.just(RuleType.MAX_ORDER_VALUE), amount=prices),
        st.builds(RuleTerms, st.just(2), st.just(RuleType.MAX_EXPOSURE), amount=prices),
        st.builds(RuleTerms, st.just(3), st.just(RuleType.MAX_SECTOR_EXPOSURE_PCT), pct=prices),
        st.builds(RuleTerms, st.just(4), st.just(RuleType.MAX_OPEN_POSITIONS), count=quantities),
        st.builds(RuleTerms, st.just(5), st.just(RuleType.DAILY_LOSS_LIMIT), amount=prices),
        st.just(RuleTerms(6, RuleType.KILL_SWITCH)),
    ),
    max_size=5,
)


@given(books, entries, prices, all_rules)
def test_nothing_over_the_max_order_value_gets_through(book, entry, limit, others):
    rule = RuleTerms(9, RuleType.MAX_ORDER_VALUE, amount=limit)
    refused = any(b.action is RuleAction.BLOCK for b in breaches([*others, rule], book, entry))
    if not refused:
        assert entry.opening_quantity(book) * entry.price <= limit


@given(books, entries, all_rules)
def test_exits_are_never_blocked(book, entry, rules):
    held = book.position(entry.key)
    closing = Entry(
        entry.key,
        entry.sector,
        Side.SELL if held > 0 else Side.BUY,
        max(min(entry.quantity, abs(held)), 1),
        entry.price,
    )
    if held:
        assert breaches(rules, book, closing) == []


@given(books, all_rules)
def test_near_limit_from_eighty_percent(book, rules):
    for rule in rules:
        r = reading(rule, book)
        if r.utilisation_pct is not None:
            assert r.near_limit == (r.breached or r.utilisation_pct >= 80)
