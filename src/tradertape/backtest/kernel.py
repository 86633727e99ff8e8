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
from tradertape.jit import inlined, kernel

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

# Decisions waiting for the next open (one row per symbol).
(O_KIND, O_QTY, O_REASON, O_CLOSE, O_ATR, O_SCORE, O_DROP) = range(7)
ORDER_COLUMNS = 7
IDLE, ENTER, EXIT, ADD = 0, 1, 2, 3

# Why an entry candidate was not taken (O_DROP), for the scanner's record.
DROP_SLOTS, DROP_SECTOR, DROP_SIZE, DROP_OVERSUBSCRIBED, DROP_FUNDS = 1, 2, 3, 4, 5

# Counters of a Book.
C_TRADES, C_BUYS, C_EXITING = range(3)

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
    max_commit: float  # (deployed + committed + new) ≤ this × equity; 0: off


class Market(NamedTuple):
    """The prices and per-symbol facts of a run: (days × symbols) arrays, row-major."""

    open: Any
    high: Any
    low: Any
    close: Any
    atr: Any  # ATR(14), or an empty (0, 0) array when no stop is used
    sectors: Any  # sector index per symbol, -1 for none
    rates: Any  # `costs.rate_table` rows per day (zerodha), else one zero row


class Rules(NamedTuple):
    """A compiled strategy (`tradertape.strategies.compile.CompiledStrategy`) as arrays."""

    entry: Any
    score: Any
    series: Any
    consts: Any
    code: Any
    bounds: Any
    exit_rules: Any
    addon: int


class Book(NamedTuple):
    """Everything the loop carries from one day to the next; the scanner builds one from the
    database to decide a single day exactly as the backtest would."""

    state: Any  # (symbols, POSITION_COLUMNS)
    orders: Any  # (symbols, ORDER_COLUMNS): decisions waiting for the next open
    queue: Any  # symbols of queued buys, in fill order (add-ons, then entries by rank)
    counts: Any  # int64[3]: trades recorded, buys queued, exits decided today
    cash: Any  # float64[1]
    last_close: Any  # (symbols,): the last close seen, NaN before the first
    exit_decided: Any  # (symbols,) int64: day of the last exit decision (no same-day re-entry)
    sector_count: Any  # open positions per sector
    stack: Any  # the rule interpreter's scratch
    fields: Any  # position fields of the symbol being evaluated


# -- charges ------------------------------------------------------------------------------


@inlined
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


@inlined
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


@inlined
def _arithmetic(a: float, b: float, op: int) -> float:
    if op == _ADD_OP:
        return a + b
    if op == _SUB:
        return a - b
    if op == _MUL:
        return a * b
    return a / b if b != 0.0 else np.nan


@inlined
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


@inlined
def _record(
    trades: Any, counts: Any, row: Any, j: int, t: int, price: float, charges: float, reason: int
) -> Any:
    """Append a finished (or, at the end, marked) position to the trade tape."""
    if counts[C_TRADES] == trades.shape[0]:
        trades = np.concatenate((trades, np.empty_like(trades)))
    out = trades[counts[C_TRADES]]
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
    counts[C_TRADES] += 1
    return trades


@inlined
def _sell(
    m: Market, book: Book, p: Params, trades: Any, j: int, t: int, price: float, reason: int
) -> Any:
    """Sell the whole position at ``price`` (slippage already applied)."""
    row = book.state[j]
    charge = _fill_charges(row[QTY] * price, False, t, p.charge_mode, p.flat_charge, m.rates)
    book.cash[0] += row[QTY] * price - charge
    trades = _record(trades, book.counts, row, j, t, price, row[PAID] + charge, reason)
    if m.sectors[j] >= 0:
        book.sector_count[m.sectors[j]] -= 1
    row[QTY] = 0.0
    return trades


