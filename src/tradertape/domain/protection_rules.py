"""Evaluating backend protection against a run's marked legs (reference §3.6), purely.

The engine hands over the legs as grouped P&L sees them, the heartbeat age and the
market time; this module says which rule fires, if any, and what the trailing rules
remember. No database, no clock: the same inputs always give the same verdict, which
is what lets the engine re-evaluate under the run's lock and get the answer it acted on.

Rule order (the first hit wins): each protected position (stop-loss, target, trailing
stop), the stale worker, the MIS square-off buffer, then the basket (stop-loss, target,
trailing drawdown). Percentages are of P&L: (last − average) / average × 100 for a long
leg, the reverse for a short one; the basket's is the basis-weighted mean of its legs'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tradertape.domain.worker_protection import BackendProtection, ProtectedPosition


@dataclass(frozen=True, slots=True)
class LegMark:
    """One open instrument and product of the run, with its mark (None: no price yet)."""

    instrument_token: int
    exchange: str
    tradingsymbol: str
    product: str
    quantity: int  # signed: long positive
    average: Decimal
    last_price: Decimal | None

    def aliases(self) -> tuple[str, ...]:
        """Every name a protected position may use for this leg."""
        return (
            f"token:{self.instrument_token}:{self.product}",
            f"symbol:{self.tradingsymbol}:{self.product}",
            f"symbol:{self.exchange}:{self.tradingsymbol}:{self.product}",
        )

    def pnl_pct(self) -> float | None:
        """P&L of the open quantity in percent of its cost, or None without a mark."""
        if self.last_price is None or self.quantity == 0 or self.average <= 0:
            return None
        change = (self.last_price - self.average) / self.average * 100
        return float(change if self.quantity > 0 else -change)

    @property
    def basis(self) -> Decimal:
        """What the open quantity cost."""
        return abs(self.quantity) * self.average


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything a verdict depends on besides the configuration and the memory."""

    legs: Sequence[LegMark]
    heartbeat_age_secs: float | None  # None: the worker never beat
    market_now: datetime  # aware, in IST
    trading_day: bool
    squareoff_at: Mapping[str, time]  # exchange → the broker's MIS square-off time


