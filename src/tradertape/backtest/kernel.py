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

An intraday (MIS) run walks bars, not days, and passes each bar's `phases` entry: at the
`SQUARE_OFF_BAR` of a session (the last bar that ends by the broker's square-off time) every
open position is sold at that bar's close before the exit rules run (`square_off`: the
broker's market order at that time), and from that bar to the session's end no entry or
add-on is decided (`NO_ENTRIES`), so nothing is held overnight. A day run passes no phases.
Per-symbol state lives in one float matrix (`POSITION_COLUMNS`), so small helpers can update a
position without a dozen array arguments; the helpers are inlined by numba.

The phases take the run's arrays in tuples (`Market`, `Rules`, `Book`), and numba counts a
reference for every array of a tuple passed to a helper: hundreds of atomic increments a day,
which cost ten times the day's work. So `simulate` hands the phases *borrowed* views
(`_borrowed`: the same memory, no reference held, nothing to count) of arrays it keeps alive
itself until it returns.

The day's phases walk the open positions (`Book.held`, kept in symbol order so sums and sells
happen in the order a walk over every symbol would take), not the universe: only the entry
scan and the day's closes read every symbol. Python calls `simulate` with plain arrays and
numbers (the settings packed by `pack_params`): numba types a tuple argument in Python on
every call, arrays in C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tradertape.backtest.costs import (
    BROKERAGE_CAP,
    BROKERAGE_RATE,
    DP_PAISE,
    REST_BUY,
    REST_SELL,
    STT_BUY,
    STT_SELL,
)
from tradertape.jit import inlined, intrinsic, kernel

if TYPE_CHECKING:
    from numba.core.types import Array

# Charge modes.
NO_CHARGES, FLAT, ZERODHA = 0, 1, 2

# `np.nan_to_num`'s stand-in for ±inf (`_conviction`).
_LARGEST = float(np.finfo(np.float64).max)

# Exit reasons below zero; zero and up index the strategy's exit rules.
MAX_HOLD, ATR_STOP, GAP_DOWN, END_OF_DATA, SQUARE_OFF = -1, -2, -3, -4, -5
_NO_EXIT = -100

# An intraday bar's phase (`simulate`'s ``phases``): trading, the session's square-off bar,
# or a later bar of the session (nothing new is decided).
TRADING, SQUARE_OFF_BAR, NO_ENTRIES = 0, 1, 2

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

# Counters of a Book: trades recorded, buys queued, exits decided today, open positions
# (`Book.held`), entries waiting for a fill (``ENTER`` orders of flat symbols).
C_TRADES, C_BUYS, C_EXITING, C_HELD, C_ENTERS = range(5)
_N_COUNTS = 5

# Up to this many candidates a day are ranked by insertion in place; more, by a merge sort.
_SORT_IN_PLACE = 64

# Position fields a rule may read, in `tradertape.strategies.dsl.PositionField` order.
_N_FIELDS = 6

# Opcodes: `tradertape.strategies.compile`.
_SERIES, _CONST, _POS, _ADD_OP, _SUB, _MUL, _DIV, _CMP, _AND, _OR, _NOT, _FLAG = range(12)


class Params(NamedTuple):
    """Scalar settings, in the kernel's units (fractions, not percents); `pack_params` packs
    them into two arrays for `simulate`, `_params` unpacks them in compiled code."""

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
    """The prices and per-symbol facts of a run. Price grids are symbol-major, (symbols ×
    days) and C-contiguous: `symbol_major` views of the panel's (days × symbols) grids."""

    open: Any
    high: Any
    low: Any
    close: Any
    atr: Any  # ATR(14), or an empty (0, 0) array when no stop is used
    sectors: Any  # sector index per symbol, -1 for none
    rates: Any  # `costs.rate_table` rows per day (zerodha), else one zero row
    start: int = 0  # the first day of the run (earlier days only warmed indicators up)


class Rules(NamedTuple):
    """A compiled strategy (`tradertape.strategies.compile.CompiledStrategy`) as arrays,
    its grids symbol-major like `Market`'s."""

    entry: Any
    score: Any
    series: Any
    flags: Any
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
    last_close: Any  # (symbols,): each open position's last close, NaN before the first
    exit_decided: Any  # (symbols,) int64: day of the last exit decision (no same-day re-entry)
    sector_count: Any  # open positions per sector
    stack: Any  # the rule interpreter's scratch
    fields: Any  # position fields of the symbol being evaluated
    held: Any  # (symbols,) int64: the open positions' symbols, ascending (`C_HELD` of them)
    candidates: Any  # (symbols,) int64 scratch: today's entry candidates
    keys: Any  # (symbols,) scratch: their ranking keys (minus the score)
    order: Any  # (symbols,) int64 scratch: the candidates' ranking
    taken: Any  # (sectors,) int64 scratch: positions per sector while entries are allocated
    # A run's entry signals as a list per day, built once (`_signals`) so that a day walks its
    # own signals, in memory order, not every symbol (empty in a book built for the scanner):
    signal_first: Any  # (days + 1,) int64: day t's are rows signal_first[t - start] up to ...
    signal_symbol: Any  # ... signal_first[t - start + 1] of these (symbol order within a day)
    signal_key: Any  # and of these: minus their score


# -- borrowed views -----------------------------------------------------------------------