@inlined
def _buy(
    m: Market,
    book: Book,
    p: Params,
    j: int,
    t: int,
    quantity: float,
    price: float,
    adding: bool,
    score: float,
    atr_value: float,
) -> bool:
    """Buy ``quantity`` at ``price`` if the cash covers it and its charges; False if not."""
    charge = _fill_charges(quantity * price, True, t, p.charge_mode, p.flat_charge, m.rates)
    if quantity * price + charge > book.cash[0]:
        return False
    book.cash[0] -= quantity * price + charge
    row = book.state[j]
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
        row[HIGHEST] = m.close[t, j]
        row[CONVICTION] = score
        if m.sectors[j] >= 0:
            book.sector_count[m.sectors[j]] += 1
    row[LAST_ADDON] = t
    use_stop = p.atr_stop_mult > 0.0 and not np.isnan(atr_value)
    row[STOP] = row[AVG] - p.atr_stop_mult * atr_value if use_stop else 0.0
    return True


@inlined
def _position_fields(row: Any, t: int, close: float, fields: Any) -> None:
    held = t - row[HELD_FROM] + 1
    fields[0] = held
    fields[1] = row[AVG]
    fields[2] = (close / row[AVG] - 1.0) * 100.0
    fields[3] = t - row[LAST_ADDON] if row[ADDONS] > 0 else held
    fields[4] = row[ADDONS]
    fields[5] = row[HIGHEST]


@inlined
def _exit_reason(r: Rules, book: Book, p: Params, t: int, j: int) -> int:
    """The first exit rule that fires (by priority), `MAX_HOLD`, or `_NO_EXIT`."""
    fields, stack, rules, bounds = book.fields, book.stack, r.exit_rules, r.bounds
    code, series, consts = r.code, r.series, r.consts
    held = fields[0]
    for k in range(rules.shape[0]):
        if held < p.min_hold and rules[k, 2] == 0:
            continue
        if _run_program(code, bounds[rules[k, 0]], series, consts, t, j, fields, stack):
            return k
    if p.max_hold > 0 and held >= p.max_hold:
        return MAX_HOLD
    return _NO_EXIT


@inlined
def _intraday_exit(row: Any, t: int, o: float, low: float, prev_close: float, p: Params) -> Any:
    """(reason, price) of a gap-down or ATR-stop exit today, reason `_NO_EXIT` if none."""
    gapped = p.gap_down > 0.0 and row[FIRST] < t and not np.isnan(prev_close)
    if gapped and o < prev_close * (1.0 - p.gap_down):
        return GAP_DOWN, o
    if row[STOP] > 0.0 and low <= row[STOP]:
        return ATR_STOP, min(o, row[STOP])
    return _NO_EXIT, 0.0


# -- the phases of a day --------------------------------------------------------------------


