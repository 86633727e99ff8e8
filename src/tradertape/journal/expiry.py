"""Contracts the journal's book holds past their expiry: settled there, never marked.

A Console tradebook shows a contract held to expiry as a buy (or a sale) with no closing
row. Such a position is closed on its expiry day at its settlement (`domain.expiry`: an
index option at its intrinsic value from the index's close, nothing when out of the money;
a future at the close), so its P&L and turnover land in the expiry's financial year. Where
the underlying's close on that day is not known, the position stays open as "expired:
settlement price needed" (`OpenPosition.expired_on`), and no model price ever marks it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tradertape.domain.charge_rates import ZERODHA_SCHEDULES, ChargeSchedule
from tradertape.domain.expiry import Contract, contract_of

SETTLEMENT_NEEDED = "expired: settlement price needed"
EXPIRY = "expiry"  # a round trip's close_source when its contract's expiry closed it


@dataclass(frozen=True, slots=True)
class Expiring:
    """A contract past its expiry with the underlying's close that day (None: unknown), and
    the charge schedules of the broker that settles it."""

    contract: Contract
    close: Decimal | None
    schedules: tuple[ChargeSchedule, ...] = ZERODHA_SCHEDULES


def expired(
    held: Iterable[tuple[str, str, date | None]], *, today: date, indices: Collection[str]
) -> dict[str, Contract]:
    """Symbol → contract of each `(exchange, symbol, expiry)` whose expiry day is before
    `today` (a contract expiring today is settled tomorrow, when its close is known). The
    expiry is the tradebook's where it gives one, else what the symbol says."""
    found: dict[str, Contract] = {}
    for exchange, symbol, expiry in held:
        contract = contract_of(symbol, expiry=expiry, indices=indices, bse=exchange == "BFO")
        if contract is not None and contract.expiry < today:
            found.setdefault(symbol, contract)
    return found
