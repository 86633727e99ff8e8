"""An owner written as an order's tags (`domain.owners.tags_of`) is read back as itself by
the OMS's rule (`owner_from`), and a book's owner (`domain.books.book_owner`) is the one
whose orders land in that book or part: the placers write tags, never read them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradertape.domain import books
from tradertape.domain.owners import (
    BOOK_KINDS,
    MANUAL,
    Owner,
    OwnerKind,
    owner_from,
    portfolio_owner,
    run_owner,
    tags_of,
)

ids = st.integers(min_value=1, max_value=2**53)
book_owners = st.one_of(ids.map(run_owner), ids.map(portfolio_owner))


@given(book_owners, st.sampled_from(["worker", "portfolio", "mtm_exit", "gtt", None]))
def test_an_owners_tags_read_back_as_it(owner: Owner, source: str | None):
    assert owner_from(source, tags_of(owner)) == owner


@given(ids)
def test_an_option_runs_legs_are_its_runs_tags_and_its_leg(run: int):
    tags = {**tags_of(Owner(OwnerKind.OPTION_RUN, run)), "option_leg": 0}
    assert owner_from("options_runtime", tags) == Owner(OwnerKind.OPTION_RUN, run)


@given(st.sampled_from([k for k in OwnerKind if k not in BOOK_KINDS]), ids)
def test_an_owner_without_a_book_writes_no_tags(kind: OwnerKind, row: int):
    assert tags_of(Owner(kind, row)) == {}
    assert tags_of(Owner(OwnerKind.WORKER_RUN)) == {}


@given(book_owners, st.sampled_from(["kite", "upstox", "groww"]))
def test_a_books_owner_is_whose_orders_land_in_it(owner: Owner, broker: str):
    own = books.book_of(books.PAPER_BROKER, owner)
    assert books.book_owner(own) == owner
    part = books.part_of(books.live_book(broker), owner)
    assert part is not None
    assert books.book_owner(part) == owner
    assert books.book_owner(books.MANUAL) == MANUAL
    assert books.book_owner(books.live_book(broker)) == MANUAL