@inlined
def open_fills(m: Market, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Fill yesterday's decisions at today's open: sells first, then the queued buys."""
    orders, opens = book.orders, m.open
    for j in range(orders.shape[0]):
        if orders[j, O_KIND] != EXIT or np.isnan(opens[t, j]):
            continue  # no bar: the sell waits for the next one
        price = max(m.open[t, j] * (1.0 - p.slippage), m.low[t, j])
        if p.exit_buffer > 0.0:
            limit = orders[j, O_CLOSE] * (1.0 - p.exit_buffer)
            if m.high[t, j] < limit:
                continue
            price = max(price, min(limit, m.high[t, j]))
        orders[j, O_KIND] = IDLE
        trades = _sell(m, book, p, trades, j, t, price, int(orders[j, O_REASON]))
    for k in range(book.counts[C_BUYS]):
        j = book.queue[k]
        kind = orders[j, O_KIND]
        orders[j, O_KIND] = IDLE
        o = m.open[t, j]
        if np.isnan(o):
            continue
        price = min(o * (1.0 + p.slippage), m.high[t, j])
        if p.entry_buffer > 0.0 and kind == ENTER:
            trigger = orders[j, O_CLOSE] * (1.0 + p.entry_buffer)
            if m.high[t, j] < trigger:
                continue
            price = min(max(o, trigger) * (1.0 + p.slippage), m.high[t, j])
        _buy(
            m,
            book,
            p,
            j,
            t,
            orders[j, O_QTY],
            price,
            kind == ADD,
            orders[j, O_SCORE],
            orders[j, O_ATR],
        )
    book.counts[C_BUYS] = 0
    return trades


@inlined
def intraday_exits(m: Market, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Gap-down exits at the open and ATR stops on the day's low."""
    state, opens, lows, last_close = book.state, m.open, m.low, book.last_close
    for j in range(state.shape[0]):
        if state[j, QTY] == 0.0 or np.isnan(opens[t, j]):
            continue
        reason, price = _intraday_exit(state[j], t, opens[t, j], lows[t, j], last_close[j], p)
        if reason != _NO_EXIT:
            price = max(price * (1.0 - p.slippage), m.low[t, j])
            trades = _sell(m, book, p, trades, j, t, price, reason)
            book.orders[j, O_KIND] = IDLE
    return trades


@inlined
def mark(m: Market, book: Book, t: int) -> float:
    """Take today's closes (and highest closes) and return the marked equity."""
    marked = book.cash[0]
    state, last_close, close = book.state, book.last_close, m.close
    for j in range(state.shape[0]):
        c = close[t, j]
        if not np.isnan(c):
            last_close[j] = c
            if state[j, QTY] > 0.0 and c > state[j, HIGHEST]:
                state[j, HIGHEST] = c
        if state[j, QTY] > 0.0:
            marked += state[j, QTY] * last_close[j]
    return float(marked)


@inlined
def _exit_at_close(
    m: Market, r: Rules, book: Book, p: Params, trades: Any, t: int, j: int, reason: int
) -> Any:
    price = m.close[t, j]
    if reason >= 0 and r.exit_rules[reason, 1] >= 0:
        program = r.bounds[r.exit_rules[reason, 1]]
        value = _run_program(r.code, program, r.series, r.consts, t, j, book.fields, book.stack)
        price = value if not np.isnan(value) else price
    price = max(price * (1.0 - p.slippage), m.low[t, j])
    return _sell(m, book, p, trades, j, t, price, reason)


@inlined
def decide_exits(m: Market, r: Rules, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Exit rules, then add-ons, on every held position with today's bar."""
    state, orders, fields, close = book.state, book.orders, book.fields, m.close
    has_atr = m.atr.shape[0] > 0
    book.counts[C_EXITING] = 0
    for j in range(state.shape[0]):
        row = state[j]
        if row[QTY] == 0.0 or orders[j, O_KIND] != IDLE or np.isnan(close[t, j]):
            continue
        _position_fields(row, t, close[t, j], fields)
        reason = _exit_reason(r, book, p, t, j)
        if reason != _NO_EXIT:
            book.counts[C_EXITING] += 1
            book.exit_decided[j] = t
            if p.fill_at_close:
                trades = _exit_at_close(m, r, book, p, trades, t, j, reason)
            else:
                orders[j, O_KIND] = EXIT
                orders[j, O_REASON] = reason
                orders[j, O_CLOSE] = m.close[t, j]
            continue
        if r.addon < 0 or row[ADDONS] >= p.addon_max or book.fields[3] < p.addon_min_bars:
            continue
        program = r.bounds[r.addon]
        if not _run_program(r.code, program, r.series, r.consts, t, j, book.fields, book.stack):
            continue
        quantity = np.floor(row[BASE_QTY] * p.addon_size)
        if quantity <= 0.0:
            continue
        atr_value = m.atr[t, j] if has_atr else np.nan
        if p.fill_at_close:
            price = m.close[t, j] * (1.0 + p.slippage)
            _buy(m, book, p, j, t, quantity, price, True, 0.0, atr_value)
        else:
            orders[j, O_KIND] = ADD
            orders[j, O_QTY] = quantity
            orders[j, O_CLOSE] = m.close[t, j]
            orders[j, O_ATR] = atr_value
            book.queue[book.counts[C_BUYS]] = j
            book.counts[C_BUYS] += 1
    return trades


@inlined
def _committed(m: Market, book: Book, t: int) -> float:
    """Cost of the open positions plus the value of the queued buys at their signal close."""
    total = 0.0
    for j in range(book.state.shape[0]):
        total += book.state[j, QTY] * book.state[j, AVG]
        kind = book.orders[j, O_KIND]
        if kind in (ENTER, ADD):
            total += book.orders[j, O_QTY] * book.orders[j, O_CLOSE]
    return total


@inlined
def _candidates(m: Market, r: Rules, book: Book, t: int, keys: Any, out: Any) -> int:
    """Flat symbols signalling today, into ``out``; ``keys`` gets minus their score."""
    # Tuple fields go into locals once: each read of one inside the loop would cost a
    # reference-count round trip.
    state, orders, decided = book.state, book.orders, book.exit_decided
    entry, score, close = r.entry, r.score, m.close
    n = 0
    for j in range(state.shape[0]):
        orders[j, O_DROP] = 0
        flat = state[j, QTY] == 0.0 and orders[j, O_KIND] == IDLE and decided[j] != t
        if flat and entry[t, j] and not np.isnan(close[t, j]):
            out[n] = j
            keys[n] = -score[t, j]
            n += 1
    return n


@inlined
def _drop_reason(
    p: Params,
    free: int,
    sector_taken: int,
    quantity: float,
    committed: float,
    value: float,
    marked: float,
) -> int:
    """Why a candidate cannot be taken (0: it can)."""
    if free <= 0:
        return DROP_SLOTS
    if p.max_per_sector > 0 and sector_taken >= p.max_per_sector:
        return DROP_SECTOR
    if quantity <= 0.0:
        return DROP_SIZE
    if p.max_commit > 0.0 and committed + value > p.max_commit * marked:
        return DROP_OVERSUBSCRIBED
    return 0


@inlined
def _take(m: Market, r: Rules, book: Book, p: Params, t: int, j: int, quantity: float) -> int:
    """Buy at the close (``fill_at_close``) or queue the entry for the next open; returns
    `DROP_FUNDS` when the cash cannot pay at the close, else 0."""
    c = m.close[t, j]
    atr_value = m.atr[t, j] if m.atr.shape[0] > 0 else np.nan
    if p.fill_at_close:
        price = c * (1.0 + p.slippage)
        bought = _buy(m, book, p, j, t, quantity, price, False, r.score[t, j], atr_value)
        return 0 if bought else DROP_FUNDS
    orders = book.orders
    orders[j, O_KIND] = ENTER
    orders[j, O_QTY] = quantity
    orders[j, O_CLOSE] = c
    orders[j, O_ATR] = atr_value
    orders[j, O_SCORE] = r.score[t, j]
    book.queue[book.counts[C_BUYS]] = j
    book.counts[C_BUYS] += 1
    return 0


@inlined
def decide_entries(m: Market, r: Rules, book: Book, p: Params, t: int, marked: float) -> None:
    """Rank today's entry signals by conviction (ties by symbol) into free slots, sectors
    and the oversubscription limit; a dropped candidate keeps its reason in ``O_DROP``."""
    state, orders = book.state, book.orders
    n_symbols = state.shape[0]
    held = 0  # positions, and entries still waiting from earlier days (a live GTT)
    for j in range(n_symbols):
        held += state[j, QTY] > 0.0 or orders[j, O_KIND] == ENTER
    free = p.max_positions - held + (0 if p.fill_at_close else book.counts[C_EXITING])
    candidates = np.empty(n_symbols, dtype=np.int64)
    keys = np.empty(n_symbols)
    n = _candidates(m, r, book, t, keys, candidates)
    if n == 0 or free <= 0:
        for k in range(n):
            orders[candidates[k], O_DROP] = DROP_SLOTS
        return
    order = np.argsort(keys[:n], kind="mergesort")
    taken = book.sector_count.copy()
    for j in range(n_symbols):
        if orders[j, O_KIND] == EXIT and m.sectors[j] >= 0:
            taken[m.sectors[j]] -= 1
    committed = _committed(m, book, t) if p.max_commit > 0.0 else 0.0
    for k in range(n):
        j = candidates[order[k]]
        s = m.sectors[j]
        c = m.close[t, j]
        quantity = np.floor(p.position_size * marked / c)
        in_sector = taken[s] if s >= 0 else 0
        drop = _drop_reason(p, free, in_sector, quantity, committed, quantity * c, marked)
        if drop == 0:
            drop = _take(m, r, book, p, t, j, quantity)
        orders[j, O_DROP] = drop
        if drop != 0:
            continue
        committed += quantity * c
        if s >= 0:
            taken[s] += 1
        free -= 1


@kernel
def decide_day(m: Market, r: Rules, book: Book, p: Params, t: int) -> float:
    """One day's close for the scanner: mark, then decide exits, add-ons and entries into
    ``book.orders`` (with ``O_DROP`` reasons) exactly as the backtest does; returns the
    marked equity. Nothing fills here: the portfolio's broker does that."""
    marked = mark(m, book, t)
    decide_exits(m, r, book, p, np.empty((1, TRADE_COLUMNS)), t)
    decide_entries(m, r, book, p, t, marked)
    return marked


def new_book(n_symbols: int, n_sectors: int, cash: float) -> Book:
    """An empty book: no positions, nothing queued."""
    return Book(
        state=np.zeros((n_symbols, POSITION_COLUMNS)),
        orders=np.zeros((n_symbols, ORDER_COLUMNS)),
        queue=np.zeros(max(1, n_symbols), dtype=np.int64),
        counts=np.zeros(3, dtype=np.int64),
        cash=np.full(1, float(cash)),
        last_close=np.full(n_symbols, np.nan),
        exit_decided=np.full(n_symbols, -1, dtype=np.int64),
        sector_count=np.zeros(max(1, n_sectors), dtype=np.int64),
        stack=np.empty(64),
        fields=np.zeros(_N_FIELDS),
    )


# -- the loop -----------------------------------------------------------------------------


@kernel
def simulate(m: Market, r: Rules, book: Book, p: Params) -> tuple[Any, Any, Any, Any]:
    """Every day of the range: (equity, cash, open positions) per day and the trade tape."""
    n_days, n_symbols = m.close.shape
    equity = np.empty(n_days)
    cash_curve = np.empty(n_days)
    open_count = np.zeros(n_days, dtype=np.int64)
    trades = np.empty((64, TRADE_COLUMNS))
    state, last_close = book.state, book.last_close
    for t in range(n_days):
        trades = open_fills(m, book, p, trades, t)
        trades = intraday_exits(m, book, p, trades, t)
        marked = mark(m, book, t)
        trades = decide_exits(m, r, book, p, trades, t)
        decide_entries(m, r, book, p, t, marked)
        value = book.cash[0]
        for j in range(n_symbols):
            if state[j, QTY] > 0.0:
                value += state[j, QTY] * last_close[j]
                open_count[t] += 1
        equity[t] = value
        cash_curve[t] = book.cash[0]
    # Open positions at the end are reported at the last close (a mark, no exit costs).
    for j in range(n_symbols):
        row = book.state[j]
        if row[QTY] > 0.0:
            trades = _record(
                trades, book.counts, row, j, n_days - 1, book.last_close[j], row[PAID], END_OF_DATA
            )
    return equity, cash_curve, open_count, trades[: book.counts[C_TRADES]]
