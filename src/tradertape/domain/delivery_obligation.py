"""The physical delivery an open stock F&O position owes if held to expiry, shown before.

In its contract's last trading days (from the 4th trading day before expiry to the expiry
day) an open stock future, and a stock option in the money at the underlying's last price,
is shown with what it would deliver (`expiry.delivery_of`, the rule the settlement itself
applies): buy or sell N shares of the underlying at the strike (a future: at the last
price, the settlement price to come), their value, and for a bought option the delivery
margin a broker asks in those days.

Delivery margin (Zerodha's bulletin "Physical delivery margin: In-the-money long options",
21-Jan-2021 [2nd; not on the reference's card]): a share of the exchange's VaR + ELM margin
on the delivery value, from the beginning of each day: 10 % on E-4, 25 % on E-3, 45 % on
E-2, 70 % on E-1 (E-n: n trading days before expiry); the bulletin stops at E-1 and the
expiry day keeps E-1's share here. The VaR + ELM share is the caller's (the paper broker's
stand-in is the underlying's SPAN + exposure share, `margins.MarginRates`). Futures and sold
options already keep SPAN + exposure on the whole notional: no delivery margin is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from tradertape.domain.expiry import Contract, Delivery, delivery_of
from tradertape.domain.money import paise

SHOWN_FROM = 4  # trading days before expiry: the delivery margin's first day (E-4)
DELIVERY_MARGIN_SHARE = MappingProxyType(
    {
        4: Decimal("0.10"),
        3: Decimal("0.25"),
        2: Decimal("0.45"),
        1: Decimal("0.70"),
        0: Decimal("0.70"),
    }
)


@dataclass(frozen=True, slots=True)
class Obligation:
    """What an open position would deliver at expiry, as of the underlying's last price."""

    contract: Contract
    delivery: Delivery
    days_left: int  # trading days to the expiry day (0: it is today)
    margin: Decimal | None  # the delivery margin a bought option keeps now (None: none)

    @property
    def value(self) -> Decimal:
        return paise(self.delivery.value)


def obligation(
    contract: Contract,
    held: int,
    underlying_price: Decimal,
    *,
    days_left: int,
    var_elm: Decimal,
) -> Obligation | None:
    """The delivery `held` units of `contract` owe if held to expiry, when it is `days_left`
    trading days away (shown from E-4 to the expiry day); None outside those days or when
    nothing would be delivered. `var_elm` is the VaR + ELM share of the delivery value
    whose part is the delivery margin of a bought option."""
    if days_left < 0 or days_left > SHOWN_FROM or underlying_price <= 0:
        return None
    delivery = delivery_of(contract, held, underlying_price)
    if delivery is None:
        return None
    margin = None
    if contract.option and held > 0:
        margin = paise(delivery.value * var_elm * DELIVERY_MARGIN_SHARE[days_left])
    return Obligation(contract, delivery, days_left, margin)