# (`intrinsic`: numba types it as the one-argument function it is in compiled code)
@intrinsic
def _borrowed(typingctx: Any, array: Array) -> Any:
    """A view of ``array`` that holds no reference to it: counting references to it costs
    nothing. The caller keeps ``array`` alive for as long as the view is used, and never
    returns the view."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        source = context.make_array(array)(context, builder, value=args[0])
        view = context.make_array(array)(context, builder)
        context.populate_array(
            view,
            data=source.data,
            shape=source.shape,
            strides=source.strides,
            itemsize=source.itemsize,
            meminfo=None,
        )
        return view._getvalue()

    return array(array), codegen


@inlined
def _borrowed_book(b: Book) -> Book:
    """`_borrowed` views of a book's arrays."""
    return Book(
        _borrowed(b.state), _borrowed(b.orders), _borrowed(b.queue), _borrowed(b.counts),
        _borrowed(b.cash), _borrowed(b.last_close), _borrowed(b.exit_decided),
        _borrowed(b.sector_count), _borrowed(b.stack), _borrowed(b.fields), _borrowed(b.held),
        _borrowed(b.candidates), _borrowed(b.keys), _borrowed(b.order), _borrowed(b.taken),
        _borrowed(b.signal_first), _borrowed(b.signal_symbol), _borrowed(b.signal_key),
    )  # fmt: skip


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
    # value × rate / 10¹¹, rounded half up, split so the product never leaves int64; the
    # brokerage with its GST (×10¹¹) joins the remainder (a value of 10¹¹ paise or more is
    # far past any cap: `costs.rate_row` keeps the rate below int64's limit over 10¹¹)
    whole, part = divmod(value_paise, 100_000_000_000)
    cap = rates[t, BROKERAGE_CAP]
    brokerage = cap if whole > 0 else min(part * rates[t, BROKERAGE_RATE], cap)
    rest_paise = whole * rest + (part * rest + brokerage + 50_000_000_000) // 100_000_000_000
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


@inlined
def _run_program(
    code: Any,
    start: int,
    end: int,
    series: Any,
    flags: Any,
    consts: Any,
    t: int,
    j: int,
    fields: Any,
    stack: Any,
) -> float:
    """Evaluate one postfix program (rows ``start:end`` of ``code``)."""
    top = 0
    for row in range(start, end):
        op, arg = code[row, 0], code[row, 1]
        if op == _FLAG:  # a market-only condition: 1 or 0
            stack[top] = 1.0 if flags[arg, j, t] else 0.0
            top += 1
        elif op <= _POS:  # push a series value, a constant or a position field
            stack[top] = (
                series[arg, j, t] if op == _SERIES else consts[arg] if op == _CONST else fields[arg]
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
    trades: Any, counts: Any, state: Any, j: int, t: int, price: float, charges: float, reason: int
) -> Any:
    """Append symbol ``j``'s finished (or, at the end, marked) position to the trade tape."""
    n = counts[C_TRADES]
    if n == trades.shape[0]:
        trades = np.concatenate((trades, np.empty_like(trades)))
    trades[n, T_SYMBOL] = j
    trades[n, T_ENTRY] = state[j, FIRST]
    trades[n, T_EXIT] = t
    trades[n, T_QTY] = state[j, QTY]
    trades[n, T_ENTRY_PRICE] = state[j, AVG]
    trades[n, T_EXIT_PRICE] = price
    trades[n, T_CHARGES] = charges
    trades[n, T_REASON] = reason
    trades[n, T_CONVICTION] = state[j, CONVICTION]
    trades[n, T_ADDONS] = state[j, ADDONS]
    counts[C_TRADES] = n + 1
    return trades


@inlined
def _program(r: Rules, k: int, book: Book, t: int, j: int) -> float:
    """Program ``k`` of the rules for symbol ``j`` on day ``t`` (position fields as set)."""
    start, end = r.bounds[k, 0], r.bounds[k, 1]
    return _run_program(
        r.code, start, end, r.series, r.flags, r.consts, t, j, book.fields, book.stack
    )


# -- the open positions -------------------------------------------------------------------


@inlined
def _hold(book: Book, j: int) -> None:
    """Add ``j`` to the open positions, keeping them in symbol order."""
    held, n = book.held, book.counts[C_HELD]
    k = n
    while k > 0 and held[k - 1] > j:
        held[k] = held[k - 1]
        k -= 1
    held[k] = j
    book.counts[C_HELD] = n + 1


@inlined
def _keep_open(book: Book) -> None:
    """Drop the positions sold since the last call from `Book.held` (order kept)."""
    held, state, kept = book.held, book.state, 0
    for k in range(book.counts[C_HELD]):
        j = held[k]
        if state[j, QTY] > 0.0:
            held[kept] = j
            kept += 1
    book.counts[C_HELD] = kept


@inlined
def _reindex(book: Book) -> None:
    """Rebuild `Book.held` and the waiting-entry count from the state and orders (a book
    filled in from outside, as the scanner fills one)."""
    state, orders, held = book.state, book.orders, book.held
    n_held = waiting = 0
    for j in range(state.shape[0]):
        if state[j, QTY] > 0.0:
            held[n_held] = j
            n_held += 1
        elif orders[j, O_KIND] == ENTER:
            waiting += 1
    book.counts[C_HELD] = n_held
    book.counts[C_ENTERS] = waiting


