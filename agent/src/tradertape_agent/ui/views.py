"""What the local UI shows, read from the running agent: broker reads cached a few seconds
(the seed's 5-10 s, so a page load does not spend Kite's 3 requests a second), the last
poll's signals beside the journal's decisions and placements, and a consolidated dashboard.

Money is computed in `Decimal` and sent as decimal strings; the page only formats it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from tradertape_agent.alerts import alert_line
from tradertape_agent.engine import Agent, broker_trouble
from tradertape_agent.journal import Journal, Placement
from tradertape_agent.outbox import Message, Outbox
from tradertape_brokers.port import BrokerError

#: How long a broker read is reused (seconds).
CACHE_SECS = 8.0
PAISA = Decimal("0.01")


def dec(value: Any) -> Decimal:
    """A broker's number as a Decimal (0 when absent or not a number)."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def money(value: Decimal) -> str:
    return str(value.quantize(PAISA))


def pct(part: Decimal, whole: Decimal) -> str | None:
    if whole == 0:
        return None
    return str((part * 100 / whole).quantize(PAISA))


@dataclass
class Cached:
    at: float
    value: Any


@dataclass
class BrokerReads:
    """Each broker's holdings, positions and margins, read at most once per `ttl` seconds."""

    agent: Agent
    ttl: float = CACHE_SECS
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[tuple[str, str], Cached] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, broker: str, what: str) -> Any:
        """`what` (holdings | positions | margins) of `broker`; BrokerError propagates."""
        key = (broker, what)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and self.monotonic() - hit.at < self.ttl:
                return hit.value
            adapter = self.agent.brokers[broker]
            value = getattr(adapter, what)()
            self._cache[key] = Cached(self.monotonic(), value)
            return value

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


def holding_row(broker: str, row: Mapping[str, Any]) -> dict[str, Any]:
    quantity = int(dec(row.get("quantity")) + dec(row.get("t1_quantity")))
    average = dec(row.get("average_price"))
    last = dec(row.get("last_price"))
    close = dec(row.get("close_price"))
    invested = average * quantity
    value = last * quantity
    day = (last - close) * quantity if close else dec(row.get("day_change")) * quantity
    return {
        "broker": broker,
        "symbol": f"{row.get('exchange', 'NSE')}:{row.get('tradingsymbol', '?')}",
        "quantity": quantity,
        "average_price": money(average),
        "last_price": money(last),
        "invested": money(invested),
        "value": money(value),
        "pnl": money(value - invested),
        "pnl_pct": pct(value - invested, invested),
        "day_change": money(day),
        "day_change_pct": pct(day, value - day),
    }


def position_row(broker: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "broker": broker,
        "symbol": f"{row.get('exchange', 'NSE')}:{row.get('tradingsymbol', '?')}",
        "product": str(row.get("product") or ""),
        "quantity": int(dec(row.get("quantity"))),
        "average_price": money(dec(row.get("average_price"))),
        "last_price": money(dec(row.get("last_price"))),
        "pnl": money(dec(row.get("pnl", row.get("m2m")))),
    }


def available_cash(margins: Mapping[str, Any]) -> Decimal:
    equity = margins.get("equity") or {}
    available = equity.get("available") or {}
    if "live_balance" in available:
        return dec(available.get("live_balance"))
    return dec(equity.get("net"))


