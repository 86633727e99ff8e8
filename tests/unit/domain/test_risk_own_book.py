"""The entry/exit judgement on the order's own book (`Entry.opening_against`,
`breaches(held=...)`): what another book holds makes nobody's entry an exit, and a book's
own exit is never refused by its own pause."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradertape.domain.risk import (
    Book,
    Entry,
    OpenPosition,
    RuleTerms,
    RuleType,
    Side,
    breaches,
)

PAUSED = RuleTerms(id=1, type=RuleType.MTM_EXIT, paused=True)
# The account nets the desk's short 50 and a run's long 100: long 50.
ACCOUNT = Book(
    positions=(OpenPosition("NSE:INFY", None, 50, Decimal(1500), Decimal(1494), Decimal(1500)),)
)


def _entry(side: Side, quantity: int) -> Entry:
    return Entry("NSE:INFY", None, side, quantity, Decimal(1494))


@pytest.mark.parametrize(
    ("side", "quantity", "held", "opening"),
    [
        (Side.SELL, 100, 100, 0),  # the run sells its own 100: an exit
        (Side.SELL, 101, 100, 1),  # one past it opens a short
        (Side.BUY, 10, 0, 10),  # a flat run's buy opens, whoever is short
        (Side.BUY, 30, -50, 0),  # a short book's buy back closes
        (Side.BUY, 80, -50, 30),
        (Side.SELL, 5, -50, 5),  # a sale extends a short
    ],
)
def test_opening_units_against_a_books_own_holding(
    side: Side, quantity: int, held: int, opening: int
) -> None:
    assert _entry(side, quantity).opening_against(held) == opening


def test_a_books_exit_passes_its_own_pause_though_the_account_calls_part_of_it_an_entry() -> None:
    exit_ = _entry(Side.SELL, 100)
    assert exit_.opening_quantity(ACCOUNT) == 50  # on the account's net: 50 would open
    assert [b.type for b in breaches([PAUSED], ACCOUNT, exit_)] == [RuleType.MTM_EXIT]
    assert breaches([PAUSED], ACCOUNT, exit_, held=100) == []


def test_an_entry_is_refused_by_its_books_pause_though_the_account_holds_the_other_side() -> None:
    short = Book(
        positions=(
            OpenPosition("NSE:INFY", None, -50, Decimal(1500), Decimal(1494), Decimal(1500)),
        )
    )
    buy = _entry(Side.BUY, 10)
    assert breaches([PAUSED], short, buy) == []  # the account's net called it an exit
    [found] = breaches([PAUSED], short, buy, held=0)
    assert (found.type, "paused" in found.message) == (RuleType.MTM_EXIT, True)


def test_an_unpaused_rule_is_not_breached_by_an_entry() -> None:
    quiet = RuleTerms(id=2, type=RuleType.MTM_EXIT)
    assert breaches([quiet], ACCOUNT, _entry(Side.BUY, 10), held=0) == []
