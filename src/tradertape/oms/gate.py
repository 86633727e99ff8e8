"""The pre-trade gate: the one check every order that may open exposure passes.

The OMS knows nothing of risk rules; it knows that a check exists. The check (the risk
desk's `pre_trade`) is registered on the venue once, when the runtime is built, and
placement (`placement.place`), modification (`amendment.modify`) and GTT creation
(`gtt.GttBook.create`) all consult it, so a new way of placing cannot forget it. Until
one is registered (a bare exchange in a unit test) every order passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tradertape.db.models.trading import Order
from tradertape.domain.instruments import Instrument
from tradertape.domain.market import Tick


@dataclass(frozen=True, slots=True)
class PreTradeVerdict:
    """A pre-trade check's answer: a refusal (Kite-style status message) or None, and
    what to record once the order is stored (the stored order is passed in)."""

    refusal: str | None
    record: Callable[[Session, Order], None] | None = None


# (session, order as it would stand, instrument, last tick) → verdict, or None when nothing
# applies. The order is unstored when new; a stored order (it has an ``id``) is being
# modified, and its old terms no longer count among the book's working entries.
PreTrade = Callable[[Session, Order, Instrument, Tick | None], PreTradeVerdict | None]


class PreTradeGate:
    """Holds the registered check; consulted by every path that places or enlarges."""

    __slots__ = ("_check",)

    def __init__(self) -> None:
        self._check: PreTrade | None = None

    def register(self, check: PreTrade) -> None:
        """Make `check` the gate's check (the runtime registers the risk desk's)."""
        self._check = check

    def check(
        self, db: Session, order: Order, instrument: Instrument, last: Tick | None
    ) -> PreTradeVerdict | None:
        """The registered check's verdict on `order`; None when none is registered."""
        return None if self._check is None else self._check(db, order, instrument, last)