@inlined
def _sell(
    m: Market, book: Book, p: Params, trades: Any, j: int, t: int, price: float, reason: int
) -> Any:
    """Sell the whole position at ``price`` (slippage already applied); the caller drops it
    from `Book.held` (`_keep_open`)."""
    state = book.state
    quantity = state[j, QTY]
    charge = _fill_charges(quantity * price, False, t, p.charge_mode, p.flat_charge, m.rates)
    book.cash[0] += quantity * price - charge
    trades = _record(trades, book.counts, state, j, t, price, state[j, PAID] + charge, reason)
    if m.sectors[j] >= 0:
        book.sector_count[m.sectors[j]] -= 1
    state[j, QTY] = 0.0
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
    if quantity * price > book.cash[0] and p.flat_charge >= 0.0:
        return False  # short before any charge (none is negative)
    charge = _fill_charges(quantity * price, True, t, p.charge_mode, p.flat_charge, m.rates)
    if quantity * price + charge > book.cash[0]:
        return False
    book.cash[0] -= quantity * price + charge
    state = book.state
    if adding:
        state[j, AVG] = (state[j, AVG] * state[j, QTY] + price * quantity) / (
            state[j, QTY] + quantity
        )
        state[j, QTY] += quantity
        state[j, PAID] += charge
        state[j, ADDONS] += 1
    else:
        state[j, QTY] = quantity
        state[j, BASE_QTY] = quantity
        state[j, AVG] = price
        state[j, PAID] = charge
        state[j, FIRST] = t
        state[j, HELD_FROM] = t + 1 if p.fill_at_close else t
        state[j, ADDONS] = 0
        state[j, HIGHEST] = m.close[j, t]
        state[j, CONVICTION] = score
        if m.sectors[j] >= 0:
            book.sector_count[m.sectors[j]] += 1
        _hold(book, j)
        # `mark` keeps the last close of open positions only: catch up on this one's (today's
        # close too: a fill at the close is marked at it; a fill at the open is marked later)
        back = t
        while back >= m.start and np.isnan(m.close[j, back]):
            back -= 1
        book.last_close[j] = m.close[j, back] if back >= m.start else np.nan
    state[j, LAST_ADDON] = t
    use_stop = p.atr_stop_mult > 0.0 and not np.isnan(atr_value)
    state[j, STOP] = state[j, AVG] - p.atr_stop_mult * atr_value if use_stop else 0.0
    return True


@inlined
def _position_fields(state: Any, j: int, t: int, close: float, fields: Any) -> None:
    held = t - state[j, HELD_FROM] + 1
    fields[0] = held
    fields[1] = state[j, AVG]
    fields[2] = (close / state[j, AVG] - 1.0) * 100.0
    fields[3] = t - state[j, LAST_ADDON] if state[j, ADDONS] > 0 else held
    fields[4] = state[j, ADDONS]
    fields[5] = state[j, HIGHEST]


@inlined
def _exit_reason(
    rules: Any,
    bounds: Any,
    code: Any,
    series: Any,
    flags: Any,
    consts: Any,
    fields: Any,
    stack: Any,
    p: Params,
    t: int,
    j: int,
) -> int:
    """The first exit rule that fires (by priority), `MAX_HOLD`, or `_NO_EXIT`. (Arrays,
    not the tuples holding them: each read of a tuple's array costs a reference count.)"""
    held = fields[0]
    for k in range(rules.shape[0]):
        if held < p.min_hold and rules[k, 2] == 0:
            continue
        program = rules[k, 0]
        start, end = bounds[program, 0], bounds[program, 1]
        if _run_program(code, start, end, series, flags, consts, t, j, fields, stack):
            return k
    if p.max_hold > 0 and held >= p.max_hold:
        return MAX_HOLD
    return _NO_EXIT


@inlined
def _intraday_exit(
    state: Any, j: int, t: int, o: float, low: float, prev_close: float, p: Params
) -> Any:
    """(reason, price) of a gap-down or ATR-stop exit today, reason `_NO_EXIT` if none."""
    gapped = p.gap_down > 0.0 and state[j, FIRST] < t and not np.isnan(prev_close)
    if gapped and o < prev_close * (1.0 - p.gap_down):
        return GAP_DOWN, o
    stop = state[j, STOP]
    if stop > 0.0 and low <= stop:
        return ATR_STOP, min(o, stop)
    return _NO_EXIT, 0.0


# -- the phases of a day --------------------------------------------------------------------


@inlined
def _open_price(m: Market, p: Params, orders: Any, j: int, t: int, buying: bool) -> float:
    """Where a decision fills at today's open (slippage against us, within the bar), NaN
    when it does not: no bar, or a buffer the bar never reaches (a buy's buffer is an
    entry's only)."""
    o, high = m.open[j, t], m.high[j, t]
    if np.isnan(o):
        return np.nan
    if not buying:
        price = max(o * (1.0 - p.slippage), m.low[j, t])
        if p.exit_buffer > 0.0:
            limit = orders[j, O_CLOSE] * (1.0 - p.exit_buffer)
            if high < limit:
                return np.nan
            price = max(price, min(limit, high))
        return float(price)
    if p.entry_buffer > 0.0 and orders[j, O_KIND] == ENTER:
        trigger = orders[j, O_CLOSE] * (1.0 + p.entry_buffer)
        if high < trigger:
            return np.nan
        return float(min(max(o, trigger) * (1.0 + p.slippage), high))
    return float(min(o * (1.0 + p.slippage), high))


