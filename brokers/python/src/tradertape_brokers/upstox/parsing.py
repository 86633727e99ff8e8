"""Upstox rows (SDK models as dicts) → Kite-shaped dicts, and Kite order fields → Upstox.

Upstox products: ``D`` delivery (Kite ``CNC`` in cash, ``NRML`` in F&O), ``I`` intraday
(``MIS``), ``MTF``. Statuses are lower case at Upstox and upper case at Kite.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tradertape_brokers.compat import UTC
from tradertape_brokers.port import DailyBar, KiteDict
from tradertape_brokers.upstox.keys import InstrumentKeys

_FO_SEGMENTS = ("NSE_FO", "BSE_FO", "MCX_FO", "NCD_FO", "BCD_FO")
_PRODUCT_TO_UPSTOX = {"CNC": "D", "NRML": "D", "MIS": "I", "MTF": "MTF", "CO": "CO"}
_STATUS_TO_KITE = {"after market order req received": "AMO REQ RECEIVED"}
_GTT_DONE = {"TRIGGERED", "COMPLETED", "OPEN"}


def upstox_product(kite_product: str) -> str:
    """Kite's product → Upstox's (``CNC``/``NRML`` → ``D``, ``MIS`` → ``I``)."""
    return _PRODUCT_TO_UPSTOX.get(kite_product.upper(), kite_product.upper())


def kite_product(upstox: str | None, instrument_key: str | None) -> str:
    """Upstox's product → Kite's, by segment for delivery."""
    segment = (instrument_key or "").partition("|")[0]
    if upstox == "D":
        return "NRML" if segment in _FO_SEGMENTS else "CNC"
    if upstox == "I":
        return "MIS"
    return upstox or ""


def _split(keys: InstrumentKeys, row: dict[str, Any]) -> tuple[str, str, str]:
    """(exchange, tradingsymbol, upstox key) of a row in Kite's terms."""
    ukey = row.get("instrument_token") or ""
    symbol = row.get("trading_symbol") or row.get("tradingsymbol")
    kite = keys.kite_of(ukey, row.get("exchange"), symbol)
    exchange, _, tradingsymbol = kite.partition(":")
    return exchange, tradingsymbol, ukey


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def order(keys: InstrumentKeys, row: dict[str, Any]) -> KiteDict:
    """An order-book or order-history row."""
    exchange, symbol, ukey = _split(keys, row)
    status = str(row.get("status") or "")
    quantity = _int(row.get("quantity"))
    filled = _int(row.get("filled_quantity"))
    pending = _int(row.get("pending_quantity"))
    kite_status = _STATUS_TO_KITE.get(status, status.upper())
    return {
        "order_id": row.get("order_id"),
        "exchange_order_id": row.get("exchange_order_id"),
        "parent_order_id": row.get("parent_order_id"),
        "status": kite_status,
        "status_message": row.get("status_message"),
        "status_message_raw": row.get("status_message_raw"),
        "order_timestamp": row.get("order_timestamp"),
        "exchange_timestamp": row.get("exchange_timestamp"),
        "variety": "amo" if row.get("is_amo") else "regular",
        "exchange": exchange,
        "tradingsymbol": symbol,
        "instrument_key": ukey,
        "order_type": row.get("order_type"),
        "transaction_type": row.get("transaction_type"),
        "validity": row.get("validity"),
        "product": kite_product(row.get("product"), ukey),
        "quantity": quantity,
        "disclosed_quantity": _int(row.get("disclosed_quantity")),
        "price": _num(row.get("price")),
        "trigger_price": _num(row.get("trigger_price")),
        "average_price": _num(row.get("average_price")),
        "filled_quantity": filled,
        "pending_quantity": pending,
        "cancelled_quantity": quantity - filled - pending if kite_status == "CANCELLED" else 0,
        "tag": row.get("tag"),
        "guid": row.get("guid"),
    }


def trade(keys: InstrumentKeys, row: dict[str, Any]) -> KiteDict:
    """A trade-book row."""
    exchange, symbol, ukey = _split(keys, row)
    return {
        "trade_id": row.get("trade_id"),
        "order_id": row.get("order_id"),
        "exchange_order_id": row.get("exchange_order_id"),
        "exchange": exchange,
        "tradingsymbol": symbol,
        "instrument_key": ukey,
        "product": kite_product(row.get("product"), ukey),
        "average_price": _num(row.get("average_price")),
        "quantity": _int(row.get("quantity")),
        "transaction_type": row.get("transaction_type"),
        "fill_timestamp": row.get("exchange_timestamp"),
        "order_timestamp": row.get("order_timestamp"),
        "exchange_timestamp": row.get("exchange_timestamp"),
    }