class Views:
    """The UI's read side of one running agent."""

    def __init__(self, agent: Agent, reads: BrokerReads | None = None) -> None:
        self.agent = agent
        self.reads = reads or BrokerReads(agent)

    def journal(self) -> Journal:
        """A connection of the UI's own (the agent's belongs to its thread)."""
        return Journal(self.agent.journal.path)

    # -- brokers ----------------------------------------------------------------------------

    def _each(self, what: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
        found: dict[str, Any] = {}
        trouble: list[dict[str, str]] = []
        for name in sorted(self.agent.brokers):
            try:
                found[name] = self.reads.read(name, what)
            except BrokerError as exc:
                trouble.append({"broker": name, "message": broker_trouble(name, exc)})
        return found, trouble

    def holdings(self) -> dict[str, Any]:
        found, trouble = self._each("holdings")
        rows = [holding_row(b, r) for b, rs in found.items() for r in rs or []]
        rows.sort(key=lambda r: Decimal(r["value"]), reverse=True)
        return {"holdings": rows, "trouble": trouble}

    def positions(self) -> dict[str, Any]:
        found, trouble = self._each("positions")
        rows = [
            position_row(b, r)
            for b, book in found.items()
            for r in (book or {}).get("net", []) or []
            if int(dec(r.get("quantity"))) != 0 or dec(r.get("pnl", r.get("m2m"))) != 0
        ]
        return {"positions": rows, "trouble": trouble}

    def dashboard(self) -> dict[str, Any]:
        holdings = self.holdings()
        positions = self.positions()
        margins, margin_trouble = self._each("margins")
        per: dict[str, dict[str, Decimal]] = {}
        for row in holdings["holdings"]:
            sums = per.setdefault(row["broker"], {})
            for name in ("invested", "value", "pnl", "day_change"):
                sums[name] = sums.get(name, Decimal(0)) + Decimal(row[name])
        for row in positions["positions"]:
            sums = per.setdefault(row["broker"], {})
            sums["positions_pnl"] = sums.get("positions_pnl", Decimal(0)) + Decimal(row["pnl"])
        for name, margin in margins.items():
            per.setdefault(name, {})["cash"] = available_cash(margin or {})
        keys = ("invested", "value", "pnl", "day_change", "positions_pnl", "cash")
        brokers = []
        total = dict.fromkeys(keys, Decimal(0))
        for name in sorted(per):
            sums = per[name]
            for k in keys:
                total[k] += sums.get(k, Decimal(0))
            brokers.append(
                {
                    "broker": name,
                    "primary": name == self.agent.config.primary_broker,
                    **{k: money(sums.get(k, Decimal(0))) for k in keys},
                    "holdings": sum(1 for r in holdings["holdings"] if r["broker"] == name),
                }
            )
        trouble = {t["broker"]: t for t in holdings["trouble"] + margin_trouble}
        return {
            "total": {
                **{k: money(v) for k, v in total.items()},
                "pnl_pct": pct(total["pnl"], total["invested"]),
                "day_change_pct": pct(total["day_change"], total["value"] - total["day_change"]),
            },
            "brokers": brokers,
            "top": holdings["holdings"][:5],
            "trouble": list(trouble.values()),
            "status": self.status(),
        }

    # -- the agent --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        config = self.agent.config
        report = self.agent.last_report
        journal = self.journal()
        try:
            last_poll = journal.fact("last_poll")
            last_result = journal.fact("last_result")
            outbox = Outbox(journal.connection)
            undelivered = [outbox_row(m) for m in outbox.messages("waiting")]
            refused = [outbox_row(m) for m in reversed(outbox.messages("refused"))]
        finally:
            journal.close()
        waiting = sum(1 for s in self.signals()["signals"] if s["state"] in ("waiting", "awaiting"))
        return {
            "cloud_url": config.cloud_url,
            "primary_broker": config.primary_broker,
            "auto_execute": config.auto_execute,
            "poll_interval": config.poll_interval,
            "last_poll": last_poll,
            "last_result": last_result,
            "kill_switch": report.blocked if report else None,
            "errors": list(report.errors) if report else [],
            "drift": [
                {
                    "symbol": d.symbol,
                    "cloud": d.cloud,
                    "broker": d.broker,
                    "cause": d.cause,
                }
                for d in (report.drift if report else [])
            ],
            "reconciliation": self._reconciliation(),
            "waiting": waiting,
            "outbox": {"waiting": undelivered, "refused": refused},
            "alerts": [alert_row(f) for f in list(self.agent.alerts.recent)[:ALERTS_SHOWN]],
        }

    def _reconciliation(self) -> str:
        """``checked``: the last poll compared the primary broker's holdings with the cloud's;
        ``no-broker``: it has no session (or did not answer), so nothing was compared;
        ``pending``: it is connected and the next poll compares."""
        primary = self.agent.config.primary_broker
        report = self.agent.last_report
        if report is not None and report.reconciled:
            return "checked"
        if primary not in self.agent.brokers or (report and primary in report.unreachable):
            return "no-broker"
        return "pending"

    def signals(self) -> dict[str, Any]:
        """The last poll's pending signals, each with where it stands here, and the journal's
        latest placements."""
        journal = self.journal()
        try:
            rows = [self._signal(s, journal) for s in self.agent.pending]
            rows += [self._awaiting(s, journal) for s in self.agent.awaiting]
            recent = journal.where("1 = 1")[-20:]
        finally:
            journal.close()
        report = self.agent.last_report
        return {
            "signals": rows,
            "recent": [placement_row(p) for p in reversed(recent)],
            "auto_execute": self.agent.config.auto_execute,
            "kill_switch": report.blocked if report else None,
        }

    def _awaiting(self, signal: Mapping[str, Any], journal: Journal) -> dict[str, Any]:
        """A signal waiting for the user's approval in TraderTape (``pending_approval``)."""
        decision = journal.decision(int(signal["signal_id"]))
        row = self._signal({**signal, "refused": None}, journal)
        if decision == "approved":
            row |= {"state": "approved", "note": "Approved here: goes into the cart and to the "
                    "broker at the next polls"}  # fmt: skip
        elif decision is None:
            row |= {
                "state": "awaiting",
                "note": "Waits for your approval in TraderTape: Approve puts it in the cart "
                "(placed at the next poll), Reject rejects it there",
            }
        return row

    def _signal(self, signal: Mapping[str, Any], journal: Journal) -> dict[str, Any]:
        sid = int(signal["signal_id"])
        placed = journal.of_signal(sid)
        decision = journal.decision(sid)
        if signal.get("refused"):
            state, note = "refused", str(signal["refused"])
        elif placed:
            last = placed[-1]
            what = "GTT" if last.kind == "gtt" else "order"
            state = "placed"
            note = f"{last.leg.title()} {what} {last.broker_id or ''} at {last.broker.title()}"
            note = f"{' '.join(note.split())}: {last.status or last.state}"
        elif decision == "rejected":
            state, note = "rejected", "Rejected here: TraderTape rejects it at the next poll"
        elif decision == "approved":
            state, note = "approved", "Goes to the broker at the next poll"
        elif self.agent.config.auto_execute:
            state, note = "approved", "Auto-execute is on: goes to the broker at the next poll"
        else:
            state, note = "waiting", "Nothing goes to the broker until you approve it"
        return {
            "id": sid,
            "symbol": str(signal.get("symbol") or ""),
            "side": str(signal.get("side") or ""),
            "signal_type": str(signal.get("signal_type") or ""),
            "quantity": int(dec(signal.get("quantity"))),
            "close_price": _maybe_money(signal.get("close_price")),
            "trigger_price": _maybe_money(signal.get("trigger_price")),
            "limit_price": _maybe_money(signal.get("limit_price")),
            "stop_price": _maybe_money(_stop_price(signal)),
            "placement": _placement_kind(signal),
            "state": state,
            "note": note,
        }


def outbox_row(m: Message) -> dict[str, Any]:
    """A message the cloud has not taken: waiting to be sent again, or refused for good."""
    return {
        "what": m.line(),
        "kind": m.kind,
        "signal_id": m.signal_id,
        "attempts": m.attempts,
        "next_at": m.next_at if m.state == "waiting" else None,
        "answer": m.answer,
        "since": m.created_at,
    }


def _stop_price(signal: Mapping[str, Any]) -> Any:
    stop = signal.get("stop")
    return stop.get("price") if isinstance(stop, Mapping) else None


def _placement_kind(signal: Mapping[str, Any]) -> str:
    """``gtt`` or ``order``: the contract's `placement` object says which (docs/agent-api.md)."""
    placement = signal.get("placement")
    return str(placement.get("kind") or "gtt") if isinstance(placement, Mapping) else "gtt"


def _maybe_money(value: Any) -> str | None:
    return None if value in (None, "") else money(dec(value))


ALERTS_SHOWN = 5  # the dashboard's latest alert fires


def alert_row(fire: Mapping[str, Any]) -> dict[str, Any]:
    """One alert fire as the dashboard lists it (the agent logged its line when told)."""
    return {
        "id": fire["id"],
        "alert_id": fire.get("alert_id"),
        "symbol": fire["symbol"],
        "price": fire.get("price"),
        "fired_at": fire.get("fired_at"),
        "order_status": fire.get("order_status"),
        "line": alert_line(fire),
    }


def placement_row(p: Placement) -> dict[str, Any]:
    return {
        "key": p.key,
        "signal_id": p.signal_id,
        "leg": p.leg,
        "broker": p.broker,
        "kind": p.kind,
        "symbol": str(p.signal.get("symbol") or p.spec.get("tradingsymbol") or ""),
        "status": p.status or p.state,
        "broker_id": p.broker_id,
        "fill_price": p.fill_price,
        "reason": p.reason,
    }
