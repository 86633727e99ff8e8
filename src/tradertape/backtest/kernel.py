"""The backtest's day loop, compiled with numba.

One call simulates the whole range for every symbol. It reads only arrays: the compiled
strategy (`tradertape.strategies.compile`), the prices, and the settings packed into `Params`.
The semantics are written out in docs/backtester.md; in short, for each day t:

1. at the open, fill yesterday's decisions: sells first, then buys — add-ons, then entries
   in conviction order (a buy the cash cannot fund is skipped, not resized);
2. intraday, exit on a gap down below ``gap_down_exit_pct`` at the open, then on the ATR stop
   when the low reaches it (at the open if it gapped through);
3. at the close, mark to market, then decide: exits by priority (honouring min/max hold),
   add-ons, and entries ranked by conviction (ties by symbol) into free slots and sectors.

With ``fill_at = close`` the decisions fill at that same close instead of the next open.
Per-symbol state lives in one float matrix (`POSITION_COLUMNS`), so small helpers can update a
position without a dozen array arguments; the helpers are inlined by LLVM.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tradertape.backtest.costs import DP_PAISE, REST_BUY, REST_SELL, STT_BUY, STT_SELL
from tradertape.jit import kernel

# Charge modes.
NO_CHARGES, FLAT, ZERODHA = 0, 1, 2

# Exit reasons below zero; zero and up index the strategy's exit rules.
MAX_HOLD, ATR_STOP, GAP_DOWN, END_OF_DATA = -1, -2, -3, -4
_NO_EXIT = -100

# Trade columns.
(
    T_SYMBOL,
    T_ENTRY,
    T_EXIT,
    T_QTY,
    T_ENTRY_PRICE,
    T_EXIT_PRICE,
    T_CHARGES,
    T_REASON,
    T_CONVICTION,
    T_ADDONS,
) = range(10)
TRADE_COLUMNS = 10

# Position columns (a row per symbol; quantities are whole numbers held exactly in float64).
(
    QTY,
    AVG,  # average fill price, add-ons included
    PAID,  # charges paid so far on the open position
    FIRST,  # day of the first fill
    HELD_FROM,  # first bar held through its close: the fill day at the open, the next at close
    LAST_ADDON,
    ADDONS,
    BASE_QTY,  # the first lot, which add-ons are sized on
    HIGHEST,  # highest close since entry
    STOP,  # ATR stop price; 0 = none
    CONVICTION,
) = range(11)
POSITION_COLUMNS = 11

# Decisions waiting for the next open.
_IDLE, _ENTER, _EXIT, _ADD = 0, 1, 2, 3

# Position fields a rule may read, in `tradertape.strategies.dsl.PositionField` order.
_N_FIELDS = 6

# Opcodes: `tradertape.strategies.compile`.
_SERIES, _CONST, _POS, _ADD_OP, _SUB, _MUL, _DIV, _CMP, _AND, _OR, _NOT = range(11)


class Params(NamedTuple):
    """Scalar settings, in the kernel's units (fractions, not percents)."""

    starting_capital: float
    position_size: float  # fraction of equity per new position
    max_positions: int
    max_per_sector: int  # 0: no limit
    slippage: float  # fraction of price, against us
    fill_at_close: bool
    entry_buffer: float
    exit_buffer: float
    min_hold: int
    max_hold: int  # 0: none
    atr_stop_mult: float
    gap_down: float  # fraction; 0: off
    addon_max: int
    addon_size: float  # fraction of the first lot
    addon_min_bars: int
    charge_mode: int
    flat_charge: float  # fraction of value, each side


# -- charges ------------------------------------------------------------------------------


@kernel
def _fill_charges(value: float, buy: bool, t: int, mode: int, flat: float, rates: Any) -> float:
    if mode == NO_CHARGES:
        return 0.0
    if mode == FLAT:
        return value * flat
    value_paise = np.int64(np.floor(value * 100.0 + 0.5))
    stt_rate = rates[t, STT_BUY] if buy else rates[t, STT_SELL]
    stt_rupees = (value_paise * stt_rate + 50_000_000) // 100_000_000
    rest = rates[t, REST_BUY] if buy else rates[t, REST_SELL]
    # value × rate / 10¹¹, rounded half up, split so the product never leaves int64
    whole, part = divmod(value_paise, 100_000_000_000)
    rest_paise = whole * rest + (part * rest + 50_000_000_000) // 100_000_000_000
    total = stt_rupees * 100 + rest_paise + (0 if buy else rates[t, DP_PAISE])
    return float(total) / 100.0


