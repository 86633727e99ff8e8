"""Reconciliation: the cloud's open quantities per symbol against the broker's, every cycle.

Drift is flagged with its likely cause and never corrected: the user decides (adjust the
cloud's record, place a corrective order, import a tradebook, or ignore the symbol).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Drift:
    symbol: str
    cloud: int
    broker: int
    cause: str

    def line(self) -> str:
        return f"drift {self.symbol}: cloud={self.cloud} broker={self.broker} ({self.cause})"


def broker_quantities(
    holdings: Iterable[Mapping[str, Any]], positions: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Shares held per ``EXCH:SYMBOL``: settled plus T1 holdings (as the server's own book
    reads Kite), plus today's delivery (CNC) buys of a symbol the holdings do not list yet.

    A symbol the holdings list is taken from them alone: brokers (and the fake Kite) that
    show today's buys as T1 would otherwise count them twice; one that shows them only from
    tomorrow is a day's false drift for an add-on at worst, never a silent miss of a new
    symbol.
    """
    held: dict[str, int] = {}
    for row in holdings:
        key = f"{row.get('exchange', 'NSE')}:{row['tradingsymbol']}"
        qty = int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)
        held[key] = held.get(key, 0) + qty
    listed = set(held)
    for row in (positions or {}).get("net", []) or []:
        if row.get("product") != "CNC":
            continue
        key = f"{row.get('exchange', 'NSE')}:{row['tradingsymbol']}"
        if key in listed:
            continue
        qty = int(row.get("day_buy_quantity") or 0) - int(row.get("day_sell_quantity") or 0)
        if qty > 0 and int(row.get("overnight_quantity") or 0) == 0:
            held[key] = held.get(key, 0) + qty
    return held


def likely_cause(cloud: int, broker: int) -> str:
    if cloud == 0:
        return (
            "bought outside TraderTape or held from before: import your tradebook via Uploads, "
            "or ignore the symbol for reconciliation"
        )
    if broker == 0:
        return (
            "an order the cloud thought filled did not, or the shares were sold outside TraderTape"
        )
    if broker % cloud == 0 or cloud % broker == 0:
        return "a split or bonus not yet reflected in the cloud, or a manual order"
    if broker > cloud:
        return "a manual buy, or an order the cloud thought rejected filled"
    return "a manual sell, or an order the cloud thought filled failed"


def reconcile(
    expected: Mapping[str, int], held: Mapping[str, int], ignore: Iterable[str] = ()
) -> list[Drift]:
    """Every symbol whose quantities differ, less the ignored ones, by symbol."""
    skip = {s.upper() for s in ignore}
    drift = []
    for symbol in sorted(set(expected) | set(held)):
        if symbol.upper() in skip:
            continue
        cloud, broker = int(expected.get(symbol, 0)), int(held.get(symbol, 0))
        if cloud != broker:
            drift.append(Drift(symbol, cloud, broker, likely_cause(cloud, broker)))
    return drift
