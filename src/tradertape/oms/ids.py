"""Kite-style numeric order and trade ids: the IST date, then random digits."""

from __future__ import annotations

import secrets
from datetime import datetime

from tradertape.ports.clock import IST


def new_order_id(now: datetime) -> str:
    """``YYMMDD`` + 9 random digits (15 digits, like Kite's)."""
    return f"{now.astimezone(IST):%y%m%d}{secrets.randbelow(10**9):09d}"


def new_trade_id(now: datetime) -> str:
    """8 random digits after the date, shorter than an order id like Kite's trade ids."""
    return f"{now.astimezone(IST):%y%m%d}{secrets.randbelow(10**8):08d}"
