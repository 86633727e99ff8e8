"""Kite GTTs as Groww smart orders: a single trigger is a GTT, a two-leg one an OCO.

Kite numbers its triggers; Groww names them (``gtt_…``/``oco_…``) and needs the segment
to address one. `trigger_id` packs ``SEGMENT:smart_order_id`` into an integer (its UTF-8
bytes, big-endian) so the port's integer ids round-trip without a lookup table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradertape_brokers.groww.parsing import (
    groww_order_type,
    kite_exchange,
    kite_order_type,
    kite_time,
    num,
    qty,
    venue,
)
from tradertape_brokers.gtt_match import amount, same_instrument
from tradertape_brokers.port import GttSpec, KiteDict

_KITE_STATUS = {
    "ACTIVE": "active",
    "TRIGGERED": "triggered",
    "COMPLETED": "triggered",
    "CANCELLED": "deleted",
    "EXPIRED": "expired",
    "FAILED": "rejected",
}


def trigger_id(segment: str, smart_order_id: str) -> int:
    """The port's integer id for a Groww smart order."""
    return int.from_bytes(f"{segment}:{smart_order_id}".encode(), "big")


def parse_trigger_id(value: int) -> tuple[str, str, str]:
    """(segment, smart order type, smart order id) from `trigger_id`'s integer."""
    try:
        text = value.to_bytes((value.bit_length() + 7) // 8, "big").decode()
    except (UnicodeDecodeError, OverflowError):
        raise ValueError(f"{value} is not a Groww trigger id") from None
    segment, _, smart_id = text.partition(":")
    kind = smart_id.split("_", 1)[0].upper()
    if not smart_id or kind not in ("GTT", "OCO"):
        raise ValueError(f"{value} is not a Groww trigger id")
    return segment, kind, smart_id


def _price(value: Any) -> str:
    return str(Decimal(str(value)))


def _leg(trigger: Any, order: Mapping[str, Any]) -> dict[str, Any]:
    leg: dict[str, Any] = {
        "trigger_price": _price(trigger),
        "order_type": groww_order_type(str(order.get("order_type", "LIMIT"))),
    }
    if order.get("price") is not None:
        leg["price"] = _price(order["price"])
    return leg


def smart_order_args(spec: GttSpec) -> dict[str, Any]:
    """Keyword arguments for ``create_smart_order`` (less ``reference_id``)."""
    exchange, segment = venue(spec.exchange)
    first = spec.orders[0]
    common: dict[str, Any] = {
        "segment": segment,
        "trading_symbol": spec.tradingsymbol,
        "quantity": int(first["quantity"]),
        "product_type": str(first.get("product", "CNC")),
        "exchange": exchange,
        "duration": "GTC",
    }
    side = str(first["transaction_type"]).upper()
    if spec.kind == "single":
        trigger = Decimal(str(spec.trigger_values[0]))
        order: dict[str, Any] = {
            "order_type": groww_order_type(str(first.get("order_type", "LIMIT"))),
            "transaction_type": side,
        }
        if first.get("price") is not None:
            order["price"] = _price(first["price"])
        up = trigger >= Decimal(str(spec.last_price))
        return {
            **common,
            "smart_order_type": "GTT",
            "trigger_price": _price(trigger),
            "trigger_direction": "UP" if up else "DOWN",
            "order": order,
        }
    low, high = sorted(
        zip(spec.trigger_values, spec.orders, strict=True), key=lambda p: Decimal(str(p[0]))
    )
    # Exiting a long (SELL legs): the lower trigger is the stop; exiting a short, the target.
    stop, target = (low, high) if side == "SELL" else (high, low)
    quantity = int(first["quantity"])
    return {
        **common,
        "smart_order_type": "OCO",
        "transaction_type": side,
        "net_position_quantity": quantity if side == "SELL" else -quantity,
        "stop_loss": _leg(*stop),
        "target": _leg(*target),
    }


def kite_gtt(raw: Mapping[str, Any]) -> KiteDict:
    """A Groww smart order as Kite's GTT dict."""
    kind = str(raw.get("smart_order_type", "GTT")).upper()
    segment = str(raw.get("segment", "CASH"))
    exchange = kite_exchange(str(raw.get("exchange", "NSE")), segment)
    symbol = raw.get("trading_symbol")
    quantity = qty(raw.get("quantity"))
    product = raw.get("product_type")

    def kite_order(side: Any, leg: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "exchange": exchange,
            "tradingsymbol": symbol,
            "product": product,
            "order_type": kite_order_type(str(leg.get("order_type", "LIMIT"))),
            "transaction_type": side,
            "quantity": quantity,
            "price": num(leg.get("price")),
            "result": None,
        }

    if kind == "OCO":
        side = raw.get("transaction_type")
        legs = [raw.get("stop_loss") or {}, raw.get("target") or {}]
        legs.sort(key=lambda leg: num(leg.get("trigger_price")))
        triggers = [num(leg.get("trigger_price")) for leg in legs]
        orders = [kite_order(side, leg) for leg in legs]
        kite_type = "two-leg"
    else:
        order = raw.get("order") or {}
        triggers = [num(raw.get("trigger_price"))]
        orders = [kite_order(order.get("transaction_type"), order)]
        kite_type = "single"
    smart_id = str(raw.get("smart_order_id"))
    return {
        "id": trigger_id(segment, smart_id),
        "user_id": None,
        "parent_trigger": None,
        "type": kite_type,
        "created_at": kite_time(raw.get("created_at")),
        "updated_at": kite_time(raw.get("updated_at") or raw.get("created_at")),
        "expires_at": kite_time(raw.get("expire_at")),
        "status": _KITE_STATUS.get(str(raw.get("status", "")).upper(), "active"),
        "condition": {
            "exchange": exchange,
            "tradingsymbol": symbol,
            "trigger_values": triggers,
            "last_price": num(raw.get("last_price")),
            "instrument_token": 0,
        },
        "orders": orders,
        "meta": {"groww_smart_order_id": smart_id, "groww_segment": segment},
    }


def created(row: Mapping[str, Any]) -> str:
    """A Kite-shaped smart order's creation time, to list the newest first (Groww's ids are
    names, and `trigger_id` packs them, so they say nothing of age)."""
    return str(row.get("created_at") or "")


def same_gtt(spec: GttSpec, row: Mapping[str, Any]) -> bool:
    """Whether a smart order as `kite_gtt` reads it says what `spec` says: instrument, kind
    and, leg by leg in trigger order (Groww lists an OCO's legs so), trigger, side,
    quantity and limit price."""
    legs = row.get("orders") or []
    triggers = (row.get("condition") or {}).get("trigger_values") or []
    if not same_instrument(spec, row) or row.get("type") != spec.kind:
        return False
    if len(legs) != len(spec.orders) or len(triggers) != len(legs):
        return False
    return _legs(triggers, legs) == _legs(spec.trigger_values, spec.orders)


_Leg = tuple[Decimal | None, str, int, Decimal | None]


def _legs(triggers: Sequence[Any], orders: Sequence[Mapping[str, Any]]) -> list[_Leg]:
    """(trigger, side, quantity, price) of each leg, lowest trigger first."""
    legs = [
        (
            amount(trigger),
            str(order.get("transaction_type")).upper(),
            int(order.get("quantity") or 0),
            amount(order.get("price") or 0),
        )
        for trigger, order in zip(triggers, orders, strict=True)
    ]
    return sorted(legs, key=lambda leg: leg[0] or 0)
