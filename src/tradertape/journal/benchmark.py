"""The journal's Benchmark (spec §10.5): your equity curve against an index (or a fund),
both normalised to 1 on the first day, with CAGR, XIRR, Sharpe, max drawdown, alpha, beta
and correlation over all time, 1, 3 or 5 years.

Index history is imported (`parse_index_closes`), never the synthetic market. Your curve:
each day's value is the money you put in (capital flows) plus the P&L you realised, net
of charges; its daily return removes that day's flows (time-weighted), so adding money is
not a gain. Sharpe uses no risk-free rate (a bare ratio of mean to spread of daily
returns, × √252); alpha is annualised (252 days), from the regression of your daily
returns on the index's; the benchmark is a buy-and-hold from the first day's close.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from tradertape.journal.bounds import LATEST
from tradertape.journal.xirr import xirr

INDICES = ("NIFTY 50", "NIFTY 100", "NIFTY NEXT 50", "NIFTY MIDCAP 50")
PERIODS = {"all": None, "1y": 1, "3y": 3, "5y": 5}
TRADING_DAYS = 252
LIMIT = Decimal(10) ** 9
FIRST_CLOSE = date(1900, 1, 1)  # older than any Indian index's history
_DATE_COLUMNS = ("date", "index date", "timestamp", "nav date")
_CLOSE_COLUMNS = ("close", "closing index value", "close price", "closing value", "nav", "value")
_NAME_COLUMNS = ("index name", "index", "symbol", "scheme name")
_DATES = ("%d-%b-%Y", "%d %b %Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%B-%Y", "%d %B %Y")


class BadIndexFile(ValueError):  # noqa: N818 - reads as the answer
    """Not an index history we can read; the message names the line."""


def index_name(name: str) -> str:
    """``Nifty Next 50`` → ``NIFTY NEXT 50``."""
    return " ".join(name.upper().split())[:64]


def _day(cell: str) -> date | None:
    text = cell.strip().strip('"')
    for layout in _DATES:
        try:
            return datetime.strptime(text, layout).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


def _row_day(cell: str, number: int) -> date:
    day = _day(cell)
    if day is None:
        raise BadIndexFile(f"line {number}: date {cell.strip()!r} is not a date")
    if not FIRST_CLOSE <= day <= LATEST:
        raise BadIndexFile(f"line {number}: date {day} is not between {FIRST_CLOSE} and {LATEST}")
    return day


def _close(cell: str, number: int) -> Decimal:
    text = cell.strip().strip('"').replace(",", "")
    try:
        close = Decimal(text)
    except InvalidOperation:
        raise BadIndexFile(f"line {number}: close {text!r} is not a number") from None
    if not close.is_finite() or not 0 < close < LIMIT:
        raise BadIndexFile(f"line {number}: close {text!r} is not a positive number under 10^9")
    return close


def _rows(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as problem:
        raise BadIndexFile(f"not a CSV file: {problem}") from None


def parse_index_closes(text: str, *, name: str | None) -> list[tuple[str, date, Decimal]]:
    """(name, day, close) rows. A file with an index-name column (the daily
    ``ind_close_all`` bhavcopy) may hold many indices (``name`` keeps one); one without it
    (NSE's historical CSV, ``date,close``) needs ``name`` (a ValueError otherwise)."""
    rows = _rows(text)
    found_header = None
    for i, row in enumerate(rows[:20]):
        cells = [c.strip().strip('"').strip().lower() for c in row]
        if any(c in _DATE_COLUMNS for c in cells) and any(c in _CLOSE_COLUMNS for c in cells):
            found_header = i, cells
            break
    if found_header is None:
        raise BadIndexFile("no header with a date and a close column (Date, Close)")
    start, header = found_header
    at_date = next(header.index(c) for c in _DATE_COLUMNS if c in header)
    at_close = next(header.index(c) for c in _CLOSE_COLUMNS if c in header)
    at_name = next((header.index(c) for c in _NAME_COLUMNS if c in header), None)
    wanted = index_name(name) if name else None
    if at_name is None and wanted is None:
        raise ValueError("name the index or fund this file is the history of")
    out: dict[tuple[str, date], Decimal] = {}
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(at_date, at_close, at_name or 0):
            raise BadIndexFile(f"line {number}: too few fields")
        series = index_name(row[at_name]) if at_name is not None else wanted
        if series is None or (wanted is not None and series != wanted):
            continue
        out[series, _row_day(row[at_date], number)] = _close(row[at_close], number)
    if not out:
        raise BadIndexFile(f"no rows of {wanted}" if wanted else "no rows")
    return sorted(((n, d, c) for (n, d), c in out.items()), key=lambda r: (r[0], r[1]))


@dataclass(frozen=True, slots=True)
class Curve:
    """The user's account as money in and realised P&L, a step per day it changes."""

    days: list[date]
    flows: list[Decimal]  # cumulative money in up to and including the day
    pnl: list[Decimal]  # cumulative realised net P&L up to and including the day

    def at(self, day: date) -> tuple[Decimal, Decimal]:
        i = bisect.bisect_right(self.days, day) - 1
        if i < 0:
            return Decimal(0), Decimal(0)
        return self.flows[i], self.pnl[i]


def curve(flows: Sequence[tuple[date, Decimal]], pnl: Sequence[tuple[date, Decimal]]) -> Curve:
    """The step curve of cumulative flows and realised P&L."""
    days = sorted({d for d, _ in flows} | {d for d, _ in pnl})
    by_flow: dict[date, Decimal] = {}
    by_pnl: dict[date, Decimal] = {}
    for d, a in flows:
        by_flow[d] = by_flow.get(d, Decimal(0)) + a
    for d, a in pnl:
        by_pnl[d] = by_pnl.get(d, Decimal(0)) + a
    run_f = run_p = Decimal(0)
    fs, ps = [], []
    for d in days:
        run_f += by_flow.get(d, Decimal(0))
        run_p += by_pnl.get(d, Decimal(0))
        fs.append(run_f)
        ps.append(run_p)
    return Curve(days, fs, ps)


@dataclass(frozen=True, slots=True)
class Metrics:
    cagr: Decimal | None
    xirr: Decimal | None
    sharpe: Decimal | None
    max_drawdown: Decimal | None
    total_return: Decimal | None


@dataclass(frozen=True, slots=True)
class Comparison:
    start: date
    end: date
    points: list[tuple[date, Decimal, Decimal]]  # day, you (normalised), the benchmark
    you: Metrics
    benchmark: Metrics
    alpha: Decimal | None
    beta: Decimal | None
    correlation: Decimal | None


def _q(value: float | None, places: str = "0.0001") -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    return Decimal(repr(value)).quantize(Decimal(places))


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def _metrics(
    normalised: Sequence[float],
    returns: Sequence[float],
    days: Sequence[date],
    cashflows: list[tuple[date, Decimal]] | None,
) -> Metrics:
    span = (days[-1] - days[0]).days
    final = normalised[-1]
    cagr = final ** (365.0 / span) - 1 if span > 0 and final > 0 else None
    sharpe = None
    if len(returns) > 1:
        m = _mean(returns)
        sd = math.sqrt(sum((r - m) ** 2 for r in returns) / (len(returns) - 1))
        sharpe = m / sd * math.sqrt(TRADING_DAYS) if sd > 0 else None
    peak, worst = normalised[0], 0.0
    for value in normalised:
        peak = max(peak, value)
        if peak > 0:
            worst = min(worst, value / peak - 1)
    rate = xirr(cashflows) if cashflows else None
    return Metrics(_q(cagr), rate, _q(sharpe), _q(worst), _q(final - 1))


def _regression(you: Sequence[float], bench: Sequence[float]) -> tuple[float, float, float] | None:
    if len(you) < 2:
        return None
    my, mb = _mean(you), _mean(bench)
    cov = sum((a - my) * (b - mb) for a, b in zip(you, bench, strict=True))
    var_b = sum((b - mb) ** 2 for b in bench)
    var_y = sum((a - my) ** 2 for a in you)
    if var_b == 0:
        return None
    beta = cov / var_b
    alpha = (my - beta * mb) * TRADING_DAYS
    corr = cov / math.sqrt(var_b * var_y) if var_y > 0 else 0.0
    return alpha, beta, corr


def window(period: str, first: date, last: date) -> date:
    """The first day of a period ending on `last` (never before `first`)."""
    years = PERIODS[period]
    if years is None:
        return first
    return max(first, last - timedelta(days=365 * years + years // 4))


def compare(
    account: Curve, closes: Sequence[tuple[date, Decimal]], start: date, end: date
) -> Comparison | None:
    """Your curve and the benchmark's on the benchmark's days in [start, end]; None when
    fewer than two such days have money in the account."""
    days = [d for d, _ in closes if start <= d <= end]
    price = dict(closes)
    days = [d for d in days if sum(account.at(d)) > 0]
    if len(days) < 2:
        return None
    values = [float(sum(account.at(d))) for d in days]
    money = [float(account.at(d)[0]) for d in days]
    mine, theirs = [1.0], [1.0]
    r_me: list[float] = []
    r_them: list[float] = []
    for i in range(1, len(days)):
        added = money[i] - money[i - 1]
        before = values[i - 1]
        r = (values[i] - added) / before - 1 if before > 0 else 0.0
        b = float(price[days[i]] / price[days[i - 1]]) - 1
        r_me.append(r)
        r_them.append(b)
        mine.append(mine[-1] * (1 + r))
        theirs.append(theirs[-1] * (1 + b))
    # XIRR of the account: its value on the first day and each flow after it go in, its
    # value on the last day comes out
    flows: list[tuple[date, Decimal]] = [(days[0], -Decimal(repr(values[0])))]
    for i in range(1, len(days)):
        step = Decimal(repr(money[i] - money[i - 1]))
        if step:
            flows.append((days[i], -step))
    flows.append((days[-1], Decimal(repr(values[-1]))))
    bench_flows = [(days[0], Decimal(-1)), (days[-1], Decimal(repr(theirs[-1])))]
    fit = _regression(r_me, r_them)
    return Comparison(
        start=days[0],
        end=days[-1],
        points=[
            (
                d,
                Decimal(repr(a)).quantize(Decimal("0.0001")),
                Decimal(repr(b)).quantize(Decimal("0.0001")),
            )
            for d, a, b in zip(days, mine, theirs, strict=True)
        ],
        you=_metrics(mine, r_me, days, flows),
        benchmark=_metrics(theirs, r_them, days, bench_flows),
        alpha=_q(fit[0]) if fit else None,
        beta=_q(fit[1]) if fit else None,
        correlation=_q(fit[2]) if fit else None,
    )
