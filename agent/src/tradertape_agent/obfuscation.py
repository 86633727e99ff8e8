"""Upload obfuscation: quantities, prices and amounts scaled by a factor only the agent knows.

The factor (like ``0.137``) is made once and kept in the agent's settings; ratios (returns,
win rates, weights) are the same scaled or not. The cloud is given a fingerprint of it, so it
can refuse uploads scaled with another factor, but not the factor: the fingerprint is salted
with a random secret kept beside the factor (a three-digit factor alone is quickly guessed).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: Kite-shaped fields that are counts of shares.
QUANTITIES = frozenset(
    {
        "quantity", "t1_quantity", "realised_quantity", "used_quantity", "collateral_quantity",
        "opening_quantity", "overnight_quantity", "buy_quantity", "sell_quantity",
        "day_buy_quantity", "day_sell_quantity", "authorised_quantity", "filled_quantity",
    }
)  # fmt: skip
#: Fields in rupees, per share or in total.
AMOUNTS = frozenset(
    {
        "price", "average_price", "last_price", "close_price", "pnl", "day_change", "value",
        "buy_price", "sell_price", "buy_value", "sell_value", "m2m", "realised", "unrealised",
        "day_buy_price", "day_sell_price", "day_buy_value", "day_sell_value", "amount",
        "net", "cash", "opening_balance", "live_balance", "collateral", "debits",
    }
)  # fmt: skip
SCALED = QUANTITIES | AMOUNTS


def new_factor() -> str:
    """A factor between 0.100 and 0.999, three decimals, from the system's secure RNG."""
    return f"0.{100 + secrets.randbelow(900)}"


def new_salt() -> str:
    return secrets.token_hex(16)


def valid_factor(text: str) -> Decimal:
    """The factor `text` names; ValueError unless it is a number in (0, 1]."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not 0 < value <= 1:
        raise ValueError("the factor must be above 0 and at most 1")
    return value


def fingerprint(factor: str, salt: str) -> str:
    """What the cloud stores to recognise uploads scaled with this factor."""
    return hashlib.sha256(f"{salt}:{factor}".encode()).hexdigest()[:32]


def _scaled(value: Any, by: Decimal, inverse: bool) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    result = number / by if inverse else number * by
    # "f": a whole 100 stays "100" (str of a normalized Decimal would say "1E+2").
    return format(result.normalize() if result == result.to_integral() else result, "f")


def scale(data: Any, factor: Decimal, *, inverse: bool = False) -> Any:
    """`data` (rows, dicts, lists nested) with every quantity and amount field scaled by
    `factor` (or unscaled with `inverse`); numbers come back as exact decimal strings."""
    if isinstance(data, Mapping):
        return {
            k: _scaled(v, factor, inverse) if k in SCALED else scale(v, factor, inverse=inverse)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [scale(v, factor, inverse=inverse) for v in data]
    return data


def scale_rows(rows: Iterable[Mapping[str, Any]], factor: Decimal) -> list[Any]:
    return [scale(r, factor) for r in rows]
