"""Reading NSE's daily cash-market bhavcopy: one trading day of every listed security.

Two formats, told apart by the header (never by the file's name or date):

* the older one, ``cm<DD><MON><YYYY>bhav.csv`` (NSE moved off it in July 2024): ``SYMBOL,
  SERIES, OPEN, HIGH, LOW, CLOSE, LAST, PREVCLOSE, TOTTRDQTY, TOTTRDVAL, TIMESTAMP,
  TOTALTRADES, ISIN`` and a trailing empty column, dates like ``02-JAN-2024``;
* UDiFF, ``BhavCopy_NSE_CM_0_0_0_<YYYYMMDD>_F_0000.csv``: 34 columns from ``TradDt`` to
  ``Rsvd4``, of which ``TradDt, Sgmt, Src, ISIN, TckrSymb, SctySrs, OpnPric, HghPric, LwPric,
  ClsPric, TtlTradgVol`` are read; dates are ISO.

Either may come zipped (NSE's archives serve ``.csv.zip``). Only main-board equity rows are
kept (`EQUITY_SERIES`); a row of any other series, an untraded row (zero volume) and a second
equity row of one symbol on one day are skipped and counted. A malformed row is an error
naming the file, the line and the column, and nothing of the file is returned.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

from tradertape.errors import InvalidField

#: The series kept, best first. EQ is the normal rolling market; a stock moves to BE or BZ
#: (trade-for-trade: surveillance, or a company out of compliance) and back without changing
#: company or symbol, so all three feed one series per symbol. Everything else is skipped:
#: SME platform series (SM, ST, SZ: lot-sized trading that brokers list under a suffixed
#: symbol), bonds and bills (N*, Y*, GS, GB...), REITs/InvITs (RR, IV), rights entitlements
#: (E1...), block and odd-lot books (BL, IL...).
EQUITY_SERIES: tuple[str, ...] = ("EQ", "BE", "BZ")
_RANK = {series: rank for rank, series in enumerate(EQUITY_SERIES)}

_MONTHS = {
    m: n
    for n, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}


class BhavFormat(StrEnum):
    """Which of NSE's two bhavcopy layouts a file is in."""

    LEGACY = "legacy"  # cm02JAN2024bhav.csv
    UDIFF = "udiff"  # BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv


class SkipReason(StrEnum):
    """Why a row of a bhavcopy does not become a candle."""

    SERIES = "not an equity series"
    UNTRADED = "not traded"
    DUPLICATE = "second equity row of a symbol"


@dataclass(frozen=True, slots=True)
class _Layout:
    symbol: str
    isin: str
    series: str
    open: str
    high: str
    low: str
    close: str
    volume: str
    day: str
    segment: str | None = None
    exchange: str | None = None


@dataclass(frozen=True, slots=True)
class _Index:
    """Where a file's header put the columns every row needs."""

    symbol: int
    isin: int
    series: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    day: int


_LAYOUTS = {
    BhavFormat.LEGACY: _Layout(
        "SYMBOL", "ISIN", "SERIES", "OPEN", "HIGH", "LOW", "CLOSE", "TOTTRDQTY", "TIMESTAMP"
    ),
    BhavFormat.UDIFF: _Layout(
        "TckrSymb",
        "ISIN",
        "SctySrs",
        "OpnPric",
        "HghPric",
        "LwPric",
        "ClsPric",
        "TtlTradgVol",
        "TradDt",
        segment="Sgmt",
        exchange="Src",
    ),
}


@dataclass(frozen=True, slots=True)
class BhavRow:
    """One equity's day in a bhavcopy; ``line`` is its line in the file (the header is 1)."""

    symbol: str
    isin: str
    series: str
    open: float
    high: float
    low: float
    close: float
    volume: int
    line: int


@dataclass(frozen=True, slots=True)
class BhavDay:
    """The equity rows of one bhavcopy, and what was skipped."""

    source: str  # the file's name (``archive.zip:member.csv`` inside a zip)
    format: BhavFormat
    day: date
    rows: tuple[BhavRow, ...]
    skipped: Mapping[SkipReason, int]


def detect_format(header: Sequence[str]) -> BhavFormat | None:
    """The layout whose columns the header holds; None if neither."""
    names = {h.strip() for h in header}
    for kind, layout in _LAYOUTS.items():
        wanted = [getattr(layout, f) for f in layout.__slots__]
        if all(w in names for w in wanted if w is not None):
            return kind
    return None


def _day(text: str, kind: BhavFormat) -> date:
    if kind is BhavFormat.UDIFF:
        return date.fromisoformat(text)
    day, month, year = text.split("-")
    if month.upper() not in _MONTHS:
        raise ValueError(f"unknown month {month!r}")
    return date(int(year), _MONTHS[month.upper()], int(day))


