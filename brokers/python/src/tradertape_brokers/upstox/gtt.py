"""Upstox GTTs: the port's `GttSpec` as Upstox's rules, and how a placed trigger is
recognised again (the GTT request has no tag).

A single trigger is one ``ENTRY`` rule (``ABOVE`` or ``BELOW`` the last price); Kite's
two-leg trigger ``[stop-loss, target]`` is a ``STOPLOSS`` and a ``TARGET`` rule, both
exiting the same position. Rules carry a trigger price only: the legs' limit prices are not
sent, so they are not compared either.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import upstox_client

from tradertape_brokers.gtt_match import amounts, same_instrument
from tradertape_brokers.port import GttSpec


def gtt_rules(spec: GttSpec) -> tuple[str, list[Any]]:
    """Upstox's GTT ``type`` (``SINGLE`` or ``MULTIPLE``) and its rules for `spec`."""
    if spec.kind == "single":
        trigger = Decimal(str(spec.trigger_values[0]))
        above = trigger >= Decimal(str(spec.last_price))
        rule = upstox_client.GttRule(
            strategy="ENTRY",
            trigger_type="ABOVE" if above else "BELOW",
            trigger_price=float(trigger),
        )
        return "SINGLE", [rule]
    stop, target = (float(v) for v in spec.trigger_values[:2])
    return "MULTIPLE", [
        upstox_client.GttRule(strategy="STOPLOSS", trigger_type="IMMEDIATE", trigger_price=stop),
        upstox_client.GttRule(strategy="TARGET", trigger_type="IMMEDIATE", trigger_price=target),
    ]


def same_gtt(spec: GttSpec, row: Mapping[str, Any]) -> bool:
    """Whether a trigger as `parsing.gtt` reads it says what `spec` says: instrument, kind,
    trigger values (stop-loss first) and each rule's side and the GTT's quantity."""
    legs = row.get("orders") or []
    if not same_instrument(spec, row) or row.get("type") != spec.kind or not legs:
        return False
    condition = row.get("condition") or {}
    if amounts(condition.get("trigger_values")) != amounts(spec.trigger_values):
        return False
    first = spec.orders[0]
    side, quantity = str(first["transaction_type"]), int(first["quantity"])
    return all(
        (str(leg.get("transaction_type")), int(leg.get("quantity") or 0)) == (side, quantity)
        for leg in legs
    )
