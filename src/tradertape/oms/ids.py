"""Kite-style numeric order and trade ids: the IST date, then random digits."""

from __future__ import annotations

import os
from datetime import datetime

from tradertape.ports.clock import IST

_ORDER_DIGITS = 10**9
_TRADE_DIGITS = 10**8
_SPAN = 1 << 64  # one draw: 8 bytes of the OS's randomness


def _below(bound: int, limit: int) -> int:
    """A uniform draw in ``[0, bound)`` from the OS's CSPRNG, as `secrets.randbelow` draws,
    in one 8-byte read: a draw at or past `limit` (the last whole multiple of `bound` in 64
    bits) is drawn again, so each remainder is equally likely. `secrets.randbelow` reads
    and rejects up to 30 bits at a time through three Python frames, and a paper order
    draws twice (its id, its trade's)."""
    while True:
        draw = int.from_bytes(os.urandom(8), "big")
        if draw < limit:
            return draw % bound


def _limit(bound: int) -> int:
    return _SPAN - _SPAN % bound


_ORDER_LIMIT = _limit(_ORDER_DIGITS)
_TRADE_LIMIT = _limit(_TRADE_DIGITS)


def new_order_id(now: datetime) -> str:
    """``YYMMDD`` + 9 random digits (15 digits, like Kite's)."""
    return f"{now.astimezone(IST):%y%m%d}{_below(_ORDER_DIGITS, _ORDER_LIMIT):09d}"


def new_trade_id(now: datetime) -> str:
    """8 random digits after the date, shorter than an order id like Kite's trade ids."""
    return f"{now.astimezone(IST):%y%m%d}{_below(_TRADE_DIGITS, _TRADE_LIMIT):08d}"