# -- the rule interpreter -----------------------------------------------------------------


@kernel
def _compare(a: float, b: float, op: int) -> bool:
    if np.isnan(a) or np.isnan(b):
        return False
    if op == 0:
        return a > b
    if op == 1:
        return a >= b
    if op == 2:
        return a < b
    if op == 3:
        return a <= b
    if op == 4:
        return a == b
    return a != b


@kernel
def _arithmetic(a: float, b: float, op: int) -> float:
    if op == _ADD_OP:
        return a + b
    if op == _SUB:
        return a - b
    if op == _MUL:
        return a * b
    return a / b if b != 0.0 else np.nan


@kernel
def _truthy(value: float) -> bool:
    return value != 0.0 and not np.isnan(value)


@kernel
def _run_program(
    code: Any, program: Any, series: Any, consts: Any, t: int, j: int, fields: Any, stack: Any
) -> float:
    """Evaluate one postfix program (rows ``program[0]:program[1]`` of ``code``)."""
    top = 0
    for row in range(program[0], program[1]):
        op, arg = code[row, 0], code[row, 1]
        if op <= _POS:  # push a series value, a constant or a position field
            stack[top] = (
                series[arg, t, j] if op == _SERIES else consts[arg] if op == _CONST else fields[arg]
            )
            top += 1
        elif op <= _DIV:
            top -= 1
            stack[top - 1] = _arithmetic(stack[top - 1], stack[top], op)
        elif op == _CMP:
            top -= 1
            stack[top - 1] = 1.0 if _compare(stack[top - 1], stack[top], arg) else 0.0
        elif op == _NOT:
            stack[top - 1] = 0.0 if _truthy(stack[top - 1]) else 1.0
        else:  # _AND / _OR over the top `arg` values
            hits = 0
            for k in range(arg):
                hits += _truthy(stack[top - 1 - k])
            top -= arg - 1
            stack[top - 1] = 1.0 if (hits == arg if op == _AND else hits > 0) else 0.0
    return float(stack[top - 1])


# -- fills --------------------------------------------------------------------------------


@kernel
def _record(
    trades: Any, count: Any, row: Any, j: int, t: int, price: float, charges: float, reason: int
) -> Any:
    """Append a finished (or, at the end, marked) position to the trade tape."""
    if count[0] == trades.shape[0]:
        trades = np.concatenate((trades, np.empty_like(trades)))
    out = trades[count[0]]
    out[T_SYMBOL] = j
    out[T_ENTRY] = row[FIRST]
    out[T_EXIT] = t
    out[T_QTY] = row[QTY]
    out[T_ENTRY_PRICE] = row[AVG]
    out[T_EXIT_PRICE] = price
    out[T_CHARGES] = charges
    out[T_REASON] = reason
    out[T_CONVICTION] = row[CONVICTION]
    out[T_ADDONS] = row[ADDONS]
    count[0] += 1
    return trades


@kernel
def _sell(
    state: Any,
    j: int,
    t: int,
    price: float,
    reason: int,
    cash: Any,
    trades: Any,
    count: Any,
    sectors: Any,
    sector_count: Any,
    p: Params,
    rates: Any,
) -> Any:
    """Sell the whole position at ``price`` (slippage already applied)."""
    row = state[j]
    charge = _fill_charges(row[QTY] * price, False, t, p.charge_mode, p.flat_charge, rates)
    cash[0] += row[QTY] * price - charge
    trades = _record(trades, count, row, j, t, price, row[PAID] + charge, reason)
    if sectors[j] >= 0:
        sector_count[sectors[j]] -= 1
    row[QTY] = 0.0
    return trades


