"""Where a sliced send's child sizes come from (issue 54): the answer's own when it carries
every one (a send found again by tag), else exactly one read of the broker's order book;
an unreadable book answers None (the rows keep our sizes), never a second read."""

from __future__ import annotations

from typing import Any, cast

from tradertape.oms.live.orders import _child_sizes
from tradertape.ports.broker import Broker, BrokerError, Slice, SlicedOrder


class Book:
    """A broker whose order book is these rows (or refuses to be read), counting reads."""

    def __init__(self, rows: list[dict[str, Any]] | None) -> None:
        self.rows, self.reads = rows, 0

    def orders(self) -> list[dict[str, Any]]:
        self.reads += 1
        if self.rows is None:
            raise BrokerError("book unavailable")
        return self.rows


def _sizes(placed: SlicedOrder, book: Book) -> dict[str, int] | None:
    return _child_sizes(placed, cast(Broker, book))


def test_sizes_the_answer_carries_need_no_book_read():
    placed = SlicedOrder("1", (Slice("1", quantity=1300), Slice("2", quantity=1105)))
    book = Book([])

    assert _sizes(placed, book) == {"1": 1300, "2": 1105}
    assert book.reads == 0


def test_an_answer_of_ids_only_reads_the_book_once_for_every_child():
    placed = SlicedOrder("1", (Slice("1"), Slice(None, error="RMS"), Slice("3")))
    book = Book(
        [
            {"order_id": "1", "quantity": 1300},
            {"order_id": "3", "quantity": 1105},
            {"order_id": "9", "quantity": "bad"},  # no size: left out
        ]
    )

    assert _sizes(placed, book) == {"1": 1300, "3": 1105}
    assert book.reads == 1


def test_an_unreadable_book_answers_none_after_one_try():
    book = Book(None)

    assert _sizes(SlicedOrder("1", (Slice("1"), Slice("2"))), book) is None
    assert book.reads == 1
