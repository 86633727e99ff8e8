"""Groww's payloads in Kite's shapes (the port's boundary), and Kite's names in Groww's.

Groww reports times as ISO-8601 local (IST) strings; Kite's dicts carry
``YYYY-MM-DD HH:MM:SS`` IST strings, so times are re-written, not converted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tradertape_brokers.port import DailyBar, KiteDict

IST = ZoneInfo("Asia/Kolkata")

#: Kite exchange → (Groww exchange, Groww segment).
_VENUES = {
    "NSE": ("NSE", "CASH"),
    "BSE": ("BSE", "CASH"),
    "NFO": ("NSE", "FNO"),
    "BFO": ("BSE", "FNO"),
}
#: Groww's order status → Kite's.
_STATUS = {
    "NEW": "OPEN",
    "ACKED": "OPEN",
    "APPROVED": "OPEN",
    "TRIGGER_PENDING": "TRIGGER PENDING",
    "EXECUTED": "COMPLETE",
    "COMPLETED": "COMPLETE",
    "DELIVERY_AWAITED": "COMPLETE",
    "REJECTED": "REJECTED",
    "FAILED": "REJECTED",
    "CANCELLED": "CANCELLED",
    "CANCELLATION_REQUESTED": "CANCEL PENDING",
    "MODIFICATION_REQUESTED": "MODIFY PENDING",
}


def venue(kite_exchange: str) -> tuple[str, str]:
    """Groww's (exchange, segment) for a Kite exchange code."""
    try:
        return _VENUES[kite_exchange.upper()]
    except KeyError:
        raise ValueError(f"Groww does not trade on {kite_exchange!r}") from None


def kite_exchange(exchange: str, segment: str) -> str:
    """Kite's exchange code for Groww's (exchange, segment)."""
    for kite, pair in _VENUES.items():
        if pair == (exchange.upper(), segment.upper()):
            return kite
    return exchange.upper()


def split_key(key: str) -> tuple[str, str]:
    """``NSE:INFY`` → (``NSE``, ``INFY``)."""
    exchange, _, symbol = key.partition(":")
    if not symbol:
        raise ValueError(f"instrument key {key!r} is not EXCHANGE:SYMBOL")
    return exchange.upper(), symbol


def groww_order_type(kite_type: str) -> str:
    """``SL-M`` → ``SL_M``; the others are spelt alike."""
    return kite_type.upper().replace("-", "_")


def kite_order_type(groww_type: str) -> str:
    """``SL_M`` → ``SL-M``."""
    return str(groww_type).upper().replace("_", "-")


def num(value: Any) -> float:
    """A JSON number or numeric string as a float (0 for null)."""
    if value is None or value == "":
        return 0.0
    return float(Decimal(str(value)))


def qty(value: Any) -> int:
    """A quantity (0 for null)."""
    return int(value or 0)


def kite_time(value: Any) -> str | None:
    """Groww's ISO time (or epoch milliseconds) as Kite's ``YYYY-MM-DD HH:MM:SS`` IST."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value / 1000, IST)
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(IST)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def order(raw: Mapping[str, Any]) -> KiteDict:
    """One Groww order as Kite's order dict (``tag`` is our reference id)."""
    quantity = qty(raw.get("quantity"))
    filled = qty(raw.get("filled_quantity"))
    status = _STATUS.get(str(raw.get("order_status", "")).upper(), "OPEN")
    pending = max(quantity - filled, 0) if status in ("OPEN", "TRIGGER PENDING") else 0
    cancelled = max(quantity - filled, 0) if status == "CANCELLED" else 0
    placed = kite_time(raw.get("created_at"))
    return {
        "order_id": str(raw.get("groww_order_id")),
        "exchange_order_id": raw.get("exchange_order_id"),
        "parent_order_id": None,
        "status": status,
        "status_message": raw.get("remark") or None,
        "order_timestamp": placed,
        "exchange_timestamp": kite_time(raw.get("exchange_time")) or placed,
        "variety": "amo" if raw.get("amo_status") not in (None, "", "NA") else "regular",
        "exchange": kite_exchange(str(raw.get("exchange", "NSE")), str(raw.get("segment", ""))),
        "tradingsymbol": raw.get("trading_symbol"),
        "instrument_token": 0,
        "order_type": kite_order_type(str(raw.get("order_type", ""))),
        "transaction_type": raw.get("transaction_type"),
        "validity": raw.get("validity") or "DAY",
        "product": raw.get("product"),
        "quantity": quantity,
        "disclosed_quantity": 0,
        "price": num(raw.get("price")),
        "trigger_price": num(raw.get("trigger_price")),
        "average_price": num(raw.get("average_fill_price")),
        "filled_quantity": filled,
        "pending_quantity": pending,
        "cancelled_quantity": cancelled,
        "tag": raw.get("order_reference_id"),
        "guid": raw.get("order_reference_id"),
    }