@kernel
def _buy(
    state: Any,
    j: int,
    t: int,
    quantity: float,
    price: float,
    adding: bool,
    score: float,
    atr_value: float,
    close_now: float,
    cash: Any,
    sectors: Any,
    sector_count: Any,
    p: Params,
    rates: Any,
) -> bool:
    """Buy ``quantity`` at ``price`` if the cash covers it and its charges; False if not."""
    charge = _fill_charges(quantity * price, True, t, p.charge_mode, p.flat_charge, rates)
    if quantity * price + charge > cash[0]:
        return False
    cash[0] -= quantity * price + charge
    row = state[j]
    if adding:
        row[AVG] = (row[AVG] * row[QTY] + price * quantity) / (row[QTY] + quantity)
        row[QTY] += quantity
        row[PAID] += charge
        row[ADDONS] += 1
    else:
        row[QTY] = quantity
        row[BASE_QTY] = quantity
        row[AVG] = price
        row[PAID] = charge
        row[FIRST] = t
        row[HELD_FROM] = t + 1 if p.fill_at_close else t
        row[ADDONS] = 0
        row[HIGHEST] = close_now
        row[CONVICTION] = score
        if sectors[j] >= 0:
            sector_count[sectors[j]] += 1
    row[LAST_ADDON] = t
    use_stop = p.atr_stop_mult > 0.0 and not np.isnan(atr_value)
    row[STOP] = row[AVG] - p.atr_stop_mult * atr_value if use_stop else 0.0
    return True


@kernel
def _position_fields(row: Any, t: int, close: float, fields: Any) -> None:
    held = t - row[HELD_FROM] + 1
    fields[0] = held
    fields[1] = row[AVG]
    fields[2] = (close / row[AVG] - 1.0) * 100.0
    fields[3] = t - row[LAST_ADDON] if row[ADDONS] > 0 else held
    fields[4] = row[ADDONS]
    fields[5] = row[HIGHEST]


@kernel
def _exit_reason(
    code: Any,
    bounds: Any,
    exit_rules: Any,
    series: Any,
    consts: Any,
    t: int,
    j: int,
    fields: Any,
    stack: Any,
    p: Params,
) -> int:
    """The first exit rule that fires (by priority), `MAX_HOLD`, or `_NO_EXIT`."""
    held = fields[0]
    for r in range(exit_rules.shape[0]):
        if held < p.min_hold and exit_rules[r, 2] == 0:
            continue
        if _run_program(code, bounds[exit_rules[r, 0]], series, consts, t, j, fields, stack):
            return r
    if p.max_hold > 0 and held >= p.max_hold:
        return MAX_HOLD
    return _NO_EXIT


@kernel
def _intraday_exit(row: Any, t: int, o: float, low: float, prev_close: float, p: Params) -> Any:
    """(reason, price) of a gap-down or ATR-stop exit today, reason `_NO_EXIT` if none."""
    gapped = p.gap_down > 0.0 and row[FIRST] < t and not np.isnan(prev_close)
    if gapped and o < prev_close * (1.0 - p.gap_down):
        return GAP_DOWN, o
    if row[STOP] > 0.0 and low <= row[STOP]:
        return ATR_STOP, min(o, row[STOP])
    return _NO_EXIT, 0.0


# -- the loop -----------------------------------------------------------------------------


