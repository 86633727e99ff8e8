"""What the agent syncs, in the contract's words (``docs/agent-api.md``,
``POST /api/agent/sync-holdings`` and ``sync-positions``): the broker's Kite-shaped rows
cut to the fields the cloud takes, numbers as exact decimal strings, optionally scaled by
the obfuscation factor (quantities rounded to whole units, prices to 4 decimal places).
A quantity and a price are each scaled by the factor, so a figure that is a quantity times a
price (P&L: realised, unrealised, pnl) is scaled by its square, as the cloud would compute
it from the scaled rows; the funds (cash, not units times a price) by the factor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

FOUR = Decimal("0.0001")


def _number(value: Any, factor: Decimal | None, power: int = 1) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if factor is not None:
        number *= factor**power
    text = format(number.quantize(FOUR, ROUND_HALF_EVEN).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _price(value: Any, factor: Decimal | None) -> str:
    """A price the cloud requires (0 when the broker gave none)."""
    found = _number(value, factor)
    return found if found is not None and not found.startswith("-") else "0"


def _quantity(value: Any, factor: Decimal | None) -> int:
    number = Decimal(str(value or 0))
    if factor is not None:
        number *= factor
    return int(number.to_integral_value(ROUND_HALF_EVEN))


def holding_rows(rows: Iterable[Mapping[str, Any]], factor: Decimal | None) -> list[dict[str, Any]]:
    """Holdings (settled plus T1) as the cloud takes them."""
    out = []
    for row in rows:
        held = int(row.get("quantity") or 0) + int(row.get("t1_quantity") or 0)
        out.append(
            {
                "exchange": str(row.get("exchange") or "NSE"),
                "tradingsymbol": str(row["tradingsymbol"]),
                "isin": row.get("isin") or None,
                "quantity": max(0, _quantity(held, factor)),
                "average_price": _price(row.get("average_price"), factor),
                "last_price": _price(row.get("last_price"), factor),
                "close_price": _number(row.get("close_price"), factor),
                "pnl": _money(row.get("pnl"), factor),
            }
        )
    return out


def _money(value: Any, factor: Decimal | None) -> str | None:
    """A quantity × price figure (P&L): scaled by the factor's square."""
    return _number(value, factor, power=2)


def position_rows(positions: Mapping[str, Any], factor: Decimal | None) -> list[dict[str, Any]]:
    """The net positions (signed quantities) as the cloud takes them."""
    out = []
    for row in positions.get("net", []) or []:
        out.append(
            {
                "exchange": str(row.get("exchange") or "NSE"),
                "tradingsymbol": str(row["tradingsymbol"]),
                "product": str(row.get("product") or "CNC"),
                "quantity": _quantity(row.get("quantity"), factor),
                "average_price": _price(row.get("average_price"), factor),
                "last_price": _price(row.get("last_price"), factor),
                "close_price": _number(row.get("close_price"), factor),
                "realised": _money(row.get("realised"), factor),
                "unrealised": _money(row.get("unrealised"), factor),
                "pnl": _money(row.get("pnl"), factor),
            }
        )
    return out


def margins_of(margins: Mapping[str, Any], factor: Decimal | None) -> dict[str, Any] | None:
    """The equity segment's funds: cash available to trade, used, net."""
    equity = margins.get("equity")
    if not isinstance(equity, Mapping):
        return None
    available = equity.get("available") or {}
    utilised = equity.get("utilised") or {}
    cash = available.get("live_balance", available.get("cash"))
    return {
        "available_cash": _number(cash, factor),
        "used": _number(utilised.get("debits"), factor),
        "net": _number(equity.get("net"), factor),
    }
