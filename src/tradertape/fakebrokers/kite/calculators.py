"""The fake's margin and charges calculators (``/margins/orders``, ``/margins/basket``,
``/charges/orders``): JSON arrays in, Kite's shapes out, charges from our own schedule.

Margins are the cash an order needs (no leverage: CNC and MIS alike), which is what the
fake's book checks; charges are Zerodha's, from `tradertape.domain.charges`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tradertape.domain.charges import (
    ChargesBreakdown,
    Exchange,
    Fill,
    Side,
    charge_segment,
    compute_charges,
)
from tradertape.fakebrokers.kite.book import KiteBook
from tradertape.fakebrokers.kite.errors import input_error

Row = dict[str, Any]


def rows(body: str) -> list[Mapping[str, Any]]:
    """The JSON array the SDK posts; 400 for anything else."""
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise input_error("The body must be a JSON array of orders.") from exc
    if not isinstance(parsed, list) or not all(isinstance(r, dict) for r in parsed):
        raise input_error("The body must be a JSON array of orders.")
    return parsed


def kite_charges(breakdown: ChargesBreakdown) -> Row:
    """Our breakdown in Kite's ``charges`` shape (GST is IGST: one figure)."""
    gst = float(breakdown.gst)
    return {
        "transaction_tax": float(breakdown.stt),
        "transaction_tax_type": "stt",
        "exchange_turnover_charge": float(breakdown.exchange_turnover_charge),
        "sebi_turnover_charge": float(breakdown.sebi),
        "brokerage": float(breakdown.brokerage),
        "stamp_duty": float(breakdown.stamp),
        "gst": {"igst": gst, "cgst": 0, "sgst": 0, "total": gst},
        "total": float(breakdown.total),
    }


_CASH_EXCHANGE = {"NFO": "NSE", "BFO": "BSE"}  # a derivative's charges are its exchange's


def _charges(book: KiteBook, row: Mapping[str, Any], price: Decimal, day: date) -> Row:
    inst = book.instrument(f"{row.get('exchange')}:{row.get('tradingsymbol')}")
    quantity = int(row.get("quantity") or 0)
    if quantity <= 0 or price <= 0:
        raise input_error("Invalid `quantity` or `price`.")
    fill = Fill(
        order_id=str(row.get("order_id") or "fake"),
        segment=charge_segment(
            derivative_kind=None if inst.instrument_type == "EQ" else inst.instrument_type,
            intraday=row.get("product") == "MIS",
        ),
        side=Side(str(row.get("transaction_type"))),
        quantity=quantity,
        price=price,
        exchange=Exchange(_CASH_EXCHANGE.get(inst.exchange, inst.exchange)),
        instrument=inst.isin or inst.tradingsymbol,
    )
    return kite_charges(compute_charges([fill], day))


def order_margins(book: KiteBook, orders: list[Mapping[str, Any]], day: date) -> list[Row]:
    """``/margins/orders``: per order, the cash it needs and its charges."""
    answer = []
    for row in orders:
        inst = book.instrument(f"{row.get('exchange')}:{row.get('tradingsymbol')}")
        price = Decimal(str(row.get("price") or book.ltp(inst.instrument_token)))
        total = float(price * int(row.get("quantity") or 0))
        answer.append(
            {
                "type": "equity",
                "tradingsymbol": inst.tradingsymbol,
                "exchange": inst.exchange,
                "span": 0,
                "exposure": 0,
                "option_premium": 0,
                "additional": 0,
                "bo": 0,
                "cash": 0,
                "var": total,
                "pnl": {"realised": 0, "unrealised": 0},
                "leverage": 1,
                "charges": _charges(book, row, price, day),
                "total": total,
            }
        )
    return answer


def basket_margins(book: KiteBook, orders: list[Mapping[str, Any]], day: date) -> Row:
    """``/margins/basket``: the orders, their sum before and after netting, and charges."""
    each = order_margins(book, orders, day)
    total = sum(o["total"] for o in each)
    summary = {"type": "equity", "total": total, "var": total}
    charges = [o["charges"]["total"] for o in each]
    return {
        "initial": summary,
        "final": dict(summary),
        "orders": each,
        "charges": {"total": sum(charges)},
    }


def contract_note(book: KiteBook, orders: list[Mapping[str, Any]], day: date) -> list[Row]:
    """``/charges/orders``: each executed order with its charges."""
    return [
        dict(row, charges=_charges(book, row, Decimal(str(row.get("average_price") or 0)), day))
        for row in orders
    ]
