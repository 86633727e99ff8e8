"""What the agent sends for a signal: prices on NSE's tick grid, GTT and order shapes.

The cloud's signal carries its trigger and limit (the strategy's entry buffer applied); when
it leaves them out the agent derives them the same way from the close and the buffer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

#: NSE's equity tick by price (the rules in force since 2025): (up to and excluding, tick).
TICKS = (
    (Decimal("250"), Decimal("0.01")),
    (Decimal("1000.01"), Decimal("0.05")),
    (Decimal("5000.01"), Decimal("0.10")),
    (Decimal("10000.01"), Decimal("0.50")),
    (Decimal("20000.01"), Decimal("1.00")),
)
TOP_TICK = Decimal("5.00")
LIMIT_PAD = Decimal("0.005")  # a BUY GTT's limit sits this far above its trigger
STOP_LIMIT_PAD = Decimal("0.01")  # a SELL trigger's limit this far below it


def tick_of(value: Decimal) -> Decimal:
    """The tick at `value`: 0.01 under ₹250, 0.05 to ₹1,000, 0.10 to ₹5,000, then 0.50, 1, 5."""
    return next((tick for below, tick in TICKS if value < below), TOP_TICK)


def to_tick(value: Decimal, *, up: bool) -> Decimal:
    """`value` on the exchange's tick grid (the server's `round_to_tick`), rounded up or down."""
    tick = tick_of(value)
    steps = (value / tick).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR)
    return (steps * tick).quantize(Decimal("0.01"))


def dec(value: Any) -> Decimal | None:
    """A JSON number or string as a Decimal (None stays None)."""
    return None if value is None or value == "" else Decimal(str(value))


def split_key(symbol: str) -> tuple[str, str]:
    """``NSE:RELIANCE`` → (``NSE``, ``RELIANCE``); a bare symbol is NSE's."""
    exchange, sep, name = symbol.partition(":")
    return (exchange, name) if sep else ("NSE", symbol)


def entry_prices(signal: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    """A BUY's trigger (close plus the entry buffer) and its limit."""
    trigger = dec(signal.get("trigger_price"))
    if trigger is None:
        close = dec(signal["close_price"])
        assert close is not None
        buffer = dec(signal.get("entry_buffer_pct")) or Decimal(0)
        trigger = to_tick(close * (1 + buffer / 100), up=True)
    limit = dec(signal.get("limit_price")) or to_tick(trigger * (1 + LIMIT_PAD), up=True)
    return trigger, limit


def stop_trigger(signal: Mapping[str, Any], fill: Decimal, stop_loss_pct: float) -> Decimal:
    """Where the stop after an entry stands: the strategy's ATR stop from the real fill
    (``fill − atr_multiplier × atr``, the cloud's ``stop``), else `stop_loss_pct` below it."""
    stop = signal.get("stop")
    if isinstance(stop, Mapping) and stop.get("atr") is not None:
        level = fill - Decimal(str(stop["atr_multiplier"])) * Decimal(str(stop["atr"]))
    else:
        level = fill * (1 - Decimal(str(stop_loss_pct)) / 100)
    return to_tick(level, up=False)


def leg(side: str, quantity: int, price: Decimal, product: str = "CNC") -> dict[str, Any]:
    return {
        "transaction_type": side,
        "quantity": quantity,
        "order_type": "LIMIT",
        "product": product,
        "price": str(price),
    }


def gtt_dict(
    symbol: str, triggers: list[Decimal], last: Decimal, legs: list[dict[str, Any]]
) -> dict[str, Any]:
    exchange, name = split_key(symbol)
    return {
        "exchange": exchange,
        "tradingsymbol": name,
        "trigger_values": [str(t) for t in triggers],
        "last_price": str(last),
        "orders": legs,
    }


def placed_gtt(signal: Mapping[str, Any]) -> dict[str, Any]:
    """The GTT exactly as the cloud's ``placement`` says (an entry's single BUY trigger, an
    exit's two-leg SELL), for the broker's ``place_gtt``."""
    placement = signal["placement"]
    legs = [
        leg(
            str(o["transaction_type"]),
            int(o["quantity"]),
            Decimal(str(o["price"])),
            str(o.get("product") or "CNC"),
        )
        for o in placement["legs"]
    ]
    triggers = [Decimal(str(t)) for t in placement["trigger_values"]]
    last = dec(signal.get("close_price")) or triggers[0]
    return gtt_dict(str(signal["symbol"]), triggers, last, legs)


def entry_gtt(signal: Mapping[str, Any]) -> dict[str, Any]:
    return placed_gtt(signal)


def exit_gtt(signal: Mapping[str, Any]) -> dict[str, Any]:
    return placed_gtt(signal)


def stop_gtt(
    signal: Mapping[str, Any], fill: Decimal, quantity: int, stop_loss_pct: float
) -> dict[str, Any]:
    trigger = stop_trigger(signal, fill, stop_loss_pct)
    limit = to_tick(trigger * (1 - STOP_LIMIT_PAD), up=False)
    legs = signal.get("placement", {}).get("legs") or [{}]
    product = str(legs[0].get("product") or "CNC")
    return gtt_dict(signal["symbol"], [trigger], fill, [leg("SELL", quantity, limit, product)])


def order_dict(signal: Mapping[str, Any]) -> dict[str, Any]:
    """An immediate order: LIMIT at the signal's limit (the entry buffer's), MARKET when the
    signal's price rule says so."""
    exchange, name = split_key(signal["symbol"])
    side = str(signal["side"]).upper()
    first = (signal.get("placement", {}).get("legs") or [{}])[0]
    market = first.get("order_type") == "MARKET"
    if market:
        price = None
    elif side == "BUY":
        price = str(entry_prices(signal)[1])
    else:
        given = dec(first.get("price")) or dec(signal.get("limit_price"))
        given = given or dec(signal.get("close_price"))
        assert given is not None
        price = str(given)
    return {
        "exchange": exchange,
        "tradingsymbol": name,
        "transaction_type": side,
        "quantity": int(first.get("quantity") or signal["quantity"]),  # an exit: the position
        "product": str(first.get("product") or "CNC"),
        "order_type": "MARKET" if market else "LIMIT",
        "price": price,
    }


@dataclass(frozen=True, slots=True)
class Order:
    """An order in the adapters' terms (`tradertape_brokers.port.OrderLike`)."""

    exchange: str
    tradingsymbol: str
    transaction_type: str
    quantity: int
    product: str = "CNC"
    order_type: str = "LIMIT"
    variety: str = "regular"
    validity: str = "DAY"
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    disclosed_quantity: int | None = None
    validity_ttl: int | None = None
    market_protection: int | None = None
    iceberg_legs: int | None = None
    iceberg_quantity: int | None = None
    auction_number: str | None = None

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> Order:
        return cls(
            exchange=spec["exchange"],
            tradingsymbol=spec["tradingsymbol"],
            transaction_type=spec["transaction_type"],
            quantity=int(spec["quantity"]),
            product=spec.get("product", "CNC"),
            order_type=spec.get("order_type", "LIMIT"),
            price=dec(spec.get("price")),
        )