def trade(raw: Mapping[str, Any], parent: Mapping[str, Any]) -> KiteDict:
    """One Groww fill as Kite's trade dict; `parent` is the order it belongs to."""
    when = kite_time(raw.get("trade_date_time") or raw.get("created_at"))
    return {
        "trade_id": str(raw.get("groww_trade_id") or raw.get("exchange_trade_id")),
        "order_id": str(raw.get("groww_order_id") or parent.get("groww_order_id")),
        "exchange_order_id": raw.get("exchange_order_id"),
        "tradingsymbol": raw.get("trading_symbol") or parent.get("trading_symbol"),
        "exchange": kite_exchange(
            str(raw.get("exchange") or parent.get("exchange", "NSE")),
            str(raw.get("segment") or parent.get("segment", "")),
        ),
        "instrument_token": 0,
        "product": raw.get("product") or parent.get("product"),
        "average_price": num(raw.get("price")),
        "quantity": qty(raw.get("quantity")),
        "fill_timestamp": when,
        "order_timestamp": kite_time(parent.get("created_at")),
        "exchange_timestamp": when,
        "transaction_type": raw.get("transaction_type") or parent.get("transaction_type"),
    }


def _side(quantity: int, price: float) -> tuple[int, float, float]:
    return quantity, price, round(quantity * price, 2)


def positions(raw: Iterable[Mapping[str, Any]], ltp: Mapping[str, float]) -> dict[str, Any]:
    """Groww positions as Kite's ``{net, day}``; `ltp` maps ``NSE:SYM`` to last prices.

    Groww's ``credit``/``debit`` quantities are today's buys and sells; the
    ``carry_forward`` ones are what was held overnight.
    """
    net: list[KiteDict] = []
    day: list[KiteDict] = []
    for p in raw:
        exchange = kite_exchange(str(p.get("exchange", "NSE")), str(p.get("segment", "")))
        symbol = str(p.get("trading_symbol"))
        last = ltp.get(f"{exchange}:{symbol}", 0.0)
        buy_q, buy_p, buy_v = _side(qty(p.get("credit_quantity")), num(p.get("credit_price")))
        sell_q, sell_p, sell_v = _side(qty(p.get("debit_quantity")), num(p.get("debit_price")))
        cf_buy = qty(p.get("carry_forward_credit_quantity"))
        cf_sell = qty(p.get("carry_forward_debit_quantity"))
        cf_net = cf_buy - cf_sell
        cf_price = num(p.get("net_carry_forward_price"))
        base = {
            "tradingsymbol": symbol,
            "exchange": exchange,
            "instrument_token": 0,
            "product": p.get("product"),
            "multiplier": 1,
            "close_price": 0.0,
            "last_price": last,
        }
        day_qty = buy_q - sell_q
        day_pnl = round(sell_v - buy_v + day_qty * last, 2)
        day.append(
            {
                **base,
                "quantity": day_qty,
                "overnight_quantity": 0,
                "average_price": buy_p if day_qty > 0 else sell_p if day_qty < 0 else 0.0,
                "buy_quantity": buy_q,
                "buy_price": buy_p,
                "buy_value": buy_v,
                "sell_quantity": sell_q,
                "sell_price": sell_p,
                "sell_value": sell_v,
                "value": round(sell_v - buy_v, 2),
                "pnl": day_pnl,
                "m2m": day_pnl,
                "unrealised": day_pnl,
                "realised": 0.0,
            }
        )
        net_qty = qty(p.get("quantity")) if p.get("quantity") is not None else cf_net + day_qty
        all_buy_v = buy_v + (cf_net * cf_price if cf_net > 0 else 0.0)
        all_sell_v = sell_v + (-cf_net * cf_price if cf_net < 0 else 0.0)
        pnl = round(all_sell_v - all_buy_v + net_qty * last, 2)
        net.append(
            {
                **base,
                "quantity": net_qty,
                "overnight_quantity": cf_net,
                "average_price": num(p.get("net_price")),
                "buy_quantity": buy_q + max(cf_net, 0),
                "buy_price": buy_p,
                "buy_value": round(all_buy_v, 2),
                "sell_quantity": sell_q + max(-cf_net, 0),
                "sell_price": sell_p,
                "sell_value": round(all_sell_v, 2),
                "day_buy_quantity": buy_q,
                "day_buy_price": buy_p,
                "day_buy_value": buy_v,
                "day_sell_quantity": sell_q,
                "day_sell_price": sell_p,
                "day_sell_value": sell_v,
                "value": round(all_sell_v - all_buy_v, 2),
                "pnl": pnl,
                "m2m": day_pnl,
                "unrealised": pnl,
                "realised": 0.0,
            }
        )
    return {"net": net, "day": day}


