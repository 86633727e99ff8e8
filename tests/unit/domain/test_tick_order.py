"""Which tick is the price now: one rule for the quote book and the live candles."""

from __future__ import annotations

from datetime import datetime, timedelta

from tradertape.oms.quotes import QuoteBook
from tradertape.ports.clock import IST
from tradertape.testkit import make_tick

CLOSE = datetime(2026, 11, 20, 15, 30, tzinfo=IST)


def test_a_late_print_keeps_the_later_price_and_a_replay_takes_over():
    book = QuoteBook()
    book.update(make_tick("NSE:INFY", "1500", ts=CLOSE))
    book.update(make_tick("NSE:INFY", "1499", ts=CLOSE - timedelta(seconds=2)))  # lagging
    held = book("NSE:INFY")
    assert held is not None
    assert held.last_price == 1500
    # the demo plays the session again: 09:15 after 15:30 is the price now
    book.update(make_tick("NSE:INFY", "1412", ts=CLOSE.replace(hour=9, minute=15)))
    held = book("NSE:INFY")
    assert held is not None
    assert held.last_price == 1412
