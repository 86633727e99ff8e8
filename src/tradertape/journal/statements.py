"""Broker statements parsed into trades and ledger entries (reference §6), as pure functions.

Layouts known: Zerodha Console's tradebook (EQ and FO; XLSX with a preamble, or CSV),
Zerodha's ledger, Upstox's trade report and Groww's stock order history. The header row is
found by scanning the first `HEADER_SCAN` rows for a layout's columns, so a preamble of any
length is skipped; the account, segment and date range come from the preamble ("Client ID",
"Tradebook for Equity from … to …") or, failing that, from Console's file name
(``tradebook-XU6206-EQ-2023-01-01-to-2023-03-31.xlsx``).

A file is parsed whole: every row is read, and each bad one is an error with its row number
(the sheet's, counting the preamble, as the user sees it in a spreadsheet) and the reason;
the caller stores a file only when it has none. Each trade carries a dedupe ``key``: the
broker's trade id with its order id (Zerodha), the exchange order id with its execution
time (Groww, which has no trade id), or the trade number with its day and exchange (Upstox,
which has no order id; its trade numbers restart each day).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from tradertape.domain.calendar import IST
from tradertape.domain.decimal_input import MAX_PRICE, parse_decimal
from tradertape.domain.orders import MAX_QUANTITY
from tradertape.journal.bounds import EARLIEST, LATEST, MAX_DIGITS
from tradertape.journal.sheets import Cell, Sheet

HEADER_SCAN = 30
# The widths of the columns the rows are stored in (`db.models.journal`)
WIDTHS = {
    "account": 32,
    "exchange": 8,
    "segment": 8,
    "symbol": 64,
    "isin": 16,
    "id": 40,
    "instrument_type": 16,
    "ledger_text": 40,
}
TRADEBOOK = "tradebook"
LEDGER = "ledger"
ZERODHA = "zerodha"
UPSTOX = "upstox"
GROWW = "groww"


class WrongLayout(ValueError):  # noqa: N818 - reads as the answer: "wrong layout"
    """A spreadsheet, but not a statement of the kind asked for."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of a file was not read; ``row`` counts from 1, preamble included."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class StatementTrade:
    """One execution from a statement; quantities as sent (an obfuscated file scales them)."""

    row: int
    key: str
    broker: str
    exchange: str
    segment: str
    symbol: str
    isin: str | None
    trade_date: date
    executed_at: datetime | None
    side: str  # buy | sell
    quantity: Decimal
    price: Decimal
    trade_id: str
    order_id: str
    expiry: date | None = None
    instrument_type: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger line: a debit or a credit with the running balance."""

    row: int
    key: str
    posting_date: date
    particulars: str
    cost_center: str | None
    voucher_type: str | None
    debit: Decimal
    credit: Decimal
    net_balance: Decimal | None


@dataclass(slots=True)
class Statement:
    """A parsed file: what it is, its rows and the errors that keep it from being stored."""

    kind: str
    broker: str
    account_code: str | None = None
    segment: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    rows_read: int = 0
    skipped: int = 0  # rows that are no trade (a cancelled Groww order, a balance line)
    trades: list[StatementTrade] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _RowProblem(ValueError):
    pass


# ----------------------------------------------------------------------------- cells


def _norm(cell: Cell) -> str:
    if not isinstance(cell, str):
        return ""
    return re.sub(r"[^a-z0-9]+", "_", cell.lower()).strip("_")


def _text(cell: Cell, name: str, *, required: bool = True, width: int | None = None) -> str:
    if cell is None:
        if required:
            raise _RowProblem(f"{name} is empty")
        return ""
    if isinstance(cell, Decimal):
        text = format(cell.normalize(), "f") if cell == cell.to_integral_value() else str(cell)
    elif isinstance(cell, datetime | date | time):
        text = cell.isoformat()
    else:
        text = cell
    if width is not None and len(text) > width:
        raise _RowProblem(f"{name} {text[:width]}… is longer than {width} characters")
    return text


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:24]}…"


def _decimal(
    cell: Cell,
    name: str,
    *,
    positive: bool = False,
    signed: bool = False,
    most: Decimal | None = None,
) -> Decimal:
    """A cell's number by the one number rule (`domain.decimal_input`: a plain numeral,
    finite, zero or between 10^-8 and 10^15), of at most `MAX_DIGITS` digits and `most`."""
    if cell is None:
        raise _RowProblem(f"{name} is empty")
    if not isinstance(cell, Decimal | str):
        raise _RowProblem(f"{name} is not a number")
    shown = _short(str(cell))
    value = _plain(str(cell), isinstance(cell, str))
    if isinstance(value, str):
        raise _RowProblem(f"{name} {shown!r} {value}")
    if positive and value <= 0:
        raise _RowProblem(f"{name} {shown} is not above zero")
    if not positive and not signed and value < 0:
        raise _RowProblem(f"{name} {shown} is negative")
    if most is not None and abs(value) > most:
        raise _RowProblem(f"{name} {shown} is above {most:,}")
    return value


def _quantity(cell: Cell, name: str) -> Decimal:
    return _decimal(cell, name, positive=True, most=Decimal(MAX_QUANTITY))


@lru_cache(maxsize=8192)
def _plain(text: str, written: bool) -> Decimal | str:
    """`text` (a cell's text when `written`, else a numeric cell's exact digits) by the one
    number rule, or why not; cached, as a statement's prices and quantities repeat (keyed
    by the text, so ``10.000000`` stays ``10.000000``)."""
    try:
        value = parse_decimal(text.replace(",", "") if written else Decimal(text))
    except InvalidOperation as problem:
        return f"is not a number of sane size ({problem})"
    if len(value.as_tuple().digits) > MAX_DIGITS:
        return f"has more than {MAX_DIGITS} digits"
    return value


def _in_bounds(day: date, name: str, shown: object) -> date:
    if not EARLIEST <= day <= LATEST:
        raise _RowProblem(f"{name} {shown} is not between {EARLIEST} and {LATEST}")
    return day


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d-%b-%Y", "%d %b %Y")
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d-%m-%Y %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %I:%M %p",
)


def _date(cell: Cell, name: str) -> date:
    """A day between `EARLIEST` and `LATEST`."""
    return _in_bounds(_any_date(cell, name), name, cell)


def _any_date(cell: Cell, name: str) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, str):
        if len(cell) >= 10 and cell[4] == "-":  # ISO, as Console writes it: the fast way
            try:
                return date.fromisoformat(cell[:10])
            except ValueError:
                pass
        for layout in _DATE_FORMATS:
            try:
                return datetime.strptime(cell[:11].strip(), layout).date()  # noqa: DTZ007
            except ValueError:
                continue
        raise _RowProblem(f"{name} {_short(cell)!r} is not a date")
    raise _RowProblem(f"{name} is empty" if cell is None else f"{name} is not a date")


def _moment(cell: Cell, name: str) -> datetime:
    """An IST wall time (statements carry no offset) as an aware datetime, its day between
    `EARLIEST` and `LATEST` (so it converts to UTC and back)."""
    moment = _any_moment(cell, name)
    _in_bounds(moment.date(), name, cell)
    return moment


def _any_moment(cell: Cell, name: str) -> datetime:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=IST) if cell.tzinfo is None else cell
    if isinstance(cell, str):
        if len(cell) >= 19 and cell[4] == "-":
            try:
                moment = datetime.fromisoformat(cell)
            except ValueError:
                moment = None
            if moment is not None:
                return moment.replace(tzinfo=IST) if moment.tzinfo is None else moment
        for layout in _DATETIME_FORMATS:
            try:
                return datetime.strptime(cell, layout).replace(tzinfo=IST)  # noqa: DTZ007
            except ValueError:
                continue
        raise _RowProblem(f"{name} {_short(cell)!r} is not a date and time")
    raise _RowProblem(f"{name} is empty" if cell is None else f"{name} is not a date and time")


def _clock(cell: Cell, name: str) -> time:
    if isinstance(cell, time):
        return cell
    if isinstance(cell, datetime):
        return cell.time()
    if isinstance(cell, str):
        try:
            return time.fromisoformat(cell)
        except ValueError:
            raise _RowProblem(f"{name} {cell!r} is not a time") from None
    raise _RowProblem(f"{name} is empty")


def _side(cell: Cell, name: str) -> str:
    side = _text(cell, name).strip().lower()
    if side not in ("buy", "sell", "b", "s"):
        raise _RowProblem(f"{name} {cell!r} is neither buy nor sell")
    return "buy" if side in ("buy", "b") else "sell"


# ----------------------------------------------------------------------------- layouts


@dataclass(frozen=True, slots=True)
class _Layout:
    broker: str
    kind: str
    columns: tuple[str, ...]  # normalised header names that must all be present
    parse: Callable[[dict[str, Cell], int, Statement], None]


class _Row:
    def __init__(self, cells: dict[str, Cell]) -> None:
        self.cells = cells

    def __getitem__(self, name: str) -> Cell:
        return self.cells.get(name)


def _zerodha_trade(cells: dict[str, Cell], row: int, out: Statement) -> None:
    r = _Row(cells)
    trade_id = _text(r["trade_id"], "trade_id", width=WIDTHS["id"])
    order_id = _text(r["order_id"], "order_id", width=WIDTHS["id"])
    executed = r["order_execution_time"]
    segment = _text(r["segment"], "segment", required=False, width=WIDTHS["segment"]).upper()
    segment = segment or (out.segment or "EQ")
    expiry = _date(r["expiry_date"], "expiry_date") if r["expiry_date"] is not None else None
    out.trades.append(
        StatementTrade(
            row=row,
            key=f"{ZERODHA}:{trade_id}:{order_id}",
            broker=ZERODHA,
            exchange=_text(r["exchange"], "exchange", width=WIDTHS["exchange"]).upper(),
            segment=segment,
            symbol=_text(r["symbol"], "symbol", width=WIDTHS["symbol"]).upper(),
            isin=_text(r["isin"], "isin", required=False, width=WIDTHS["isin"]) or None,
            trade_date=_date(r["trade_date"], "trade_date"),
            executed_at=_moment(executed, "order_execution_time") if executed else None,
            side=_side(r["trade_type"], "trade_type"),
            quantity=_quantity(r["quantity"], "quantity"),
            price=_decimal(r["price"], "price", most=MAX_PRICE),
            trade_id=trade_id,
            order_id=order_id,
            expiry=expiry,
        )
    )


def _upstox_trade(cells: dict[str, Cell], row: int, out: Statement) -> None:
    r = _Row(cells)
    day = _date(r["date"], "Date")
    exchange = _text(r["exchange"], "Exchange", width=WIDTHS["exchange"]).upper()
    number = _text(r["trade_num"], "Trade Num", width=WIDTHS["id"])
    at = _clock(r["trade_time"], "Trade Time") if r["trade_time"] is not None else None
    expiry = _date(r["expiry"], "Expiry") if r["expiry"] is not None else None
    scrip = _text(r["scrip_code"], "Scrip Code", required=False, width=WIDTHS["symbol"])
    symbol = (
        scrip
        if scrip and not scrip.isdigit()
        else _text(r["company"], "Company", width=WIDTHS["symbol"])
    )
    out.trades.append(
        StatementTrade(
            row=row,
            key=f"{UPSTOX}:{day.isoformat()}:{exchange}:{number}",
            broker=UPSTOX,
            exchange=exchange,
            segment=_text(r["segment"], "Segment", required=False, width=WIDTHS["segment"]).upper()
            or "EQ",
            symbol=symbol.upper(),
            isin=None,
            trade_date=day,
            executed_at=datetime.combine(day, at, tzinfo=IST) if at else None,
            side=_side(r["side"], "Side"),
            quantity=_quantity(r["quantity"], "Quantity"),
            price=_decimal(r["price"], "Price", most=MAX_PRICE),
            trade_id=number,
            order_id="",
            expiry=expiry,
            instrument_type=_text(
                r["instrument_type"],
                "Instrument Type",
                required=False,
                width=WIDTHS["instrument_type"],
            )
            or None,
        )
    )


def _groww_trade(cells: dict[str, Cell], row: int, out: Statement) -> None:
    r = _Row(cells)
    status = _text(r["order_status"], "Order status", required=False).lower()
    if status and status != "executed":
        out.skipped += 1
        return
    order_id = _text(r["exchange_order_id"], "Exchange Order Id", width=WIDTHS["id"])
    at = _moment(r["execution_date_and_time"], "Execution date and time")
    quantity = _quantity(r["quantity"], "Quantity")
    value = _decimal(r["value"], "Value")
    if value / quantity > MAX_PRICE:
        raise _RowProblem(
            f"Value {_short(str(value))} over Quantity is a price above {MAX_PRICE:,}"
        )
    out.trades.append(
        StatementTrade(
            row=row,
            key=f"{GROWW}:{order_id}:{at.isoformat()}",
            broker=GROWW,
            exchange=_text(r["exchange"], "Exchange", width=WIDTHS["exchange"]).upper(),
            segment="EQ",
            symbol=_text(r["symbol"], "Symbol", width=WIDTHS["symbol"]).upper(),
            isin=_text(r["isin"], "ISIN", required=False, width=WIDTHS["isin"]) or None,
            trade_date=at.date(),
            executed_at=at,
            side=_side(r["type"], "Type"),
            quantity=quantity,
            price=value / quantity,
            trade_id="",
            order_id=order_id,
        )
    )


def _zerodha_ledger(cells: dict[str, Cell], row: int, out: Statement) -> None:
    r = _Row(cells)
    particulars = _text(r["particulars"], "particulars", required=False)
    if r["posting_date"] is None and particulars.lower() in ("opening balance", "closing balance"):
        out.skipped += 1
        return
    day = _date(r["posting_date"], "posting_date")
    debit = _decimal(r["debit"], "debit") if r["debit"] is not None else Decimal(0)
    credit = _decimal(r["credit"], "credit") if r["credit"] is not None else Decimal(0)
    balance = r["net_balance"]
    net = None if balance is None else _decimal(balance, "net_balance", signed=True)
    voucher = (
        _text(r["voucher_type"], "voucher_type", required=False, width=WIDTHS["ledger_text"])
        or None
    )
    out.entries.append(
        LedgerEntry(
            row=row,
            key=f"{ZERODHA}:{day.isoformat()}:{voucher}:{particulars}:{debit}:{credit}:{net}",
            posting_date=day,
            particulars=particulars,
            cost_center=_text(
                r["cost_center"], "cost_center", required=False, width=WIDTHS["ledger_text"]
            )
            or None,
            voucher_type=voucher,
            debit=debit,
            credit=credit,
            net_balance=net,
        )
    )


_ZERODHA_TRADE_COLUMNS = (
    "symbol",
    "trade_date",
    "exchange",
    "trade_type",
    "quantity",
    "price",
    "trade_id",
    "order_id",
)
LAYOUTS: tuple[_Layout, ...] = (
    _Layout(ZERODHA, TRADEBOOK, _ZERODHA_TRADE_COLUMNS, _zerodha_trade),
    _Layout(
        UPSTOX,
        TRADEBOOK,
        ("date", "company", "exchange", "trade_num", "side", "quantity", "price"),
        _upstox_trade,
    ),
    _Layout(
        GROWW,
        TRADEBOOK,
        ("symbol", "type", "quantity", "value", "exchange_order_id", "execution_date_and_time"),
        _groww_trade,
    ),
    _Layout(
        ZERODHA,
        LEDGER,
        ("particulars", "posting_date", "debit", "credit"),
        _zerodha_ledger,
    ),
)

_EXPECTED = {
    TRADEBOOK: "a tradebook (Zerodha Console, Upstox trade report or Groww order history)",
    LEDGER: "a Zerodha ledger (particulars, posting_date, debit, credit, net_balance)",
}


def _find_header(sheet: Sheet, kind: str) -> tuple[_Layout, int, list[str]]:
    for index, row in enumerate(sheet.rows[:HEADER_SCAN]):
        names = [_norm(cell) for cell in row]
        present = set(names)
        for layout in LAYOUTS:
            if layout.kind == kind and set(layout.columns) <= present:
                return layout, index, names
    raise WrongLayout(
        f"no header of {_EXPECTED[kind]} in its first {HEADER_SCAN} rows; "
        f"is it the right file for a {kind} upload?"
    )


# ----------------------------------------------------------------------------- preamble

_FILE_NAME = re.compile(
    r"(?P<kind>tradebook|ledger)-(?P<account>[A-Z0-9]+)(?:-(?P<segment>EQ|FO|CD|COM|MF))?"
    r"-(?P<start>\d{4}-\d{2}-\d{2})-to-(?P<end>\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"(?:tradebook|ledger|p&l statement)\s+for\s+(?P<segment>.+?)\s+from\s+"
    r"(?P<start>\d{4}-\d{2}-\d{2})\s+to\s+(?P<end>\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_SEGMENTS = {
    "equity": "EQ",
    "eq": "EQ",
    "futures & options": "FO",
    "futures and options": "FO",
    "f&o": "FO",
    "fo": "FO",
    "currency": "CD",
    "commodity": "COM",
    "mutual funds": "MF",
}


def _period(start: str, end: str) -> tuple[date, date] | None:
    """A title's or file name's period when both are days within bounds, in order; else
    None (the trades' own days are the period then)."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    if not EARLIEST <= first <= last <= LATEST:
        return None
    return first, last


def _account(text: str, row: int, out: Statement) -> None:
    if len(text) > WIDTHS["account"]:
        out.errors.append(
            RowError(row, f"client id {_short(text)} is longer than {WIDTHS['account']} characters")
        )
    elif text:
        out.account_code = text


def _read_preamble(sheet: Sheet, header: int, out: Statement) -> None:
    for row, number in zip(sheet.rows[:header], sheet.numbers, strict=False):
        cells = [cell for cell in row if cell is not None]
        for i, cell in enumerate(cells):
            if not isinstance(cell, str):
                continue
            label = _norm(cell)
            if label in ("client_id", "unique_client_code", "client_code") and i + 1 < len(cells):
                _account(_text(cells[i + 1], "client id").upper(), number, out)
            elif label.startswith("client_id") and ":" in cell:
                _account(cell.split(":", 1)[1].strip().upper(), number, out)
            title = _TITLE.search(cell)
            if title:
                out.segment = _SEGMENTS.get(title["segment"].strip().lower(), out.segment)
                period = _period(title["start"], title["end"])
                if period:
                    out.date_from, out.date_to = period


def _read_file_name(filename: str, out: Statement) -> None:
    found = _FILE_NAME.search(filename)
    if not found:
        return
    account = found["account"].upper()
    if len(account) <= WIDTHS["account"]:
        out.account_code = out.account_code or account
    if found["segment"]:
        out.segment = out.segment or found["segment"].upper()
    period = _period(found["start"], found["end"])
    if period and out.date_from is None:
        out.date_from, out.date_to = period


# ----------------------------------------------------------------------------- parse


def parse_statement(
    sheet: Sheet, *, kind: str, filename: str = "", today: date | None = None
) -> Statement:
    """Every row of `sheet` read as `kind` (`TRADEBOOK` or `LEDGER`); `WrongLayout` when no
    known header is found. Row problems are collected, never raised; with `today`, a day
    after tomorrow is one."""
    layout, header, names = _find_header(sheet, kind)
    out = Statement(kind=kind, broker=layout.broker)
    _read_preamble(sheet, header, out)
    _read_file_name(filename, out)
    for index in range(header + 1, len(sheet.rows)):
        cells = sheet.rows[index]
        if all(cell is None for cell in cells):
            continue
        row_number = sheet.numbers[index]
        out.rows_read += 1
        named = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        try:
            layout.parse(named, row_number, out)
        except _RowProblem as problem:
            out.errors.append(RowError(row_number, str(problem)))
    if today is not None:
        _check_future(out, today + timedelta(days=1))
    _check_repeats(out)
    if out.trades:
        days = [trade.trade_date for trade in out.trades]
        out.date_from = out.date_from or min(days)
        out.date_to = out.date_to or max(days)
        if out.segment is None:
            segments = {trade.segment for trade in out.trades}
            out.segment = segments.pop() if len(segments) == 1 else None
    if out.entries:
        days = [entry.posting_date for entry in out.entries]
        out.date_from = out.date_from or min(days)
        out.date_to = out.date_to or max(days)
    return out


def _check_future(out: Statement, latest: date) -> None:
    """A trade or ledger line dated after tomorrow is a broken row (a file cannot report it)."""
    for trade in out.trades:
        if trade.trade_date > latest:
            out.errors.append(
                RowError(trade.row, f"trade date {trade.trade_date} is in the future")
            )
    for entry in out.entries:
        if entry.posting_date > latest:
            out.errors.append(
                RowError(entry.row, f"posting_date {entry.posting_date} is in the future")
            )
    if out.errors:
        out.errors.sort(key=lambda e: e.row)


def _check_repeats(out: Statement) -> None:
    """A key twice within one file is no duplicate of an earlier upload but a broken file."""
    seen: dict[str, int] = {}
    rows: Sequence[StatementTrade] = out.trades
    for trade in rows:
        first = seen.setdefault(trade.key, trade.row)
        if first != trade.row and trade.broker == ZERODHA:
            out.errors.append(
                RowError(
                    trade.row,
                    f"trade {trade.trade_id} of order {trade.order_id} repeats row {first}",
                )
            )
