"""The exchange's freeze quantity as the fakes apply it, and how a broker slices above it.

NSE refuses an F&O order for more than its underlying's freeze quantity; Kite's
``autoslice`` and Upstox's ``slice`` place such an order as children of at most that
quantity in whole lots (Kite at most 10, Upstox 25). The fakes read the limits shipped
with the package (`domain.freeze_quantities`), unless a test lists an instrument with its
own.
"""

from __future__ import annotations

from tradertape.domain.freeze_quantities import shipped_limits

DERIVATIVES = ("NFO", "BFO")
KITE_SLICES = 10
UPSTOX_SLICES = 25


def freeze_of(exchange: str, underlying: str | None, own: int | None = None) -> int | None:
    """The freeze quantity of a contract on `exchange` of `underlying` (`own` when the
    instrument was listed with one); None for cash instruments and unlisted underlyings."""
    if own is not None:
        return own
    if exchange not in DERIVATIVES or not underlying:
        return None
    limit = shipped_limits().get(underlying.upper())
    return None if limit is None else limit.freeze_quantity


def slice_quantities(quantity: int, freeze: int, lot_size: int) -> list[int]:
    """The children of `quantity`: full slices of the freeze quantity rounded down to
    whole lots, then the rest."""
    per = max((freeze // max(lot_size, 1)) * max(lot_size, 1), 1)
    full, rest = divmod(quantity, per)
    return [per] * full + ([rest] if rest else [])