def position(keys: InstrumentKeys, row: dict[str, Any]) -> KiteDict:
    """A net position (overnight and today together)."""
    exchange, symbol, ukey = _split(keys, row)
    buy_qty = _int(row.get("overnight_buy_quantity")) + _int(row.get("day_buy_quantity"))
    sell_qty = _int(row.get("overnight_sell_quantity")) + _int(row.get("day_sell_quantity"))
    return {
        "tradingsymbol": symbol,
        "exchange": exchange,
        "instrument_key": ukey,
        "product": kite_product(row.get("product"), ukey),
        "quantity": _int(row.get("quantity")),
        "overnight_quantity": _int(row.get("overnight_quantity")),
        "multiplier": _num(row.get("multiplier")) or 1.0,
        "average_price": _num(row.get("average_price")),
        "close_price": _num(row.get("close_price")),
        "last_price": _num(row.get("last_price")),
        "value": _num(row.get("value")),
        "pnl": _num(row.get("pnl")),
        "m2m": _num(row.get("unrealised")),
        "unrealised": _num(row.get("unrealised")),
        "realised": _num(row.get("realised")),
        "buy_quantity": buy_qty,
        "buy_price": _num(row.get("buy_price")),
        "buy_value": _num(row.get("buy_value")),
        "sell_quantity": sell_qty,
        "sell_price": _num(row.get("sell_price")),
        "sell_value": _num(row.get("sell_value")),
        "day_buy_quantity": _int(row.get("day_buy_quantity")),
        "day_buy_price": _num(row.get("day_buy_price")),
        "day_buy_value": _num(row.get("day_buy_value")),
        "day_sell_quantity": _int(row.get("day_sell_quantity")),
        "day_sell_price": _num(row.get("day_sell_price")),
        "day_sell_value": _num(row.get("day_sell_value")),
    }


def day_position(net: KiteDict) -> KiteDict | None:
    """Today's part of a net position, as Kite's ``day`` list has it (None if no trades)."""
    bought, sold = net["day_buy_quantity"], net["day_sell_quantity"]
    if not bought and not sold:
        return None
    return {
        **net,
        "quantity": bought - sold,
        "overnight_quantity": 0,
        "buy_quantity": bought,
        "buy_price": net["day_buy_price"],
        "buy_value": net["day_buy_value"],
        "sell_quantity": sold,
        "sell_price": net["day_sell_price"],
        "sell_value": net["day_sell_value"],
    }


def holding(keys: InstrumentKeys, row: dict[str, Any]) -> KiteDict:
    """A long-term holding."""
    exchange, symbol, ukey = _split(keys, row)
    quantity = _int(row.get("quantity"))
    average = _num(row.get("average_price"))
    return {
        "tradingsymbol": symbol,
        "exchange": exchange,
        "instrument_key": ukey,
        "isin": row.get("isin"),
        "product": "CNC",
        "price": 0.0,
        "quantity": quantity,
        "used_quantity": _int(row.get("cnc_used_quantity")),
        "t1_quantity": _int(row.get("t1_quantity")),
        "realised_quantity": quantity,
        "opening_quantity": quantity,
        "collateral_quantity": _int(row.get("collateral_quantity")),
        "collateral_type": row.get("collateral_type") or "",
        "authorised_quantity": 0,
        "discrepancy": False,
        "average_price": average,
        "last_price": _num(row.get("last_price")),
        "close_price": _num(row.get("close_price")),
        "pnl": _num(row.get("pnl")),
        "day_change": _num(row.get("day_change")),
        "day_change_percentage": _num(row.get("day_change_percentage")),
    }


def segment_margins(row: dict[str, Any] | None) -> KiteDict:
    """One segment of ``get-funds-and-margin`` in Kite's margins shape."""
    row = row or {}
    available = _num(row.get("available_margin"))
    used = _num(row.get("used_margin"))
    return {
        "enabled": bool(row),
        "net": available,
        "available": {
            "adhoc_margin": _num(row.get("adhoc_margin")),
            "cash": available + used,
            "opening_balance": available + used,
            "live_balance": available,
            "collateral": 0.0,
            "intraday_payin": _num(row.get("payin_amount")),
        },
        "utilised": {
            "debits": used,
            "exposure": _num(row.get("exposure_margin")),
            "span": _num(row.get("span_margin")),
            "m2m_realised": 0.0,
            "m2m_unrealised": 0.0,
            "option_premium": 0.0,
            "payout": 0.0,
            "holding_sales": 0.0,
            "turnover": 0.0,
            "liquid_collateral": 0.0,
            "stock_collateral": 0.0,
            "delivery": 0.0,
        },
    }