def _price(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("not a positive price")
    return value


def _volume(text: str) -> int:
    value = float(text)
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError("not a whole number >= 0")
    return int(value)


class _Reader:
    """Parses one file's rows; keeps the state that error messages and skips need."""

    def __init__(self, source: str, kind: BhavFormat, header: Sequence[str]) -> None:
        self.source = source
        self.kind = kind
        self.layout = _LAYOUTS[kind]
        names = [h.strip() for h in header]
        self.width = len(names)
        self.at = {name: names.index(name) for name in names if name}
        used = [getattr(self.layout, f) for f in self.layout.__slots__]
        self.need = 1 + max(self.at[c] for c in used if c is not None)
        self.index = _Index(*(self.at[getattr(self.layout, f)] for f in _Index.__slots__))
        segment, exchange = self.layout.segment, self.layout.exchange
        self.market = (self.at[segment], self.at[exchange]) if segment and exchange else None
        self.day: date | None = None
        self.day_text: str | None = None
        self.best: dict[str, BhavRow] = {}
        self.skipped: Counter[SkipReason] = Counter()

    def fail(self, column: str, line: int, message: str) -> InvalidField:
        return InvalidField(column, f"{self.source} line {line}: {message}")

    def cell(self, row: Sequence[str], column: str) -> str:
        return row[self.at[column]].strip()

    def read(self, row: list[str], line: int) -> None:
        # The hot loop of an import (a year is ~750,000 rows): plain indexing and one float()
        # per number; the slower, precise checks run only to word an error.
        if len(row) < self.need:
            raise self.fail("file", line, f"{len(row)} fields, the header has {self.width}")
        at = self.index
        if self.market is not None and (
            row[self.market[0]] != "CM" or row[self.market[1]] != "NSE"
        ):
            self._check_market(row, line)
        if row[at.day] != self.day_text:
            self._take_day(row[at.day], line)
        series = row[at.series].strip().upper()
        if series not in _RANK:
            self.skipped[SkipReason.SERIES] += 1
            return
        volume_text = row[at.volume]
        try:
            volume = _volume(volume_text)
        except ValueError as exc:
            raise self.fail(self.layout.volume, line, f"{volume_text.strip()!r}: {exc}") from None
        if volume == 0:
            self.skipped[SkipReason.UNTRADED] += 1
            return
        try:
            o, h, lo, c = (float(row[at.open]), float(row[at.high]), float(row[at.low]),
                           float(row[at.close]))  # fmt: skip
        except ValueError:
            o = h = lo = c = math.nan
        if not (0 < lo <= min(o, c) and max(o, c) <= h < math.inf):
            self._bad_prices(row, line)
        symbol = row[at.symbol].strip().upper()
        if not symbol:
            raise self.fail(self.layout.symbol, line, "no symbol")
        isin = row[at.isin].strip().upper()
        self._keep(BhavRow(symbol, isin, series, o, h, lo, c, volume, line))

    def _take_day(self, raw: str, line: int) -> None:
        # Every row carries the date; it is parsed once per distinct spelling, not per row.
        column, text = self.layout.day, raw.strip()
        try:
            day = _day(text, self.kind)
        except ValueError:
            raise self.fail(column, line, f"{text!r} is not a date") from None
        if self.day is not None and day != self.day:
            raise self.fail(column, line, f"{day} in a bhavcopy of {self.day}")
        self.day, self.day_text = day, raw

    def _bad_prices(self, row: Sequence[str], line: int) -> NoReturn:
        layout = self.layout
        prices: list[float] = []
        for column in (layout.open, layout.high, layout.low, layout.close):
            text = self.cell(row, column)
            try:
                prices.append(_price(text))
            except ValueError:
                raise self.fail(column, line, f"{text!r} is not a positive price") from None
        o, h, lo, c = prices
        if h < max(o, c):
            raise self.fail(layout.high, line, f"{h} is below open/close")
        raise self.fail(layout.low, line, f"{lo} is above open/close")

    def _check_market(self, row: Sequence[str], line: int) -> None:
        # A UDiFF file says its exchange and segment on every row: an F&O or BSE bhavcopy
        # shares the header, and would otherwise be read as NSE equities.
        layout = self.layout
        if layout.segment and (segment := self.cell(row, layout.segment)) != "CM":
            raise self.fail(layout.segment, line, f"segment {segment!r}: not a cash-market file")
        if layout.exchange and (exchange := self.cell(row, layout.exchange)) != "NSE":
            raise self.fail(layout.exchange, line, f"exchange {exchange!r}: not an NSE file")

    def _keep(self, row: BhavRow) -> None:
        held = self.best.get(row.symbol)
        if held is None:
            self.best[row.symbol] = row
            return
        self.skipped[SkipReason.DUPLICATE] += 1
        if _RANK[row.series] < _RANK[held.series]:
            self.best[row.symbol] = row


def parse_bhavcopy(source: str, text: str) -> BhavDay:
    """The equity rows of one bhavcopy's CSV ``text``; ``source`` names it in errors."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InvalidField("file", f"{source} is empty")
    kind = detect_format(header)
    if kind is None:
        raise InvalidField(
            "file",
            f"{source} is not an NSE equity bhavcopy: expected the columns of "
            "cm<DD><MON><YYYY>bhav.csv (SYMBOL, SERIES, OPEN, ...) or of "
            "BhavCopy_NSE_CM_..._F_0000.csv (TradDt, TckrSymb, SctySrs, OpnPric, ...)",
        )
    parser = _Reader(source, kind, header)
    for row in reader:
        if any(row):  # csv gives a blank line as [] and a line of commas as empty strings
            parser.read(row, reader.line_num)
    if parser.day is None:
        raise InvalidField("file", f"{source} holds no rows")
    rows = tuple(sorted(parser.best.values(), key=lambda r: r.line))
    return BhavDay(source, kind, parser.day, rows, dict(parser.skipped))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Company names are the only non-ASCII text a bhavcopy has; they are not read.
        return data.decode("latin-1")


def read_bhavcopy(path: Path) -> list[BhavDay]:
    """Every bhavcopy in ``path``: a ``.csv``, or a ``.zip`` of one or more ``.csv``."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [parse_bhavcopy(path.name, _decode(path.read_bytes()))]
    if suffix != ".zip":
        raise InvalidField("file", f"{path.name}: expected a bhavcopy .csv or .zip")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if not members:
                raise InvalidField("file", f"{path.name} holds no .csv file")
            days = []
            for member in members:
                source = f"{path.name}:{member}"
                days.append(parse_bhavcopy(source, _decode(archive.read(member))))
            return days
    except zipfile.BadZipFile as exc:
        raise InvalidField("file", f"{path.name} is not a readable zip: {exc}") from exc


_LEGACY_HEADER = (
    "SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,TOTTRDQTY,TOTTRDVAL,TIMESTAMP,"
    "TOTALTRADES,ISIN,"
)
_UDIFF_HEADER = (
    "TradDt,BizDt,Sgmt,Src,FinInstrmTp,FinInstrmId,ISIN,TckrSymb,SctySrs,XpryDt,"
    "FininstrmActlXpryDt,StrkPric,OptnTp,FinInstrmNm,OpnPric,HghPric,LwPric,ClsPric,LastPric,"
    "PrvsClsgPric,UndrlygPric,SttlmPric,OpnIntrst,ChngInOpnIntrst,TtlTradgVol,TtlTrfVal,"
    "TtlNbOfTxsExctd,SsnId,NewBrdLotQty,Rmks,Rsvd1,Rsvd2,Rsvd3,Rsvd4"
)
_MONTH_NAMES = {n: m for m, n in _MONTHS.items()}


def file_name(kind: BhavFormat, day: date) -> str:
    """NSE's name for the bhavcopy of ``day`` in ``kind`` (without ``.zip``)."""
    if kind is BhavFormat.LEGACY:
        return f"cm{day.day:02d}{_MONTH_NAMES[day.month]}{day.year}bhav.csv"
    return f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv"


def render(kind: BhavFormat, day: date, rows: Iterable[BhavRow]) -> str:
    """CSV text of a bhavcopy holding ``rows`` (``line`` is ignored): what tests and the
    benchmark import, laid out column for column like NSE's files."""
    out = [_LEGACY_HEADER if kind is BhavFormat.LEGACY else _UDIFF_HEADER]
    stamp = f"{day.day:02d}-{_MONTH_NAMES[day.month]}-{day.year}"
    for number, r in enumerate(rows, start=1):
        turnover = f"{r.close * r.volume:.2f}"
        if kind is BhavFormat.LEGACY:
            out.append(
                f"{r.symbol},{r.series},{r.open},{r.high},{r.low},{r.close},{r.close},{r.open},"
                f"{r.volume},{turnover},{stamp},{max(1, r.volume // 100)},{r.isin},"
            )
        else:
            out.append(
                f"{day},{day},CM,NSE,STK,{number},{r.isin},{r.symbol},{r.series},,,,,"
                f"{r.symbol} LTD,{r.open},{r.high},{r.low},{r.close},{r.close},{r.open},,"
                f"{r.close},,,{r.volume},{turnover},{max(1, r.volume // 100)},F1,1,,,,,"
            )
    return "\n".join(out) + "\n"