@inlined
def open_fills(m: Market, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Fill yesterday's decisions at today's open: sells first (a sell without a fill
    waits for the next day), then the queued buys (which lapse)."""
    orders, held = book.orders, book.held
    sold = False
    for k in range(book.counts[C_HELD]):
        j = held[k]
        if orders[j, O_KIND] != EXIT:
            continue
        price = _open_price(m, p, orders, j, t, False)
        if np.isnan(price):
            continue
        orders[j, O_KIND] = IDLE
        trades = _sell(m, book, p, trades, j, t, price, int(orders[j, O_REASON]))
        sold = True
    if sold:
        _keep_open(book)
    for k in range(book.counts[C_BUYS]):
        j = book.queue[k]
        kind = orders[j, O_KIND]
        price = _open_price(m, p, orders, j, t, True)
        orders[j, O_KIND] = IDLE
        if kind == ENTER:
            book.counts[C_ENTERS] -= 1
        if np.isnan(price):
            continue
        quantity, score, atr_value = orders[j, O_QTY], orders[j, O_SCORE], orders[j, O_ATR]
        _buy(m, book, p, j, t, quantity, price, kind == ADD, score, atr_value)
    book.counts[C_BUYS] = 0
    return trades


@inlined
def intraday_exits(m: Market, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Gap-down exits at the open and ATR stops on the day's low."""
    if p.gap_down <= 0.0 and p.atr_stop_mult <= 0.0:
        return trades  # neither is on (a position's stop is 0 without the ATR stop)
    state, opens, lows, last_close, held = book.state, m.open, m.low, book.last_close, book.held
    sold = False
    for k in range(book.counts[C_HELD]):
        j = held[k]
        if np.isnan(opens[j, t]):
            continue
        reason, price = _intraday_exit(state, j, t, opens[j, t], lows[j, t], last_close[j], p)
        if reason != _NO_EXIT:
            price = max(price * (1.0 - p.slippage), m.low[j, t])
            trades = _sell(m, book, p, trades, j, t, price, reason)
            book.orders[j, O_KIND] = IDLE
            sold = True
    if sold:
        _keep_open(book)
    return trades


@inlined
def square_off(m: Market, book: Book, p: Params, trades: Any, t: int) -> Any:
    """The broker's square-off: sell every open position at this bar's close (slippage
    against us, within the bar), or at its last close if the symbol has no bar now; a sell
    still waiting for a fill is dropped (this one replaces it)."""
    last_close, held, orders = book.last_close, book.held, book.orders
    for k in range(book.counts[C_HELD]):
        j = held[k]
        c, low = m.close[j, t], m.low[j, t]
        price = (last_close[j] if np.isnan(c) else c) * (1.0 - p.slippage)
        if not np.isnan(low):
            price = max(price, low)
        orders[j, O_KIND] = IDLE
        book.exit_decided[j] = t
        trades = _sell(m, book, p, trades, j, t, price, SQUARE_OFF)
    if book.counts[C_HELD] > 0:
        _keep_open(book)
    return trades


@inlined
def mark(m: Market, book: Book, t: int) -> float:
    """Take today's closes of the open positions (their last closes and highest closes)
    and return the marked equity."""
    state, last_close, close, held = book.state, book.last_close, m.close, book.held
    marked = book.cash[0]
    for k in range(book.counts[C_HELD]):
        j = held[k]
        c = close[j, t]
        if not np.isnan(c):
            last_close[j] = c
            if c > state[j, HIGHEST]:
                state[j, HIGHEST] = c
        marked += state[j, QTY] * last_close[j]
    return float(marked)


@inlined
def _exit_at_close(
    m: Market, r: Rules, book: Book, p: Params, trades: Any, t: int, j: int, reason: int
) -> Any:
    price = m.close[j, t]
    if reason >= 0 and r.exit_rules[reason, 1] >= 0:
        value = _program(r, r.exit_rules[reason, 1], book, t, j)
        price = value if not np.isnan(value) else price
    price = max(price * (1.0 - p.slippage), m.low[j, t])
    return _sell(m, book, p, trades, j, t, price, reason)


@inlined
def decide_exits(m: Market, r: Rules, book: Book, p: Params, trades: Any, t: int) -> Any:
    """Exit rules, then add-ons, on every held position with today's bar."""
    state, orders, fields, stack, held = book.state, book.orders, book.fields, book.stack, book.held
    close, atr = m.close, m.atr
    rules, bounds, code, series, consts = r.exit_rules, r.bounds, r.code, r.series, r.consts
    flags = r.flags
    has_atr = atr.shape[0] > 0
    exiting = 0
    sold = False
    for k in range(book.counts[C_HELD]):
        j = held[k]
        c = close[j, t]
        if orders[j, O_KIND] != IDLE or np.isnan(c):
            continue
        _position_fields(state, j, t, c, fields)
        reason = _exit_reason(rules, bounds, code, series, flags, consts, fields, stack, p, t, j)
        if reason != _NO_EXIT:
            exiting += 1
            book.exit_decided[j] = t
            if p.fill_at_close:
                trades = _exit_at_close(m, r, book, p, trades, t, j, reason)
                sold = True
            else:
                orders[j, O_KIND] = EXIT
                orders[j, O_REASON] = reason
                orders[j, O_CLOSE] = c
            continue
        if r.addon < 0 or state[j, ADDONS] >= p.addon_max or fields[3] < p.addon_min_bars:
            continue
        start, end = bounds[r.addon, 0], bounds[r.addon, 1]
        if not _run_program(code, start, end, series, flags, consts, t, j, fields, stack):
            continue
        quantity = np.floor(state[j, BASE_QTY] * p.addon_size)
        if quantity <= 0.0:
            continue
        atr_value = atr[j, t] if has_atr else np.nan
        if p.fill_at_close:
            _buy(m, book, p, j, t, quantity, c * (1.0 + p.slippage), True, 0.0, atr_value)
        else:
            orders[j, O_KIND] = ADD
            orders[j, O_QTY] = quantity
            orders[j, O_CLOSE] = c
            orders[j, O_ATR] = atr_value
            book.queue[book.counts[C_BUYS]] = j
            book.counts[C_BUYS] += 1
    book.counts[C_EXITING] = exiting
    if sold:
        _keep_open(book)
    return trades


@inlined
def _committed(m: Market, book: Book, t: int) -> float:
    """Cost of the open positions plus the value of the queued buys at their signal close."""
    total = 0.0
    for j in range(book.state.shape[0]):  # every symbol: the sum keeps the order it had
        total += book.state[j, QTY] * book.state[j, AVG]
        kind = book.orders[j, O_KIND]
        if kind in (ENTER, ADD):
            total += book.orders[j, O_QTY] * book.orders[j, O_CLOSE]
    return total


@inlined
def _conviction(value: float, weight: float) -> float:
    """A cell's conviction: ``value`` itself (``weight`` NaN: the grid is the score), else
    one weighted scorer's points, ``0.0 + nan_to_num(value × weight)``, to the bit as
    `tradertape.strategies.score_kernels.add_weighted` would have written them."""
    if np.isnan(weight):
        return value
    points = value * weight
    if np.isnan(points):
        points = 0.0
    elif points == np.inf:
        points = _LARGEST
    elif points == -np.inf:
        points = -_LARGEST
    return 0.0 + points


@inlined
def _signals(cells: Any, score: Any, weight: float, close: Any, start: int, end: int) -> Any:
    """(first, symbol, key) of `Book`: every entry signal (``cells``: ``symbol × days +
    day``, ascending) on days ``start`` to ``end - 1`` with a bar, listed day by day, in
    symbol order within a day, with minus its score (`_conviction` of ``score`` and
    ``weight``: the cells are weighed here, the grid was not)."""
    days = close.shape[1]
    first = np.zeros(end - start + 1, dtype=np.int64)
    for c in cells:
        j, t = c // days, c % days
        if start <= t < end and not np.isnan(close[j, t]):
            first[t - start + 1] += 1
    for d in range(end - start):
        first[d + 1] += first[d]
    symbol = np.empty(first[end - start], dtype=np.int64)
    key = np.empty(first[end - start])
    at = first[:-1].copy()
    for c in cells:
        j, t = c // days, c % days
        if start <= t < end and not np.isnan(close[j, t]):
            k = at[t - start]
            symbol[k] = j
            key[k] = -_conviction(score[j, t], weight)
            at[t - start] = k + 1
    return first, symbol, key


@inlined
def _candidates(m: Market, r: Rules, book: Book, t: int, record: bool) -> int:
    """Flat symbols signalling today into ``book.candidates`` (symbol order), minus their
    score into ``book.keys``; their count. ``record`` (the scanner): read every symbol, and
    clear its ``O_DROP``; else walk the day's signals (`_signals`)."""
    # Tuple fields go into locals once: each read of one inside the loop would cost a
    # reference-count round trip.
    state, orders, decided = book.state, book.orders, book.exit_decided
    out, keys = book.candidates, book.keys
    n = 0
    if record:
        entry, score, close = r.entry, r.score, m.close
        for j in range(state.shape[0]):
            orders[j, O_DROP] = 0
            if not entry[j, t] or state[j, QTY] != 0.0 or orders[j, O_KIND] != IDLE:
                continue
            if decided[j] != t and not np.isnan(close[j, t]):
                out[n] = j
                keys[n] = -score[j, t]
                n += 1
        return n
    symbols, signal_keys, day = book.signal_symbol, book.signal_key, t - m.start
    for k in range(book.signal_first[day], book.signal_first[day + 1]):
        j = symbols[k]
        if state[j, QTY] == 0.0 and orders[j, O_KIND] == IDLE and decided[j] != t:
            out[n] = j
            keys[n] = signal_keys[k]
            n += 1
    return n


@inlined
def _before(a: float, b: float) -> bool:
    """Whether key ``a`` ranks before ``b`` (NumPy's order: NaN last)."""
    return a < b or (np.isnan(b) and not np.isnan(a))


@inlined
def _rank(keys: Any, order: Any, n: int) -> Any:
    """Candidates ``0..n-1`` by key, equal keys in their own order: a stable sort, as
    ``np.argsort(keys[:n], kind="mergesort")`` (which a long list gets)."""
    if n > _SORT_IN_PLACE:
        return np.argsort(keys[:n], kind="mergesort")
    for k in range(n):
        i = k
        while i > 0 and _before(keys[k], keys[order[i - 1]]):
            order[i] = order[i - 1]
            i -= 1
        order[i] = k
    return order[:n]


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
def _take(m: Market, book: Book, p: Params, t: int, j: int, quantity: float, score: float) -> int:
    """Buy at the close (``fill_at_close``) or queue the entry for the next open, with its
    ``score``; returns `DROP_FUNDS` when the cash cannot pay at the close, else 0."""
    c = m.close[j, t]
    atr_value = m.atr[j, t] if m.atr.shape[0] > 0 else np.nan
    if p.fill_at_close:
        price = c * (1.0 + p.slippage)
        bought = _buy(m, book, p, j, t, quantity, price, False, score, atr_value)
        return 0 if bought else DROP_FUNDS
    orders = book.orders
    orders[j, O_KIND] = ENTER
    book.counts[C_ENTERS] += 1
    orders[j, O_QTY] = quantity
    orders[j, O_CLOSE] = c
    orders[j, O_ATR] = atr_value
    orders[j, O_SCORE] = score
    book.queue[book.counts[C_BUYS]] = j
    book.counts[C_BUYS] += 1
    return 0


@inlined
def _allocate(
    m: Market, r: Rules, book: Book, p: Params, t: int, marked: float, k: int, free: int
) -> int:
    """Size candidate ``k`` on ``marked`` and take it if the caps allow; its drop reason
    (0: taken) goes into ``O_DROP``. Returns the free slots left."""
    j = book.candidates[k]
    s = m.sectors[j]
    c = m.close[j, t]
    quantity = np.floor(p.position_size * marked / c)
    in_sector = book.taken[s] if s >= 0 and p.max_per_sector > 0 else 0
    committed = book.cash[1]
    drop = _drop_reason(p, free, in_sector, quantity, committed, quantity * c, marked)
    if drop == 0:  # (its key is minus its score: negating it again gives the same bits)
        drop = _take(m, book, p, t, j, quantity, -book.keys[k])
    book.orders[j, O_DROP] = drop
    if drop != 0:
        return free
    book.cash[1] = committed + quantity * c
    if s >= 0 and p.max_per_sector > 0:
        book.taken[s] += 1
    return free - 1


@inlined
def _sector_room(m: Market, book: Book, record: bool) -> None:
    """``book.taken``: positions per sector, not counting those exiting at the next open."""
    taken, orders = book.taken, book.orders
    taken[:] = book.sector_count
    # exits only wait on open positions; a book filled in from outside is walked whole
    n_walk = book.state.shape[0] if record else book.counts[C_HELD]
    for k in range(n_walk):
        j = k if record else book.held[k]
        if orders[j, O_KIND] == EXIT and m.sectors[j] >= 0:
            taken[m.sectors[j]] -= 1


@inlined
def decide_entries(
    m: Market, r: Rules, book: Book, p: Params, t: int, marked: float, record: bool
) -> None:
    """Rank today's entry signals by conviction (ties by symbol) into free slots, sectors
    and the oversubscription limit; with ``record``, a candidate not taken keeps its reason
    in ``O_DROP`` (the scanner's record; the backtest needs none)."""
    orders = book.orders
    # positions, and entries still waiting from earlier days (a live GTT)
    holding = book.counts[C_HELD] + book.counts[C_ENTERS]
    free = p.max_positions - holding + (0 if p.fill_at_close else book.counts[C_EXITING])
    if free <= 0 and not record:
        return
    n = _candidates(m, r, book, t, record)
    if n == 0 or free <= 0:
        for k in range(n):
            orders[book.candidates[k], O_DROP] = DROP_SLOTS
        return
    if p.max_per_sector > 0:
        _sector_room(m, book, record)
    book.cash[1] = _committed(m, book, t) if p.max_commit > 0.0 else 0.0
    ranked = _rank(book.keys, book.order, n)
    for i in range(n):
        if free <= 0:
            if record:
                for rest in range(i, n):
                    orders[book.candidates[ranked[rest]], O_DROP] = DROP_SLOTS
            break
        free = _allocate(m, r, book, p, t, marked, ranked[i], free)


@kernel
def decide_day(m: Market, r: Rules, book: Book, p: Params, t: int) -> float:
    """One day's close for the scanner: mark, then decide exits, add-ons and entries into
    ``book.orders`` (with ``O_DROP`` reasons) exactly as the backtest does; returns the
    marked equity. Nothing fills here: the portfolio's broker does that."""
    _reindex(book)
    marked = mark(m, book, t)
    decide_exits(m, r, book, p, np.empty((1, TRADE_COLUMNS)), t)
    decide_entries(m, r, book, p, t, marked, True)
    return marked


@kernel
def empty_book(  # noqa: PLR0913 - plain arrays, as numba types them
    n_symbols: int,
    n_sectors: int,
    cash: float,
    signal_first: Any,
    signal_symbol: Any,
    signal_key: Any,
) -> Book:
    """An empty book over these entry signals: no positions, nothing queued."""
    return Book(
        state=np.zeros((n_symbols, POSITION_COLUMNS)),
        orders=np.zeros((n_symbols, ORDER_COLUMNS)),
        queue=np.zeros(max(1, n_symbols), dtype=np.int64),
        counts=np.zeros(_N_COUNTS, dtype=np.int64),
        cash=np.array([float(cash), 0.0]),  # and, while entries are allocated, the commitment
        last_close=np.full(n_symbols, np.nan),
        exit_decided=np.full(n_symbols, -1, dtype=np.int64),
        sector_count=np.zeros(max(1, n_sectors), dtype=np.int64),
        stack=np.empty(64),
        fields=np.zeros(_N_FIELDS),
        held=np.zeros(max(1, n_symbols), dtype=np.int64),
        candidates=np.zeros(max(1, n_symbols), dtype=np.int64),
        keys=np.zeros(max(1, n_symbols)),
        order=np.zeros(max(1, n_symbols), dtype=np.int64),
        taken=np.zeros(max(1, n_sectors), dtype=np.int64),
        signal_first=signal_first,
        signal_symbol=signal_symbol,
        signal_key=signal_key,
    )


def new_book(n_symbols: int, n_sectors: int, cash: float) -> Book:
    """An empty book without entry signals (the scanner decides one day at a time)."""
    no_signals = (np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    return empty_book(n_symbols, n_sectors, float(cash), *no_signals)


def pack_params(p: Params) -> tuple[Any, Any]:
    """`Params` as (float64 settings, int64 settings), for `simulate` (`_params` unpacks)."""
    floats = (
        p.starting_capital,
        p.position_size,
        p.slippage,
        p.entry_buffer,
        p.exit_buffer,
        p.atr_stop_mult,
        p.gap_down,
        p.addon_size,
        p.flat_charge,
        p.max_commit,
    )
    ints = (
        p.max_positions,
        p.max_per_sector,
        p.fill_at_close,
        p.min_hold,
        p.max_hold,
        p.addon_max,
        p.addon_min_bars,
        p.charge_mode,
    )
    return np.array(floats, dtype=np.float64), np.array(ints, dtype=np.int64)


@inlined
def _params(f: Any, i: Any) -> Params:
    """`pack_params` undone (positional: `Params`' field order)."""
    return Params(
        f[0], f[1], i[0], i[1], f[2], i[2] != 0, f[3], f[4], i[3], i[4], f[5], f[6], i[5],
        f[7], i[6], i[7], f[8], f[9],
    )  # fmt: skip


# -- the loop -----------------------------------------------------------------------------


@kernel
def simulate(  # noqa: PLR0913 - plain arrays: numba types them in C, a tuple in Python
    open_: Any,
    high: Any,
    low: Any,
    close: Any,
    atr: Any,
    sectors: Any,
    rates: Any,
    entry_cells: Any,
    score: Any,
    score_weight: float,
    series: Any,
    flags: Any,
    consts: Any,
    code: Any,
    bounds: Any,
    exit_rules: Any,
    addon: int,
    float_params: Any,
    int_params: Any,
    n_sectors: int,
    start: int,
    end: int,
    phases: Any,
) -> tuple[Any, Any, Any, Any]:
    """Days ``start`` to ``end - 1``: (equity, cash, open positions) per day and the trade
    tape (days counted from the grids' first). ``phases`` is empty for a day run; an
    intraday (MIS) run's days are bars, each with its phase (`TRADING`, `SQUARE_OFF_BAR`,
    `NO_ENTRIES`; see the module docstring).

    The arguments are `Market`'s, `Rules`' (but the entry grid: ``entry_cells`` lists
    where the entry holds, ``symbol × days + day`` ascending, as
    `tradertape.strategies.compile` lists them) and `pack_params`' arrays, and ``score_weight``:
    NaN when ``score`` is the conviction grid, else a weight that makes each cell read the
    conviction of ``score``'s values (`_conviction`; one weighted scorer, whose grid need
    not be written whole for the few cells read). The book starts empty with the starting
    capital in cash. The phases see `_borrowed` views: the arguments are
    held by the caller, the book's arrays by ``owned`` (read again at the end, so it lives
    until then)."""
    m = Market(
        _borrowed(open_), _borrowed(high), _borrowed(low), _borrowed(close), _borrowed(atr),
        _borrowed(sectors), _borrowed(rates), start,
    )  # fmt: skip
    no_grid = np.zeros((0, 0), dtype=np.bool_)  # (the entry is read from the signals)
    r = Rules(
        _borrowed(no_grid), _borrowed(score), _borrowed(series), _borrowed(flags),
        _borrowed(consts), _borrowed(code), _borrowed(bounds), _borrowed(exit_rules), addon,
    )  # fmt: skip
    p = _params(float_params, int_params)
    n_symbols = close.shape[0]
    n_days = end - start
    signal_first, signal_symbol, signal_key = _signals(
        entry_cells, score, score_weight, close, start, end
    )
    owned = empty_book(
        n_symbols, n_sectors, p.starting_capital, signal_first, signal_symbol, signal_key
    )
    book = _borrowed_book(owned)
    equity = np.empty(n_days)
    cash_curve = np.empty(n_days)
    open_count = np.zeros(n_days, dtype=np.int64)
    trades = np.empty((64, TRADE_COLUMNS))
    state, last_close, held = book.state, book.last_close, book.held
    intraday = phases.shape[0] > 0
    for t in range(start, end):
        trades = open_fills(m, book, p, trades, t)
        trades = intraday_exits(m, book, p, trades, t)
        marked = mark(m, book, t)
        phase = phases[t] if intraday else TRADING
        if phase == SQUARE_OFF_BAR:
            trades = square_off(m, book, p, trades, t)
        trades = decide_exits(m, r, book, p, trades, t)
        if phase == TRADING:
            decide_entries(m, r, book, p, t, marked, False)
        value = book.cash[0]
        for k in range(book.counts[C_HELD]):
            j = held[k]
            value += state[j, QTY] * last_close[j]
        equity[t - start] = value
        cash_curve[t - start] = book.cash[0]
        open_count[t - start] = book.counts[C_HELD]
    # Open positions at the end are reported at the last close (a mark, no exit costs).
    for k in range(book.counts[C_HELD]):
        j = held[k]
        trades = _record(
            trades, book.counts, state, j, end - 1, last_close[j], state[j, PAID], END_OF_DATA
        )
    # (``no_grid`` read here too: it lives as long as its view)
    return equity, cash_curve, open_count, trades[: owned.counts[C_TRADES] + no_grid.size]


# -- the trade tape -----------------------------------------------------------------------


@kernel
def tape_columns(trades: Any) -> tuple[Any, Any]:
    """`simulate`'s trade rows sorted by (entry day, exit day, symbol), stably (as
    `np.lexsort` sorts them), as columns: int64 (symbol, entry, exit, quantity, reason,
    add-ons, bars held) and float64 (entry price, exit price, P&L, P&L %, charges,
    conviction), one row each. One call: NumPy takes twenty, which cost more than a short
    run's whole tape. P&L is ``(exit - entry) × quantity - charges``, P&L % is P&L over
    ``entry × quantity``, in percent: the same operations, in the same order, as NumPy's."""
    n = trades.shape[0]
    days = 1.0
    symbols = 1.0
    for i in range(n):
        days = max(days, trades[i, T_EXIT] + 1.0, trades[i, T_ENTRY] + 1.0)
        symbols = max(symbols, trades[i, T_SYMBOL] + 1.0)
    d, s = np.int64(days), np.int64(symbols)
    keys = np.empty(n, dtype=np.int64)
    for i in range(n):  # (entry, exit, symbol) as one number, in the same order
        entry, exit_ = np.int64(trades[i, T_ENTRY]), np.int64(trades[i, T_EXIT])
        keys[i] = (entry * d + exit_) * s + np.int64(trades[i, T_SYMBOL])
    order = np.argsort(keys, kind="mergesort")  # stable, like `np.lexsort`
    ints = np.empty((7, n), dtype=np.int64)
    floats = np.empty((6, n))
    for i in range(n):
        k = order[i]
        qty, entry_price, charges = trades[k, T_QTY], trades[k, T_ENTRY_PRICE], trades[k, T_CHARGES]
        pnl = (trades[k, T_EXIT_PRICE] - entry_price) * qty - charges
        ints[0, i] = np.int64(trades[k, T_SYMBOL])
        ints[1, i] = np.int64(trades[k, T_ENTRY])
        ints[2, i] = np.int64(trades[k, T_EXIT])
        ints[3, i] = np.int64(qty)
        ints[4, i] = np.int64(trades[k, T_REASON])
        ints[5, i] = np.int64(trades[k, T_ADDONS])
        ints[6, i] = ints[2, i] - ints[1, i]
        floats[0, i] = entry_price
        floats[1, i] = trades[k, T_EXIT_PRICE]
        floats[2, i] = pnl
        floats[3, i] = pnl / (entry_price * qty) * 100.0
        floats[4, i] = charges
        floats[5, i] = trades[k, T_CONVICTION]
    return ints, floats


# -- the summary's element-wise steps -------------------------------------------------------


@kernel
def curve_steps(
    starting_capital: float, equity: Any, positions: Any
) -> tuple[Any, Any, float, int]:
    """The equity curve that starts at ``starting_capital``: its daily returns, their
    downside squared (``min(r, 0)²``), its lowest value over the running peak, and the days
    with a position open; NumPy's steps (``np.diff(curve) / curve[:-1]``, `np.minimum`,
    `np.maximum.accumulate`, a division, `np.min`, a count), value for value and NaN for
    NaN, in one pass. (The sums stay NumPy's: `metrics.summarize` takes them pairwise.)"""
    n = equity.shape[0]
    returns = np.empty(n)
    below = np.empty(n)
    previous = peak = starting_capital
    lowest = starting_capital / starting_capital
    for i in range(n):
        value = equity[i]
        r = (value - previous) / previous
        returns[i] = r
        below[i] = r * r if r < 0.0 or r != r else 0.0
        if value > peak or value != value:  # (once NaN, the peak stays NaN)
            peak = value
        relative = value / peak
        if relative < lowest or relative != relative:
            lowest = relative
        previous = value
    invested = 0
    for t in range(positions.shape[0]):
        invested += positions[t] > 0
    return returns, below, lowest, invested


@kernel
def closed_trades(reason: Any, pnl: Any, entry: Any, exit_: Any) -> tuple[Any, Any, Any, int]:
    """The closed trades' P&L (reason not `END_OF_DATA`), its wins (> 0) and losses (≤ 0),
    in trade order, and their days held in all (whole days: exact): NumPy's masks in one
    call."""
    closed = reason != END_OF_DATA
    held = 0
    for i in range(reason.shape[0]):
        if closed[i]:
            held += exit_[i] - entry[i]
    pnl = pnl[closed]
    return pnl, pnl[pnl > 0], pnl[pnl <= 0], held