def holdings(raw: Iterable[Mapping[str, Any]], ltp: Mapping[str, float]) -> list[KiteDict]:
    """Groww holdings as Kite's (Groww's list carries no exchange: NSE is assumed)."""
    out = []
    for h in raw:
        symbol = str(h.get("trading_symbol"))
        quantity = qty(h.get("quantity"))
        t1 = qty(h.get("t1_quantity"))
        average = num(h.get("average_price"))
        last = ltp.get(f"NSE:{symbol}", 0.0)
        out.append(
            {
                "tradingsymbol": symbol,
                "exchange": "NSE",
                "instrument_token": 0,
                "isin": h.get("isin"),
                "product": "CNC",
                "price": 0.0,
                "quantity": quantity - t1,
                "used_quantity": 0,
                "t1_quantity": t1,
                "realised_quantity": quantity - t1,
                "authorised_quantity": 0,
                "opening_quantity": quantity,
                "collateral_quantity": qty(h.get("pledge_quantity")),
                "collateral_type": None,
                "average_price": average,
                "last_price": last,
                "close_price": 0.0,
                "pnl": round((last - average) * quantity, 2) if last else 0.0,
                "day_change": 0.0,
                "day_change_percentage": 0.0,
            }
        )
    return out


def margins(raw: Mapping[str, Any]) -> KiteDict:
    """Groww's margin details as Kite's ``{equity, commodity}``."""
    equity = raw.get("equity_margin_details") or {}
    fno = raw.get("fno_margin_details") or {}
    cash = num(raw.get("clear_cash"))
    used = num(raw.get("net_margin_used"))
    utilised = {
        "debits": used,
        "exposure": num(fno.get("exposure_margin_used")),
        "m2m_realised": 0.0,
        "m2m_unrealised": 0.0,
        "option_premium": 0.0,
        "payout": 0.0,
        "span": num(fno.get("span_margin_used")),
        "holding_sales": 0.0,
        "turnover": 0.0,
        "liquid_collateral": 0.0,
        "stock_collateral": num(raw.get("collateral_used")),
        "delivery": num(equity.get("cnc_margin_used")),
    }
    segment = {
        "enabled": True,
        "net": num(equity.get("cnc_balance_available", cash - used)),
        "available": {
            "adhoc_margin": num(raw.get("adhoc_margin")),
            "cash": cash,
            "opening_balance": cash,
            "live_balance": round(cash - used, 2),
            "collateral": num(raw.get("collateral_available")),
            "intraday_payin": 0.0,
        },
        "utilised": utilised,
    }
    commodity = {**segment, "enabled": False, "net": 0.0}
    return {"equity": segment, "commodity": commodity}


def quote(raw: Mapping[str, Any]) -> KiteDict:
    """Groww's quote as Kite's full quote."""
    ohlc = raw.get("ohlc") or {}
    depth = raw.get("depth") or {}

    def levels(side: str) -> list[dict[str, Any]]:
        return [
            {"price": num(x.get("price")), "quantity": qty(x.get("quantity")), "orders": 0}
            for x in depth.get(side) or []
        ]

    last = num(raw.get("last_price"))
    close = num(ohlc.get("close"))
    traded = kite_time(raw.get("last_trade_time"))
    return {
        "instrument_token": 0,
        "timestamp": traded,
        "last_trade_time": traded,
        "last_price": last,
        "last_quantity": qty(raw.get("last_trade_quantity")),
        "buy_quantity": qty(raw.get("total_buy_quantity")),
        "sell_quantity": qty(raw.get("total_sell_quantity")),
        "volume": qty(raw.get("volume")),
        "average_price": num(raw.get("average_price")),
        "oi": qty(raw.get("open_interest")),
        "oi_day_high": 0,
        "oi_day_low": 0,
        "net_change": num(raw.get("day_change")) if raw.get("day_change") else last - close,
        "lower_circuit_limit": num(raw.get("lower_circuit_limit")),
        "upper_circuit_limit": num(raw.get("upper_circuit_limit")),
        "ohlc": {k: num(ohlc.get(k)) for k in ("open", "high", "low", "close")},
        "depth": {"buy": levels("buy"), "sell": levels("sell")},
    }


def daily_bars(candles: Iterable[list[Any]]) -> list[DailyBar]:
    """``[epoch_seconds, o, h, l, c, volume(, oi)]`` rows as bars dated in IST."""
    bars = []
    for row in candles:
        stamp = row[0]
        if isinstance(stamp, int | float):
            day = datetime.fromtimestamp(stamp, IST).date()
        else:
            day = date.fromisoformat(str(stamp)[:10])
        bars.append(DailyBar(day, num(row[1]), num(row[2]), num(row[3]), num(row[4]), qty(row[5])))
    return bars
