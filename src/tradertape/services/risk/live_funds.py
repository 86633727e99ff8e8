"""The live book's funds: what the user's brokers report, the base of "% of capital" rules.

The live book's capital mirrors the paper account's (cash plus the market value of open
positions): it is the sum, over every broker the user has a live session with, of the
equity segment's ``net`` in the broker's margins (Kite's shape, which every adapter
answers in), plus the live positions' value (`PaperExposure` adds that part). ``net`` is
what the broker would let the user spend now: cash and collateral less what is already
used (delivery buys, margin blocked by open orders). Cash already spent on a position
comes back as that position's value; margin blocked by a working order does not, so the
figure errs on the low side, which only makes a % limit stricter.

Capital is the sum over brokers, not the order's broker alone, because the live book is
one book across brokers: its exposure counts every broker's positions and working
orders, so the share it is compared with must be of every broker's funds.

A broker without a live session (never connected, logged out, expired) adds nothing:
its funds are unknown, and leaving them out again only lowers capital. A broker with a
session that does not answer (timeout, a rejected token, a malformed answer) makes the
capital unknown: a % rule then refuses ("capital unknown: upstox did not report funds
..."), since guessing could let an entry through that the real figure would refuse, and
so does a user with no live session at all. Rupee rules never read capital.

Each broker's margins come through `AccountViews` (the per-user cache of
``/api/portfolio/margins``, 30 s): a gate check reads the live book once, so it costs at
most one cached call per connected broker, never one per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from tradertape.domain.money import ZERO
from tradertape.errors import Conflict, ServiceUnavailable
from tradertape.ports.broker import BrokerError
from tradertape.services.brokers.account import AccountViews
from tradertape.services.brokers.credentials import BrokerCredentials


@dataclass(frozen=True, slots=True)
class Funds:
    """What the brokers report: the sum of their equity ``net``, or why it is unknown."""

    net: Decimal = ZERO
    unknown: str | None = None  # set: the capital cannot be known (a % rule refuses)
    brokers: tuple[str, ...] = ()  # the brokers whose funds make up `net`


LiveFunds = Callable[[Session, int], Funds]  # (db, user id) → the user's live funds
NO_SESSION = "no live broker session reported funds"


class BrokerFunds:
    """`LiveFunds` over the user's live sessions, read through the account views' cache."""

    def __init__(self, *, credentials: BrokerCredentials, views: AccountViews) -> None:
        self._credentials = credentials
        self._views = views

    def __call__(self, db: Session, user_id: int) -> Funds:
        total, read = ZERO, []
        for status in self._credentials.all_statuses(db, user_id=user_id):
            if not status.connected or not self._views.reads(status.broker):
                continue
            name = status.broker.value
            try:
                view = self._views.read_broker(
                    db, user_id=user_id, broker=status.broker, view="margins"
                )
            except (Conflict, ServiceUnavailable, BrokerError) as exc:
                return Funds(unknown=f"{name} did not report funds ({exc})")
            net = equity_net(view.data)
            if net is None:
                return Funds(unknown=f"{name} did not report funds (no equity net)")
            total += net
            read.append(name)
        if not read:
            return Funds(unknown=NO_SESSION)
        return Funds(net=total, brokers=tuple(read))


def equity_net(margins: object) -> Decimal | None:
    """The equity segment's ``net`` of Kite-shaped margins, or None when there is none."""
    if not isinstance(margins, Mapping):
        return None
    equity = margins.get("equity")
    if not isinstance(equity, Mapping):
        return None
    raw = equity.get("net")
    if raw is None or isinstance(raw, bool):
        return None
    try:
        net = Decimal(str(raw))
    except InvalidOperation:
        return None
    return net if net.is_finite() else None
