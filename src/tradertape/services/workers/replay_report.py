"""A finished replay's report, in a backtest result's terms: its trades, its equity curve,
its charges and the same summary figures (`backtest.metrics.Summary`'s names).

Fills are paired first in, first out into round trips per instrument; each round trip
carries its share of both fills' charges. Money is summed as `Decimal` to the paisa; the
equity curve is marked at each bar's close of the instruments traded.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from tradertape.backtest.metrics import drawdown
from tradertape.domain.utc_times import utc_iso
from tradertape.services.workers.replay_tape import SYNTHETIC, Tape

PAISA = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of the replay's account."""

    key: str
    at: datetime
    side: int  # +1 buy, -1 sell
    quantity: int
    price: Decimal
    charges: Decimal


@dataclass(slots=True)
class _Lot:
    at: datetime
    side: int
    quantity: int
    price: Decimal
    charges: Decimal  # what is left of the entry's charges for this lot


def round_trips(fills: list[Fill]) -> tuple[list[dict[str, Any]], list[_Lot]]:
    """Closed round trips (FIFO per instrument) and the lots still open."""
    books: dict[str, deque[_Lot]] = defaultdict(deque)
    closed: list[dict[str, Any]] = []
    for fill in fills:
        lots, left = books[fill.key], fill.quantity
        charge_each = fill.charges / fill.quantity
        while left and lots and lots[0].side != fill.side:
            lot = lots[0]
            take = min(left, lot.quantity)
            entry_charge = lot.charges * take / lot.quantity
            charges = (entry_charge + charge_each * take).quantize(PAISA)
            gross = (fill.price - lot.price) * take * lot.side
            closed.append(
                {
                    "symbol": fill.key,
                    "side": "LONG" if lot.side > 0 else "SHORT",
                    "quantity": take,
                    "entry_at": utc_iso(lot.at),
                    "exit_at": utc_iso(fill.at),
                    "entry_price": lot.price,
                    "exit_price": fill.price,
                    "charges": charges,
                    "pnl": (gross - charges).quantize(PAISA),
                }
            )
            lot.charges -= entry_charge
            lot.quantity -= take
            left -= take
            if not lot.quantity:
                lots.popleft()
        if left:
            lots.append(_Lot(fill.at, fill.side, left, fill.price, charge_each * left))
    return closed, [lot for lots in books.values() for lot in lots]


def equity_curve(
    fills: list[Fill], tapes: dict[str, Tape], capital: Decimal, until: datetime
) -> list[tuple[datetime, Decimal]]:
    """The account's equity at each bar's close of the traded instruments, up to `until`."""
    marks: set[int] = set()
    for key in {f.key for f in fills}:
        tape = tapes.get(key)
        if tape is None:  # an instrument the replay has no candles of: marked by its fills
            continue
        ends = tape.starts + tape.bar_secs
        marks.update(int(t) for t in ends[ends <= int(until.timestamp())])
    curve: list[tuple[datetime, Decimal]] = []
    held: defaultdict[str, int] = defaultdict(int)
    cash, i = capital, 0
    ordered = sorted(fills, key=lambda f: f.at)
    for stamp in sorted(marks):
        at = datetime.fromtimestamp(stamp, until.tzinfo)
        while i < len(ordered) and ordered[i].at <= at:
            f = ordered[i]
            cash -= f.side * f.quantity * f.price + f.charges
            held[f.key] += f.side * f.quantity
            i += 1
        value = cash
        for key, quantity in held.items():
            tape = tapes.get(key)
            tick = tape.tick_at(at) if quantity and tape is not None else None
            if tick is not None:
                value += quantity * tick.last_price
        curve.append((at, value.quantize(PAISA)))
    return curve


def report(
    fills: list[Fill],
    tapes: dict[str, Tape],
    capital: Decimal,
    started: datetime,
    until: datetime,
    sources: list[str],
) -> dict[str, Any]:
    """The replay's result: ``summary`` (a backtest's figures), ``trades``, ``equity``."""
    closed, still_open = round_trips(fills)
    curve = equity_curve(fills, tapes, capital, until) or [(started, capital)]
    final = curve[-1][1]
    values = np.array([float(v) for _, v in curve])
    wins = [t["pnl"] for t in closed if t["pnl"] > 0]
    losses = [t["pnl"] for t in closed if t["pnl"] <= 0]
    pnls = [t["pnl"] for t in closed]
    gross_loss = -sum(losses, Decimal(0))
    charges = sum((f.charges for f in fills), Decimal(0))
    source = sources[0] if len(set(sources)) == 1 else ("mixed" if sources else None)
    summary = {
        "total_return": float((final / capital - 1) * 100) if capital else 0.0,
        "final_equity": final,
        "starting_capital": capital,
        "net_pnl": (final - capital).quantize(PAISA),
        "total_charges": charges.quantize(PAISA),
        "total_trades": len(closed),
        "open_trades": len(still_open),
        "fills": len(fills),
        "win_rate": len(wins) / len(closed) * 100 if closed else 0.0,
        "profit_factor": float(sum(wins, Decimal(0)) / gross_loss) if gross_loss else None,
        "max_drawdown": float(drawdown(values).min()) if values.size else 0.0,
        "avg_win": (sum(wins, Decimal(0)) / len(wins)).quantize(PAISA) if wins else Decimal(0),
        "avg_loss": (sum(losses, Decimal(0)) / len(losses)).quantize(PAISA)
        if losses
        else Decimal(0),
        "expectancy": (sum(pnls, Decimal(0)) / len(pnls)).quantize(PAISA) if pnls else Decimal(0),
        "data_source": source,
        "synthetic": SYNTHETIC in sources,
    }
    return {
        "summary": summary,
        "trades": closed,
        "equity": [{"ts": utc_iso(at), "equity": value} for at, value in curve],
        "from": utc_iso(started),
        "until": utc_iso(until),
    }
