"""An option run's positions and the metrics its protection rules read.

Positions come from the run's own option orders (roles ``opt_entry``/``opt_exit``), so
orders the worker placed on the same run by hand do not move them. Money is `Decimal`
until it becomes a metric (a float compared with a rule's threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import Order, WorkerOptionRun, WorkerRun, WorkerRunOrder
from tradertape.domain.option_protection import Rule, first_firing
from tradertape.services.options.market import OptionMarket

ENTRY, EXIT = "opt_entry", "opt_exit"


@dataclass(frozen=True, slots=True)
class Position:
    """One contract's net position from the option run's fills."""

    net: int
    bought: Decimal  # value of every buy fill
    sold: Decimal
    bought_qty: int
    sold_qty: int
    entry_average: Decimal | None  # average price of the entry fills
    ltp: float | None

    @property
    def average(self) -> float | None:
        """The average price of the open side (None when flat)."""
        if self.net > 0 and self.bought_qty:
            return float(self.bought / self.bought_qty)
        if self.net < 0 and self.sold_qty:
            return float(self.sold / self.sold_qty)
        return None

    def mtm(self) -> Decimal:
        """Realized plus open P&L at the mark (gross of charges)."""
        mark = Decimal(str(self.ltp)) if self.ltp is not None else Decimal(0)
        return self.sold - self.bought + self.net * mark


def option_orders(db: Session, run: WorkerRun) -> list[tuple[Order, str]]:
    """The option run's orders with their roles, oldest first."""
    rows = db.execute(
        select(Order, WorkerRunOrder.role)
        .join(WorkerRunOrder, WorkerRunOrder.order_pk == Order.id)
        .where(WorkerRunOrder.run_pk == run.id, WorkerRunOrder.role.in_((ENTRY, EXIT)))
        .order_by(Order.id)
    )
    return [(row[0], row[1]) for row in rows]


def positions(db: Session, run: WorkerRun, market: OptionMarket) -> dict[str, Position]:
    """Net position, fill values and mark per contract."""
    acc: dict[str, dict[str, Any]] = {}
    for order, role in option_orders(db, run):
        filled = order.filled_quantity or 0
        if not filled:
            continue
        value = Decimal(order.average_price or 0) * filled
        a = acc.setdefault(
            order.tradingsymbol,
            {
                "net": 0,
                "bq": 0,
                "sq": 0,
                "b": Decimal(0),
                "s": Decimal(0),
                "eq": 0,
                "ev": Decimal(0),
            },
        )
        if order.transaction_type == "BUY":
            a["net"] += filled
            a["bq"] += filled
            a["b"] += value
        else:
            a["net"] -= filled
            a["sq"] += filled
            a["s"] += value
        if role == ENTRY:
            a["eq"] += filled
            a["ev"] += value
    out = {}
    for symbol, a in acc.items():
        tick = market.last_tick(f"NFO:{symbol}")
        out[symbol] = Position(
            net=a["net"],
            bought=a["b"],
            sold=a["s"],
            bought_qty=a["bq"],
            sold_qty=a["sq"],
            entry_average=a["ev"] / a["eq"] if a["eq"] else None,
            ltp=float(tick.last_price) if tick is not None else None,
        )
    return out


def net_greeks(
    db: Session, held: dict[str, Position], market: OptionMarket
) -> tuple[float | None, float | None]:
    """Delta and vega of the open legs, each leg's greek times its signed quantity.

    Delta is in units of the index (a net delta of 75 gains as much as 75 units of NIFTY
    held), vega in rupees per volatility point. Both are None when an open leg has no quote
    (its index has no price yet): a rule must not fire on a figure that leaves a leg out.
    """
    catalog = market.catalog(db)
    delta = vega = 0.0
    for symbol, position in held.items():
        if not position.net:
            continue
        instrument = catalog.find(f"NFO:{symbol}")
        quote = market.quote(instrument) if instrument is not None else None
        if quote is None:
            return None, None
        delta += position.net * quote.greeks.delta
        vega += position.net * quote.greeks.vega
    return round(delta, 4), round(vega, 4)


def metrics(
    db: Session, held: dict[str, Position], option: WorkerOptionRun, market: OptionMarket
) -> dict[str, float | None]:
    """The reference's metrics plus ``strategy_mtm_pct`` (see domain.option_protection),
    from the run's `positions`."""
    delta, vega = net_greeks(db, held, market) if held else (None, None)
    spot = market.spot(option.underlying or "")
    marks = [held[s].ltp for s in held]
    entries = [p.entry_average for p in held.values() if p.entry_average is not None]
    premium = sum((Decimal(str(m)) for m in marks if m is not None), Decimal(0))
    entry_premium = sum(entries, Decimal(0))
    outlay = sum(
        (
            p.entry_average * (p.bought_qty if p.net >= 0 else p.sold_qty)
            for p in held.values()
            if p.entry_average is not None
        ),
        Decimal(0),
    )
    mtm = sum((p.mtm() for p in held.values()), Decimal(0))
    return {
        "index_ltp": float(spot.last_price) if spot is not None else None,
        "combined_premium": float(premium) if held else None,
        "combined_premium_change_pct": (
            round(float((premium / entry_premium - 1) * 100), 4) if entry_premium else None
        ),
        "strategy_mtm": float(mtm) if held else None,
        "strategy_mtm_pct": round(float(mtm / outlay * 100), 4) if outlay else None,
        "open_quantity": float(sum(abs(p.net) for p in held.values())),
        "net_delta": delta,
        "net_vega": vega,
    }


def _rules(option: WorkerOptionRun) -> tuple[list[Rule], list[str]]:
    rules = [
        Rule(r["key"], r["metric"], r["operator"], r["threshold"], r["action"], r.get("role"))
        for r in option.protection.get("rules", [])
    ]
    return rules, list(option.protection.get("precedence", []))


def evaluate(
    db: Session, run: WorkerRun, option: WorkerOptionRun, market: OptionMarket
) -> dict[str, Any]:
    """The protection verdict: metrics, the rule that fires (if any) and what it blocks."""
    held = positions(db, run, market)  # read once: this runs on every tick of the index
    values = metrics(db, held, option, market)
    rules, precedence = _rules(option)
    active = option.status not in ("exited",)
    fired = first_firing(rules, precedence, values) if active and rules else None
    open_legs = sum(1 for p in held.values() if p.net)
    return {
        "applicable": bool(rules),
        "evaluation_mode": "on_demand",
        "triggered": fired is not None,
        "blocking": fired is not None,
        "blocking_reason": "OPTIONS_PROTECTION_TRIGGERED" if fired else None,
        "matched_rule": fired.as_dict() if fired else None,
        "metrics": values,
        "recommended_exit_orders_count": open_legs if fired else 0,
    }
