"""A live book's parts (issue 55): each live portfolio's and run's trades in its broker's
book, named from the order's attribution as its paper book would be; the desk's own and
paper books have none, and a part knows its book and its owner."""

from __future__ import annotations

import pytest

from tradertape.domain import books


@pytest.mark.parametrize(
    ("book", "tags", "part"),
    [
        ("live:kite", {"portfolio_id": 3, "signal_id": 9}, "live:kite/portfolio:3"),
        ("live:kite", {"run_pk": 5, "strategy_run_id": "r1"}, "live:kite/run:5"),
        ("live:upstox", {"run_pk": 5}, "live:upstox/run:5"),
        ("live:kite", {"mtm_rule_id": 1}, None),  # the desk's own
        ("live:kite", None, None),
        ("live:kite", {"portfolio_id": "3"}, None),  # a tag that is not an id names no one
        ("run:5", {"run_pk": 5}, None),  # a paper book is no live book's part
        ("live:nobody", {"run_pk": 5}, None),
    ],
)
def test_an_orders_part_of_a_live_book_follows_its_attribution(
    book: str, tags: dict[str, object] | None, part: str | None
):
    assert books.part_of(book, tags) == part


def test_a_part_knows_its_book_and_its_owner():
    part = books.part_book("live:upstox", books.portfolio_book(10**12))
    assert (books.parent_of(part), books.owner_of(part)) == (
        "live:upstox",
        "portfolio:1000000000000",
    )
    assert (books.parent_of("live:kite"), books.owner_of("run:5")) == ("live:kite", "run:5")
    assert books.live_broker(part) is None  # a part is not a broker's book
    assert books.is_valid(part)
    assert books.portfolio_of(part) is None  # nor a paper portfolio's


def test_own_book_is_where_an_owners_orders_fill_finest():
    assert books.own_book("kite", {"run_pk": 5}) == "live:kite/run:5"
    assert books.own_book("paper", {"run_pk": 5}) == "run:5"
    assert books.own_book("paper", {"portfolio_id": 3}) == "portfolio:3"
    assert books.own_book("kite", {}) == "live:kite"


def test_a_part_in_words_names_its_owner_then_its_book():
    assert books.book_words("live:kite/run:5") == "Worker run #5 (Live: Kite)"
    assert books.book_words("live:kite/portfolio:3") == "Portfolio #3 (Live: Kite)"
