"""A holding's day change: from the previous close for shares held overnight, from the buy
price for shares bought today.

A share bought today made no gain since yesterday's close: its day is from what it cost.
A row holding both (settled shares and T+1 shares bought today) is measured from the
blend, per share, so that the day change in rupees is settled × (last − close) +
bought today × (last − buy price), and its percentage, on the same base, always has the
same sign.
"""

from __future__ import annotations

from decimal import Decimal

from tradertape.domain.money import ZERO


def day_base(
    *, settled: Decimal, t1: Decimal, close: Decimal | None, bought_at: Decimal | None
) -> Decimal | None:
    """The price per share a holding's day change is measured from (None: not known).

    `settled` shares count from `close`, the `t1` shares bought today from `bought_at`
    (their buy price; a broker's row that does not give it apart from older lots gives its
    average price, the nearest it says).
    """
    held = settled + t1
    if held <= 0:
        return close
    if not t1:
        return close
    if bought_at is None or (settled and close is None):
        return None
    return (settled * (close or ZERO) + t1 * bought_at) / held


def day_change(last: Decimal, base: Decimal | None) -> tuple[Decimal, Decimal]:
    """Per share, the change since `base` and that as a percentage of it (0 and 0 with no
    base): the two always agree in sign."""
    if base is None or base <= 0:
        return ZERO, ZERO
    change = last - base
    return change, change / base * 100