def quote(keys: InstrumentKeys, row: dict[str, Any]) -> tuple[str, KiteDict]:
    """A full quote keyed by its Kite key."""
    exchange, symbol, ukey = _split(keys, {**row, "trading_symbol": _quote_symbol(row)})
    depth = row.get("depth") or {}
    ohlc = row.get("ohlc") or {}
    trade_ms = row.get("last_trade_time")
    last_trade = datetime.fromtimestamp(int(trade_ms) / 1000, UTC).isoformat() if trade_ms else None
    return f"{exchange}:{symbol}", {
        "instrument_key": ukey,
        "timestamp": row.get("timestamp"),
        "last_trade_time": last_trade,
        "last_price": _num(row.get("last_price")),
        "volume": _int(row.get("volume")),
        "average_price": _num(row.get("average_price")),
        "buy_quantity": _int(row.get("total_buy_quantity")),
        "sell_quantity": _int(row.get("total_sell_quantity")),
        "oi": _num(row.get("oi")),
        "oi_day_high": _num(row.get("oi_day_high")),
        "oi_day_low": _num(row.get("oi_day_low")),
        "net_change": _num(row.get("net_change")),
        "lower_circuit_limit": _num(row.get("lower_circuit_limit")),
        "upper_circuit_limit": _num(row.get("upper_circuit_limit")),
        "ohlc": {k: _num(ohlc.get(k)) for k in ("open", "high", "low", "close")},
        "depth": {
            side: [
                {
                    "price": _num(d.get("price")),
                    "quantity": _int(d.get("quantity")),
                    "orders": _int(d.get("orders")),
                }
                for d in depth.get(side) or []
            ]
            for side in ("buy", "sell")
        },
    }


def _quote_symbol(row: dict[str, Any]) -> str | None:
    # Quotes name the instrument as "NSE_EQ:RELIANCE" in `symbol`.
    symbol = row.get("symbol")
    return str(symbol).partition(":")[2] or None if symbol else None


def daily_bars(candles: list[list[Any]]) -> list[DailyBar]:
    """``[[iso time, o, h, l, c, volume, oi], …]`` newest first → bars oldest first."""
    bars = [
        DailyBar(
            day=date.fromisoformat(str(c[0])[:10]),
            open=float(c[1]),
            high=float(c[2]),
            low=float(c[3]),
            close=float(c[4]),
            volume=int(c[5]),
        )
        for c in candles
    ]
    return sorted(bars, key=lambda bar: bar.day)


def gtt(keys: InstrumentKeys, row: dict[str, Any], trigger_id: int) -> KiteDict:
    """An Upstox GTT (single ENTRY, or TARGET + STOPLOSS) as a Kite trigger."""
    exchange, symbol, ukey = _split(keys, row)
    rules = list(row.get("rules") or [])
    ordered = sorted(rules, key=lambda r: 0 if r.get("strategy") in ("ENTRY", "STOPLOSS") else 1)
    statuses = {str(r.get("status") or "").upper() for r in rules}
    if statuses & _GTT_DONE:
        state = "triggered"
    elif statuses and statuses <= {"CANCELLED"}:
        state = "cancelled"
    elif "EXPIRED" in statuses:
        state = "expired"
    elif "FAILED" in statuses:
        state = "rejected"
    else:
        state = "active"
    product = kite_product(row.get("product"), ukey)
    orders = [
        {
            "exchange": exchange,
            "tradingsymbol": symbol,
            "product": product,
            "order_type": "LIMIT",
            "transaction_type": r.get("transaction_type"),
            "quantity": _int(row.get("quantity")),
            "price": _num(r.get("trigger_price")),
            "result": {"order_result": {"order_id": r["order_id"], "status": "success"}}
            if r.get("order_id")
            else None,
        }
        for r in ordered
    ]
    return {
        "id": trigger_id,
        "gtt_order_id": row.get("gtt_order_id"),
        "type": "single" if str(row.get("type")).upper() == "SINGLE" else "two-leg",
        "status": state,
        "created_at": _micros(row.get("created_at")),
        "updated_at": _micros(row.get("created_at")),
        "expires_at": _micros(row.get("expires_at")),
        "condition": {
            "exchange": exchange,
            "tradingsymbol": symbol,
            "instrument_key": ukey,
            "trigger_values": [_num(r.get("trigger_price")) for r in ordered],
            "last_price": None,
        },
        "orders": orders,
        "meta": {"rules": rules},
    }


def _micros(value: Any) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1_000_000, UTC).isoformat()


def gtt_number(gtt_order_id: str) -> int:
    """Kite trigger ids are ints: the digits of ``GTT-C25…`` (unique per account)."""
    digits = "".join(ch for ch in gtt_order_id if ch.isdigit())
    if not digits:
        raise ValueError(f"GTT id without digits: {gtt_order_id}")
    return int(digits)