@kernel
def simulate(  # noqa: C901, PLR0912, PLR0915 - the day loop reads best as one piece
    open_: Any,
    high: Any,
    low: Any,
    close: Any,
    entry: Any,
    score: Any,
    series: Any,
    consts: Any,
    code: Any,
    bounds: Any,
    exit_rules: Any,
    addon_program: int,
    atr: Any,
    sectors: Any,
    rates: Any,
    p: Params,
) -> tuple[Any, Any, Any, Any]:
    n_days, n_symbols = close.shape
    equity = np.empty(n_days)
    cash_curve = np.empty(n_days)
    open_count = np.zeros(n_days, dtype=np.int64)
    trades = np.empty((64, TRADE_COLUMNS))
    count = np.zeros(1, dtype=np.int64)
    cash = np.full(1, p.starting_capital)
    stack = np.empty(64)
    fields = np.zeros(_N_FIELDS)
    has_atr = atr.shape[0] > 0

    state = np.zeros((n_symbols, POSITION_COLUMNS))
    last_close = np.full(n_symbols, np.nan)
    exit_decided = np.full(n_symbols, -1, dtype=np.int64)  # no re-entry at an exit's close
    pending = np.zeros(n_symbols, dtype=np.int64)
    pending_qty = np.zeros(n_symbols)
    pending_reason = np.zeros(n_symbols, dtype=np.int64)
    pending_close = np.zeros(n_symbols)  # the signal close, for the buffers
    pending_atr = np.zeros(n_symbols)
    pending_score = np.zeros(n_symbols)
    buy_order = np.empty(n_symbols, dtype=np.int64)
    n_buys = 0
    n_sectors = sectors.max() + 1 if n_symbols > 0 else 1
    sector_count = np.zeros(max(1, n_sectors), dtype=np.int64)
    candidates = np.empty(n_symbols, dtype=np.int64)
    keys = np.empty(n_symbols)

    for t in range(n_days):
        # ---- 1. the open: yesterday's decisions, sells first ------------------------------
        for j in range(n_symbols):
            if pending[j] != _EXIT or np.isnan(open_[t, j]):
                continue  # no bar: the sell waits for the next one
            price = max(open_[t, j] * (1.0 - p.slippage), low[t, j])
            if p.exit_buffer > 0.0:
                limit = pending_close[j] * (1.0 - p.exit_buffer)
                if high[t, j] < limit:
                    continue
                price = max(price, min(limit, high[t, j]))
            pending[j] = _IDLE
            trades = _sell(
                state,
                j,
                t,
                price,
                pending_reason[j],
                cash,
                trades,
                count,
                sectors,
                sector_count,
                p,
                rates,
            )
        for k in range(n_buys):
            j = buy_order[k]
            kind = pending[j]
            pending[j] = _IDLE
            o = open_[t, j]
            if np.isnan(o):
                continue
            price = min(o * (1.0 + p.slippage), high[t, j])
            if p.entry_buffer > 0.0 and kind == _ENTER:
                trigger = pending_close[j] * (1.0 + p.entry_buffer)
                if high[t, j] < trigger:
                    continue
                price = min(max(o, trigger) * (1.0 + p.slippage), high[t, j])
            _buy(
                state,
                j,
                t,
                pending_qty[j],
                price,
                kind == _ADD,
                pending_score[j],
                pending_atr[j],
                close[t, j],
                cash,
                sectors,
                sector_count,
                p,
                rates,
            )
        n_buys = 0

        # ---- 2. intraday: gap-down exits and ATR stops ----------------------------------
        for j in range(n_symbols):
            if state[j, QTY] == 0.0 or np.isnan(open_[t, j]):
                continue
            reason, price = _intraday_exit(state[j], t, open_[t, j], low[t, j], last_close[j], p)
            if reason != _NO_EXIT:
                price = max(price * (1.0 - p.slippage), low[t, j])
                trades = _sell(
                    state, j, t, price, reason, cash, trades, count, sectors, sector_count, p, rates
                )
                pending[j] = _IDLE

        # ---- 3. the close: mark, then decide exits and add-ons ----------------------------
        marked = cash[0]
        for j in range(n_symbols):
            c = close[t, j]
            if not np.isnan(c):
                last_close[j] = c
                if state[j, QTY] > 0.0 and c > state[j, HIGHEST]:
                    state[j, HIGHEST] = c
            marked += state[j, QTY] * last_close[j] if state[j, QTY] > 0.0 else 0.0
        exiting = 0
        for j in range(n_symbols):
            row = state[j]
            if row[QTY] == 0.0 or pending[j] != _IDLE or np.isnan(close[t, j]):
                continue
            _position_fields(row, t, close[t, j], fields)
            reason = _exit_reason(code, bounds, exit_rules, series, consts, t, j, fields, stack, p)
            if reason != _NO_EXIT:
                exiting += 1
                exit_decided[j] = t
                if not p.fill_at_close:
                    pending[j] = _EXIT
                    pending_reason[j] = reason
                    pending_close[j] = close[t, j]
                    continue
                price = close[t, j]
                if reason >= 0 and exit_rules[reason, 1] >= 0:
                    program = bounds[exit_rules[reason, 1]]
                    value = _run_program(code, program, series, consts, t, j, fields, stack)
                    price = value if not np.isnan(value) else price
                price = max(price * (1.0 - p.slippage), low[t, j])
                trades = _sell(
                    state, j, t, price, reason, cash, trades, count, sectors, sector_count, p, rates
                )
                continue
            if addon_program < 0 or row[ADDONS] >= p.addon_max or fields[3] < p.addon_min_bars:
                continue
            if not _run_program(code, bounds[addon_program], series, consts, t, j, fields, stack):
                continue
            quantity = np.floor(row[BASE_QTY] * p.addon_size)
            atr_value = atr[t, j] if has_atr else np.nan
            if quantity <= 0.0:
                continue
            if p.fill_at_close:
                _buy(
                    state,
                    j,
                    t,
                    quantity,
                    close[t, j] * (1.0 + p.slippage),
                    True,
                    0.0,
                    atr_value,
                    close[t, j],
                    cash,
                    sectors,
                    sector_count,
                    p,
                    rates,
                )
            else:
                pending[j] = _ADD
                pending_qty[j] = quantity
                pending_atr[j] = atr_value
                buy_order[n_buys] = j
                n_buys += 1

        # ---- 4. entries: best conviction first, ties by symbol ----------------------------
        held = 0
        for j in range(n_symbols):
            held += state[j, QTY] > 0.0
        free = p.max_positions - held + (0 if p.fill_at_close else exiting)
        n_candidates = 0
        for j in range(n_symbols):
            flat = state[j, QTY] == 0.0 and pending[j] == _IDLE and exit_decided[j] != t
            if flat and entry[t, j] and not np.isnan(close[t, j]):
                candidates[n_candidates] = j
                keys[n_candidates] = -score[t, j]
                n_candidates += 1
        if n_candidates > 0 and free > 0:
            order = np.argsort(keys[:n_candidates], kind="mergesort")
            taken = sector_count.copy()
            for j in range(n_symbols):
                if pending[j] == _EXIT and sectors[j] >= 0:
                    taken[sectors[j]] -= 1
            for k in range(n_candidates):
                if free == 0:
                    break
                j = candidates[order[k]]
                s = sectors[j]
                if p.max_per_sector > 0 and s >= 0 and taken[s] >= p.max_per_sector:
                    continue
                quantity = np.floor(p.position_size * marked / close[t, j])
                if quantity <= 0.0:
                    continue
                atr_value = atr[t, j] if has_atr else np.nan
                if p.fill_at_close:
                    price = close[t, j] * (1.0 + p.slippage)
                    if not _buy(
                        state,
                        j,
                        t,
                        quantity,
                        price,
                        False,
                        score[t, j],
                        atr_value,
                        close[t, j],
                        cash,
                        sectors,
                        sector_count,
                        p,
                        rates,
                    ):
                        continue
                else:
                    pending[j] = _ENTER
                    pending_qty[j] = quantity
                    pending_close[j] = close[t, j]
                    pending_atr[j] = atr_value
                    pending_score[j] = score[t, j]
                    buy_order[n_buys] = j
                    n_buys += 1
                if s >= 0:
                    taken[s] += 1
                free -= 1

        value = cash[0]
        for j in range(n_symbols):
            if state[j, QTY] > 0.0:
                value += state[j, QTY] * last_close[j]
                open_count[t] += 1
        equity[t] = value
        cash_curve[t] = cash[0]

    # Open positions at the end are reported at the last close (a mark, no exit costs).
    for j in range(n_symbols):
        if state[j, QTY] > 0.0:
            trades = _record(
                trades, count, state[j], j, n_days - 1, last_close[j], state[j, PAID], END_OF_DATA
            )
    return equity, cash_curve, open_count, trades[: count[0]]
