"""Kite GTTs: the port's `GttSpec` as ``kiteconnect``'s arguments, and how a placed trigger
is recognised again (Kite GTTs carry no tag)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradertape_brokers.gtt_match import amount, amounts, same_instrument
from tradertape_brokers.port import GttSpec


def gtt_args(spec: GttSpec) -> dict[str, Any]:
    """Keyword arguments of ``KiteConnect.place_gtt`` and ``modify_gtt`` (less the id)."""
    return {
        "trigger_type": spec.kind,
        "tradingsymbol": spec.tradingsymbol,
        "exchange": spec.exchange,
        "trigger_values": [float(v) for v in spec.trigger_values],
        "last_price": float(spec.last_price),
        "orders": [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in order.items()}
            for order in spec.orders
        ],
    }


def same_gtt(spec: GttSpec, row: Mapping[str, Any]) -> bool:
    """Whether Kite's trigger `row` says what `spec` says: instrument, trigger values and,
    leg by leg, side, quantity and limit price."""
    condition = row.get("condition") or {}
    legs = row.get("orders") or []
    if not same_instrument(spec, row) or len(legs) != len(spec.orders):
        return False
    if amounts(condition.get("trigger_values")) != amounts(spec.trigger_values):
        return False
    return all(
        (str(theirs.get("transaction_type")), int(theirs.get("quantity") or 0))
        == (str(ours["transaction_type"]), int(ours["quantity"]))
        and amount(theirs.get("price")) == amount(ours["price"])
        for theirs, ours in zip(legs, spec.orders, strict=True)
    )