@dataclass(frozen=True, slots=True)
class Memory:
    """What trailing rules remember between evaluations: the best P&L seen."""

    best_position_pct: Mapping[str, float] = field(default_factory=dict)
    best_basket_pct: float | None = None

    @classmethod
    def of_state(cls, state: Mapping[str, Any]) -> Memory:
        """Read the memory kept in a run's protection state."""
        positions = state.get("position_states")
        best: dict[str, float] = {}
        if isinstance(positions, dict):
            for key, value in positions.items():
                pct = value.get("best_pnl_pct") if isinstance(value, dict) else None
                if isinstance(pct, int | float):
                    best[str(key)] = float(pct)
        basket = state.get("best_basket_pnl_pct")
        return cls(best, float(basket) if isinstance(basket, int | float) else None)

    def position_states(self) -> dict[str, dict[str, float]]:
        """The memory as the state document stores it."""
        return {key: {"best_pnl_pct": pct} for key, pct in self.best_position_pct.items()}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the evaluation found: the rule that fired (or None) and the new memory."""

    rule: str | None
    details: dict[str, Any]
    memory: Memory
    basket_pct: float | None
    errors: list[str]
    remembered_more: bool  # a best improved: worth writing even if nothing fired


def position_key(position: ProtectedPosition) -> str:
    """The alias a protected position is matched (and remembered) by."""
    if position.instrument_token is not None:
        return f"token:{position.instrument_token}:{position.product}"
    if position.symbol is not None:
        return f"symbol:{position.symbol.replace(' ', '').upper()}:{position.product}"
    exchange = (position.exchange or "").upper()
    symbol = (position.tradingsymbol or "").upper()
    return f"symbol:{exchange}:{symbol}:{position.product}"


def _higher(previous: float | None, current: float) -> float:
    return current if previous is None else max(previous, current)


def _round(value: float) -> float:
    return round(value, 6)


class _Evaluation:
    """One pass over the rules; collects errors and the improved memory as it goes."""

    def __init__(self, config: BackendProtection, memory: Memory, inputs: Inputs) -> None:
        self.config = config
        self.memory = memory
        self.inputs = inputs
        self.errors: list[str] = []
        self.best_positions = dict(memory.best_position_pct)
        self.improved = False
        self.by_alias: dict[str, LegMark] = {}
        for leg in inputs.legs:
            if leg.quantity:
                for alias in leg.aliases():
                    self.by_alias.setdefault(alias, leg)

    def _remember(self, key: str, pct: float) -> float:
        best = _higher(self.best_positions.get(key), pct)
        if best != self.best_positions.get(key):
            self.best_positions[key] = best
            self.improved = True
        return best

    def position(self, position: ProtectedPosition) -> tuple[str, dict[str, Any]] | None:
        key = position_key(position)
        leg = self.by_alias.get(key)
        if leg is None:
            self.errors.append(f"{key}: no open position")
            return None
        if (leg.quantity > 0) != (position.side == "BUY"):
            self.errors.append(f"{key}: the open position is on the other side")
            return None
        pct = leg.pnl_pct()
        if pct is None:
            self.errors.append(f"{key}: no price")
            return None
        best = self._remember(key, pct)
        details = {"position": key, "pnl_pct": _round(pct), "best_pnl_pct": _round(best)}
        if position.stoploss_pct is not None and pct <= -position.stoploss_pct:
            return "position_stoploss", {**details, "threshold_pct": position.stoploss_pct}
        if position.target_pct is not None and pct >= position.target_pct:
            return "position_target", {**details, "threshold_pct": position.target_pct}
        trail = position.trailing_stoploss_pct
        if trail is not None and best > 0 and best - pct >= trail:
            return "position_trailing_stoploss", {**details, "threshold_pct": trail}
        return None

    def worker_stale(self) -> tuple[str, dict[str, Any]] | None:
        operations = self.config.operations
        age = self.inputs.heartbeat_age_secs
        if operations is None or not operations.exit_on_worker_stale or age is None:
            return None
        limit = operations.worker_stale_sec
        if limit is not None and age >= limit:
            return "worker_stale", {"heartbeat_age_sec": int(age), "worker_stale_sec": limit}
        return None

    def mis_squareoff(self) -> tuple[str, dict[str, Any]] | None:
        operations = self.config.operations
        buffer = operations.mis_squareoff_buffer_sec if operations is not None else None
        if buffer is None or not self.inputs.trading_day:
            return None
        now = self.inputs.market_now
        for leg in self.inputs.legs:
            cutoff = self.inputs.squareoff_at.get(leg.exchange)
            if leg.product != "MIS" or not leg.quantity or cutoff is None:
                continue
            squareoff = datetime.combine(now.date(), cutoff, tzinfo=now.tzinfo)
            if now >= squareoff - timedelta(seconds=buffer):
                return "mis_squareoff_buffer", {
                    "leg": f"{leg.exchange}:{leg.tradingsymbol}",
                    "squareoff_at": squareoff.isoformat(),
                    "buffer_sec": buffer,
                }
        return None

    def basket_pct(self) -> float | None:
        basis = Decimal(0)
        weighted = 0.0
        for leg in self.inputs.legs:
            pct = leg.pnl_pct()
            if not leg.quantity:
                continue
            if pct is None:
                self.errors.append(f"{leg.exchange}:{leg.tradingsymbol}: no price")
                continue
            basis += leg.basis
            weighted += float(leg.basis) * pct
        return weighted / float(basis) if basis > 0 else None

    def basket(self, pct: float | None, best: float | None) -> tuple[str, dict[str, Any]] | None:
        rules = self.config.basket
        if rules is None or pct is None or best is None:
            return None
        details = {"basket_pnl_pct": _round(pct), "best_basket_pnl_pct": _round(best)}
        if rules.stoploss_pct is not None and pct <= -rules.stoploss_pct:
            return "basket_stoploss", {**details, "threshold_pct": rules.stoploss_pct}
        if rules.target_pct is not None and pct >= rules.target_pct:
            return "basket_target", {**details, "threshold_pct": rules.target_pct}
        activate, drawdown = rules.trailing_activate_pct, rules.trailing_drawdown_pct
        trailing = activate is not None and drawdown is not None and best >= activate
        if trailing and drawdown is not None and best - pct >= drawdown:
            return "basket_trailing_drawdown", {**details, "threshold_pct": drawdown}
        return None


def evaluate(config: BackendProtection, memory: Memory, inputs: Inputs) -> Verdict:
    """Which rule fires now, if any; every best is updated before any rule is checked."""
    run = _Evaluation(config, memory, inputs)
    hits = [run.position(position) for position in config.positions]
    pct = run.basket_pct()
    best_basket = memory.best_basket_pct
    if pct is not None and config.basket is not None:
        best_basket = _higher(best_basket, pct)
        run.improved = run.improved or best_basket != memory.best_basket_pct
    hit = next((h for h in hits if h is not None), None)
    hit = hit or run.worker_stale() or run.mis_squareoff() or run.basket(pct, best_basket)
    return Verdict(
        rule=hit[0] if hit else None,
        details=hit[1] if hit else {},
        memory=Memory(run.best_positions, best_basket),
        basket_pct=_round(pct) if pct is not None else None,
        errors=run.errors,
        remembered_more=run.improved,
    )
