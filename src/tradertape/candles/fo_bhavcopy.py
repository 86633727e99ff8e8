"""Reading NSE's daily F&O bhavcopy: every futures and options contract of one trading day.

Two layouts, told apart by the header (never by the file's name):

* UDiFF, ``BhavCopy_NSE_FO_0_0_0_<YYYYMMDD>_F_0000.csv`` (from July 2024): 34 columns from
  ``TradDt`` to ``Rsvd4``; read are ``TradDt, Sgmt, Src, FinInstrmTp (IDO/STO/IDF/STF),
  TckrSymb, XpryDt, StrkPric, OptnTp, OpnPric, HghPric, LwPric, ClsPric, UndrlygPric,
  SttlmPric, OpnIntrst, ChngInOpnIntrst, TtlTradgVol, NewBrdLotQty``; dates are ISO; a future
  has empty strike and option type cells.
* legacy, ``fo<DD><MON><YYYY>bhav.csv``: ``INSTRUMENT (OPTIDX/OPTSTK/FUTIDX/FUTSTK), SYMBOL,
  EXPIRY_DT, STRIKE_PR, OPTION_TYP, OPEN, HIGH, LOW, CLOSE, SETTLE_PR, CONTRACTS, VAL_INLAKH,
  OPEN_INT, CHG_IN_OI, TIMESTAMP`` and a trailing empty column; dates like ``28-Jul-2011``
  (``14-JUN-2011``, ``31-May-12`` in a few files); a future's strike ``0`` and type ``XX``.
  It has no lot size and no underlying price. The lot size is worked out from each
  future's traded value (`inferred_lots`: ``VAL_INLAKH`` over ``CONTRACTS`` lies between
  lot × the day's low and lot × its high; an index's lots are multiples of 5) and given to
  every contract of that underlying and expiry; where no future of an expiry traded, or the
  range holds more than one possible lot, it is null. The underlying price stays null.

Volume counts contracts and open interest units in both. Either may come zipped. The CSV is
parsed by Arrow (a year of ~38,000-row files in seconds) and checked column-wise; a file is
taken whole or refused with an error naming it, the row (as a spreadsheet counts, the header
being 1) and the column. Rows of an instrument type other than the four are skipped and
counted. The result, `FoDay`, holds one columnar table per file in `DAY_SCHEMA`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.csv as pacsv

from tradertape.errors import InvalidField

# pyarrow-stubs' overloads miss calls pyarrow takes (a chunked array with a Python scalar,
# Kleene logic on nullable masks): its compute functions are used untyped.
pc: Any = _compute

MAX_FILE_BYTES = 256 * 1_048_576  # one day's CSV, unzipped (NSE's are ~10 MB)
MAX_ROWS = 1_000_000  # contracts in one day's file (NSE lists ~40,000-90,000)
MAX_ZIP_MEMBERS = 400  # CSV files in one zip (a year of days)
MAX_UPLOAD_UNZIPPED = 1024 * 1_048_576  # all the CSVs of one uploaded zip, unzipped
MAX_SYMBOL = 20

INSTRUMENTS = ("OPTIDX", "OPTSTK", "FUTIDX", "FUTSTK")
_UDIFF_INSTRUMENT = {"IDO": "OPTIDX", "STO": "OPTSTK", "IDF": "FUTIDX", "STF": "FUTSTK"}
_SYMBOL = r"^[A-Z0-9][A-Z0-9&_-]*$"  # no dot nor slash: it names a folder
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
_DICT = pa.dictionary(pa.int32(), pa.string())

#: One day's contracts as read (and as `FoStore` keeps them, less ``symbol``).
_DAY_FIELDS: list[pa.Field[Any]] = [
    pa.field("symbol", pa.string()),
    pa.field("instrument", pa.string()),  # OPTIDX | OPTSTK | FUTIDX | FUTSTK
    pa.field("expiry", pa.date32()),
    pa.field("strike", pa.float64()),  # null for a future
    pa.field("option_type", pa.string()),  # CE | PE; null for a future
    pa.field("open", pa.float64()),
    pa.field("high", pa.float64()),
    pa.field("low", pa.float64()),
    pa.field("close", pa.float64()),
    pa.field("settle", pa.float64()),
    pa.field("underlying_close", pa.float64()),  # null in the legacy layout
    pa.field("open_interest", pa.int64()),  # units
    pa.field("change_in_oi", pa.int64()),
    pa.field("volume", pa.int64()),  # contracts
    pa.field("lot_size", pa.int32()),  # null in the legacy layout
]
DAY_SCHEMA = pa.schema(_DAY_FIELDS)


class FoFormat(StrEnum):
    """Which of NSE's two F&O bhavcopy layouts a file is in."""

    UDIFF = "udiff"
    LEGACY = "legacy"


@dataclass(frozen=True, slots=True)
class _Layout:
    instrument: str
    symbol: str
    expiry: str
    strike: str
    option_type: str
    open: str
    high: str
    low: str
    close: str
    settle: str
    underlying: str | None
    open_interest: str
    change_in_oi: str
    volume: str
    lot_size: str | None
    day: str
    segment: str | None = None
    exchange: str | None = None
    value: str | None = None  # traded value, read when the header has it (lakh rupees)

    def columns(self) -> list[str]:
        """The columns a file of this layout must have."""
        return [c for f in self.__slots__ if f != "value" and (c := getattr(self, f)) is not None]


_LAYOUTS = {
    FoFormat.UDIFF: _Layout(
        "FinInstrmTp", "TckrSymb", "XpryDt", "StrkPric", "OptnTp", "OpnPric", "HghPric",
        "LwPric", "ClsPric", "SttlmPric", "UndrlygPric", "OpnIntrst", "ChngInOpnIntrst",
        "TtlTradgVol", "NewBrdLotQty", "TradDt", segment="Sgmt", exchange="Src",
    ),
    FoFormat.LEGACY: _Layout(
        "INSTRUMENT", "SYMBOL", "EXPIRY_DT", "STRIKE_PR", "OPTION_TYP", "OPEN", "HIGH", "LOW",
        "CLOSE", "SETTLE_PR", None, "OPEN_INT", "CHG_IN_OI", "CONTRACTS", None, "TIMESTAMP",
        value="VAL_INLAKH",
    ),
}  # fmt: skip
_PRICES = ("open", "high", "low", "close", "settle", "underlying")
_COUNTS = ("open_interest", "change_in_oi", "volume", "lot_size")


@dataclass(frozen=True, slots=True)
class FoDay:
    """The contracts of one F&O bhavcopy (`table` in `DAY_SCHEMA`)."""

    source: str  # the file's name (``archive.zip:member.csv`` inside a zip)
    format: FoFormat
    day: date
    table: pa.Table
    skipped: int  # rows of another instrument type

    @property
    def rows(self) -> int:
        return self.table.num_rows


@dataclass(frozen=True, slots=True)
class FoFile:
    """One CSV to read: its name and how to get its bytes (bounded by `MAX_FILE_BYTES`)."""

    name: str
    size: int  # bytes of the CSV (a zip member's declared size)
    read: Callable[[], bytes]


def detect_format(header: Sequence[str]) -> FoFormat | None:
    """The layout whose columns the header holds; None if neither."""
    names = {h.strip() for h in header}
    for kind, layout in _LAYOUTS.items():
        if all(c in names for c in layout.columns()):
            return kind
    return None


def _fail(source: str, column: str, row: int | None, message: str) -> InvalidField:
    where = f" row {row}" if row is not None else ""
    return InvalidField("file", f"{source}{where}, column {column}: {message}")


def _first(mask: Any) -> int | None:
    """The first row (0-based) where `mask` is true, or None."""
    at = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if at is None or at < 0 else int(at)


def _legacy_date(text: str) -> date:
    day, month, year = text.split("-")
    number = int(year)
    if len(year) == 2:
        number += 2000
    return date(number, _MONTHS[month.upper()], int(day))


def _dates(source: str, column: str, values: Any, kind: FoFormat) -> Any:
    """`values` (text) as dates, each spelling parsed once (a file has a few dozen)."""
    plain = pc.cast(values, pa.string()) if pa.types.is_dictionary(values.type) else values
    if isinstance(plain, pa.ChunkedArray):
        plain = plain.combine_chunks()
    encoded = pc.dictionary_encode(plain)
    parsed: list[date] = []
    for raw in encoded.dictionary.to_pylist():
        text = (raw or "").strip()
        try:
            parsed.append(
                date.fromisoformat(text) if kind is FoFormat.UDIFF else _legacy_date(text)
            )
        except (ValueError, KeyError):
            row = _first(pc.equal(plain, pa.scalar(raw or "")))
            raise _fail(
                source, column, None if row is None else row + 2, f"{text!r} is not a date"
            ) from None
    dates = pa.array(parsed, type=pa.date32())
    return pa.chunked_array([pc.take(dates, encoded.indices)])


def _text(values: Any) -> Any:
    plain = pc.cast(values, pa.string()) if pa.types.is_dictionary(values.type) else values
    return pc.utf8_upper(pc.utf8_trim_whitespace(plain))


def parse_fo_bhavcopy(source: str, data: bytes) -> FoDay:
    """The contracts of one F&O bhavcopy's CSV bytes; `source` names it in errors."""
    first_line = data[:4096].split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
    if not first_line:
        raise InvalidField("file", f"{source} is empty")
    kind = detect_format(first_line.split(","))
    if kind is None:
        raise InvalidField(
            "file",
            f"{source} is not an NSE F&O bhavcopy: expected the columns of "
            "BhavCopy_NSE_FO_..._F_0000.csv (TradDt, FinInstrmTp, TckrSymb, XpryDt, StrkPric, "
            "...) or of fo<DD><MON><YYYY>bhav.csv (INSTRUMENT, SYMBOL, EXPIRY_DT, ...)",
        )
    layout = _LAYOUTS[kind]
    numbers = {getattr(layout, f) for f in (*_PRICES, *_COUNTS, "strike")} - {None}
    columns = layout.columns()
    if layout.value is not None and layout.value in {h.strip() for h in first_line.split(",")}:
        numbers.add(layout.value)
        columns.append(layout.value)
    types: dict[str, pa.DataType] = {c: pa.float64() for c in numbers}
    for column in columns:
        types.setdefault(column, _DICT)
    try:
        raw = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(block_size=4 << 20),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns, column_types=types, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidField("file", f"{source}: {_arrow_message(exc)}") from None
    if raw.num_rows == 0:
        raise InvalidField("file", f"{source} holds no rows")
    if raw.num_rows > MAX_ROWS:
        raise InvalidField("file", f"{source} has {raw.num_rows:,} rows; at most {MAX_ROWS:,}")
    return _Checker(source, kind, layout, raw).day()


def round_lot(low: float, high: float, *, index: bool) -> int:
    """The one lot size in [low, high], or 0 when none or several could be. An index's lots
    have always been multiples of 5 (NIFTY 200, 50, 25, 75, 65; BANKNIFTY 25, 15, 30, 35 …),
    so for an index one multiple of 5 in the range is enough; a stock's lot may be any whole
    number (a bonus or split adjusts it), so it needs one whole number."""
    first, last = int(np.ceil(low)), int(np.floor(high))
    if first == last and first >= 1:
        return first
    if index and last > first:
        fives = range(-(-first // 5) * 5, last + 1, 5)
        if len(fives) == 1 and fives[0] >= 5:
            return fives[0]
    return 0


def inferred_lots(
    keys: npt.NDArray[np.int64],
    future: npt.NDArray[np.bool_],
    index: npt.NDArray[np.bool_],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    contracts: npt.NDArray[np.int64],
    value_lakh: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Lot sizes of a legacy day's rows (0: unknown), from its futures' traded value.

    A future's value is Σ price × contracts × lot over its trades, every price between the
    day's low and high, so lot ∈ [value / (contracts × high), value / (contracts × low)]
    (widened by the half paisa-lakh ``VAL_INLAKH`` is rounded to); `round_lot` picks the
    one lot in it (`index`: the row is an index future). Every row of the same `keys`
    (underlying and expiry) gets it."""
    traded = future & (contracts > 0) & (low > 0) & (high >= low) & (value_lakh > 0)
    found: dict[int, int] = {}
    for row in np.flatnonzero(traded):
        units = contracts[row]
        lot = round_lot(
            (value_lakh[row] - 0.005) * 1e5 / (units * high[row]),
            (value_lakh[row] + 0.005) * 1e5 / (units * low[row]),
            index=bool(index[row]),
        )
        if lot:
            found[int(keys[row])] = lot
    out = np.zeros(keys.size, dtype=np.int64)
    if found:
        known = np.array(sorted(found), dtype=np.int64)
        sizes = np.array([found[k] for k in known], dtype=np.int64)
        at = np.clip(np.searchsorted(known, keys), 0, known.size - 1)
        hit = known[at] == keys
        out[hit] = sizes[at[hit]]
    return out


def _arrow_message(exc: pa.ArrowInvalid) -> str:
    # Arrow says "In CSV column #14: Row #6: CSV conversion error to double: invalid value
    # 'abc'": its row counts the header as 1, as ours does.
    return str(exc).replace("CSV conversion error to double", "not a number").strip()


class _Checker:
    """Checks one file's columns and shapes them into `DAY_SCHEMA`."""

    def __init__(self, source: str, kind: FoFormat, layout: _Layout, raw: pa.Table) -> None:
        self.source, self.kind, self.layout, self.raw = source, kind, layout, raw

    def fail(self, column: str | None, mask: Any, message: str) -> InvalidField:
        row = _first(mask)
        return _fail(self.source, column or "file", None if row is None else row + 2, message)

    def column(self, name: str) -> Any:
        return self.raw.column(name)

    def day(self) -> FoDay:
        layout, kind = self.layout, self.kind
        if layout.segment and layout.exchange:
            for column, wanted, what in (
                (layout.segment, "FO", "not an F&O file"),
                (layout.exchange, "NSE", "not an NSE file"),
            ):
                values = _text(self.column(column))
                wrong = pc.not_equal(values, wanted)
                if pc.any(wrong).as_py():
                    at = _first(wrong)
                    shown = values[at].as_py() if at is not None else ""
                    raise self.fail(column, wrong, f"{shown!r}: {what}")
        days = self.column(layout.day)
        spellings = pc.unique(days)
        if len(spellings) > 1:
            other = pc.not_equal(days, spellings[0])
            raise self.fail(layout.day, other, "a second trade date in one bhavcopy")
        (day,) = _dates(self.source, layout.day, pc.unique(days), kind).to_pylist()
        assert isinstance(day, date)
        instrument = _text(self.column(layout.instrument))
        if kind is FoFormat.UDIFF:
            codes = pa.array(list(_UDIFF_INSTRUMENT))
            names = pa.array(list(_UDIFF_INSTRUMENT.values()))
            instrument = pc.take(names, pc.index_in(instrument, value_set=codes))
        known = pc.is_valid(pc.index_in(instrument, value_set=pa.array(INSTRUMENTS)))
        skipped = self.raw.num_rows - pc.sum(known).as_py()
        if skipped:
            self.raw = self.raw.filter(known)
            instrument = instrument.filter(known)
        if self.raw.num_rows == 0:
            raise InvalidField("file", f"{self.source} holds no futures or options rows")
        return FoDay(self.source, kind, day, self.table(day, instrument), int(skipped))

    def table(self, day: date, instrument: Any) -> pa.Table:
        layout = self.layout
        future = pc.starts_with(instrument, "FUT")
        symbol = _text(self.column(layout.symbol))
        bad = pc.invert(pc.match_substring_regex(symbol, _SYMBOL))
        bad = pc.or_(bad, pc.greater(pc.utf8_length(symbol), MAX_SYMBOL))
        if pc.any(bad).as_py():
            raise self.fail(layout.symbol, bad, "not an NSE symbol (A-Z, 0-9, & _ -)")
        expiry = _dates(self.source, layout.expiry, self.column(layout.expiry), self.kind)
        early = pc.less(expiry, pa.scalar(day, pa.date32()))
        if pc.any(early).as_py():
            raise self.fail(layout.expiry, early, f"an expiry before the trade date {day}")
        kind = _text(self.column(layout.option_type))
        kind = pc.replace_substring_regex(kind, "^CA$", "CE")  # early American-style options
        kind = pc.replace_substring_regex(kind, "^PA$", "PE")
        option = pc.is_in(kind, value_set=pa.array(["CE", "PE"]))
        no_kind = pc.is_in(kind, value_set=pa.array(["", "XX"]))
        wrong = pc.if_else(future, pc.invert(no_kind), pc.invert(option))
        if pc.any(wrong).as_py():
            raise self.fail(layout.option_type, wrong, "CE or PE for an option, none for a future")
        strike = self.column(layout.strike)
        bad_strike = pc.and_kleene(pc.invert(future), pc.invert(pc.greater(strike, 0)))
        if pc.any(pc.fill_null(bad_strike, True)).as_py():
            raise self.fail(
                layout.strike, pc.fill_null(bad_strike, True), "an option's strike must be above 0"
            )
        strike = pc.if_else(future, pa.scalar(None, pa.float64()), strike)
        kind = pc.if_else(future, pa.scalar(None, pa.string()), kind)
        prices = {p: self.price(getattr(layout, p), required=p == "settle") for p in _PRICES}
        counts = {c: self.count(getattr(layout, c), c) for c in _COUNTS}
        if layout.value is not None and layout.value in self.raw.column_names:
            counts["lot_size"] = self.lots(
                symbol, instrument, future, expiry, prices, counts["volume"]
            )
        table = pa.table(
            {
                "symbol": symbol,
                "instrument": instrument,
                "expiry": expiry,
                "strike": strike,
                "option_type": kind,
                "open": prices["open"],
                "high": prices["high"],
                "low": prices["low"],
                "close": prices["close"],
                "settle": prices["settle"],
                "underlying_close": prices["underlying"],
                "open_interest": counts["open_interest"],
                "change_in_oi": counts["change_in_oi"],
                "volume": counts["volume"],
                "lot_size": pc.cast(counts["lot_size"], pa.int32()),
            }
        )
        table = table.cast(DAY_SCHEMA)
        self.check_unique(table)
        return table

    def lots(  # noqa: PLR0913 - the columns it reads
        self, symbol: Any, instrument: Any, future: Any, expiry: Any, prices: Any, contracts: Any
    ) -> Any:
        """Each row's lot size as its underlying's future of the same expiry traded it
        (`inferred_lots`); null where none can be told."""
        assert self.layout.value is not None
        value = pc.fill_null(self.column(self.layout.value), 0.0).to_numpy()
        codes = pc.dictionary_encode(symbol.combine_chunks()).indices.to_numpy()
        days = expiry.combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[D]")
        keys = codes.astype(np.int64) * 1_000_000 + days.astype(np.int64)
        lots = inferred_lots(
            keys,
            pc.fill_null(future, False).to_numpy(zero_copy_only=False),
            pc.fill_null(pc.equal(instrument, "FUTIDX"), False).to_numpy(zero_copy_only=False),
            pc.fill_null(prices["high"], 0.0).to_numpy(),
            pc.fill_null(prices["low"], 0.0).to_numpy(),
            pc.fill_null(contracts, 0).to_numpy(),
            value,
        )
        return pa.chunked_array([pa.array(lots, mask=lots == 0, type=pa.int64())])

    def price(self, column: str | None, *, required: bool) -> Any:
        if column is None:
            return pa.chunked_array([pa.nulls(self.raw.num_rows, pa.float64())])
        values = self.column(column)
        if required and values.null_count:
            raise self.fail(column, pc.is_null(values), "no price")
        bad = pc.or_(pc.less(values, 0), pc.invert(pc.is_finite(values)))
        if pc.any(pc.fill_null(bad, False)).as_py():
            raise self.fail(column, bad, "not a price (a finite number >= 0)")
        return values

    def count(self, column: str | None, name: str) -> Any:
        rows = self.raw.num_rows
        if column is None:
            return pa.chunked_array([pa.nulls(rows, pa.int64())])
        values = self.column(column)
        whole = pc.and_(pc.is_finite(values), pc.equal(pc.floor(values), values))
        limit = 1e15
        fine = pc.and_(whole, pc.less(pc.abs(values), limit))
        if name != "change_in_oi":
            fine = pc.and_(
                fine, pc.greater(values, 0) if name == "lot_size" else pc.greater_equal(values, 0)
            )
        bad = pc.invert(pc.fill_null(fine, False))
        if pc.any(bad).as_py():
            wanted = "a lot size (a whole number > 0)" if name == "lot_size" else "a whole number"
            raise self.fail(column, bad, f"not {wanted}")
        return pc.cast(values, pa.int64())

    def check_unique(self, table: pa.Table) -> None:
        # sort the contract keys as numbers (numpy's lexsort: a few ms for a day) and compare
        # neighbours; a group-by costs ten times that
        def codes(name: str) -> Any:
            column = pc.fill_null(table.column(name), "")
            return pc.dictionary_encode(column).combine_chunks().indices.to_numpy()

        strike = pc.fill_null(table.column("strike"), -1.0).to_numpy()
        expiry = table.column("expiry").to_numpy().astype("datetime64[D]").astype(np.int64)
        keys = np.stack(
            [codes("symbol"), codes("instrument"), expiry, strike, codes("option_type")]
        ).astype(np.float64)
        order = np.lexsort(keys[::-1])
        ranked = keys[:, order]
        same = np.all(ranked[:, 1:] == ranked[:, :-1], axis=0)
        if not same.any():
            return
        row = table.slice(int(order[int(np.argmax(same)) + 1]), 1).to_pylist()[0]
        what = f"{row['symbol']} {row['instrument']} {row['expiry']}"
        if row["strike"] is not None:
            what += f" {row['strike']:g} {row['option_type']}"
        raise InvalidField("file", f"{self.source}: {what} is listed twice")


# -- files ------------------------------------------------------------------------------


def _member_files(path: Path, archive: zipfile.ZipFile) -> Iterator[FoFile]:
    members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
    if not members:
        raise InvalidField("file", f"{path.name} holds no .csv file")
    if len(members) > MAX_ZIP_MEMBERS:
        raise InvalidField(
            "file", f"{path.name} holds {len(members)} CSV files; at most {MAX_ZIP_MEMBERS}"
        )
    for info in members:
        yield _zip_member(path, path.name, info)


def _zip_member(path: Path | bytes, name: str, info: zipfile.ZipInfo) -> FoFile:
    source = f"{name}:{info.filename}"
    if info.file_size > MAX_FILE_BYTES:
        raise InvalidField(
            "file", f"{source} unzips to {info.file_size:,} bytes; at most {MAX_FILE_BYTES:,}"
        )

    def read() -> bytes:
        opened = io.BytesIO(path) if isinstance(path, bytes) else path
        try:
            with zipfile.ZipFile(opened) as archive, archive.open(info) as member:
                data = member.read(MAX_FILE_BYTES + 1)  # zipfile stops at the declared size
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InvalidField("file", f"{source} is not readable: {exc}") from None
        if len(data) > MAX_FILE_BYTES:
            raise InvalidField("file", f"{source} is larger than {MAX_FILE_BYTES:,} bytes")
        return data

    return FoFile(source, info.file_size, read)


def files_in(paths: Sequence[Path]) -> list[FoFile]:
    """Every F&O bhavcopy CSV in `paths`: a ``.csv``, a ``.zip`` of one or many, or a folder
    of them (searched through)."""
    found: list[FoFile] = []
    for path in paths:
        if path.is_dir():
            inner = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".zip")
            )
            if not inner:
                raise InvalidField("PATHS", f"{path} holds no .csv or .zip file")
            found.extend(files_in(inner))
            continue
        found.extend(_files_of(path))
    return found


def _files_of(path: Path) -> list[FoFile]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidField("file", f"{path.name} is {size:,} bytes; at most {MAX_FILE_BYTES:,}")
        return [FoFile(path.name, size, path.read_bytes)]
    if suffix != ".zip":
        raise InvalidField("file", f"{path.name}: expected a bhavcopy .csv or .zip")
    try:
        with zipfile.ZipFile(path) as archive:
            return list(_member_files(path, archive))
    except zipfile.BadZipFile as exc:
        raise InvalidField("file", f"{path.name} is not a readable zip: {exc}") from None


def files_of_upload(name: str, content: bytes) -> list[FoFile]:
    """The CSVs of one uploaded file: itself, or the members of a zip."""
    if content[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
        except zipfile.BadZipFile as exc:
            raise InvalidField("file", f"{name} is not a readable zip: {exc}") from None
        if not members:
            raise InvalidField("file", f"{name} holds no .csv file")
        if len(members) > MAX_ZIP_MEMBERS:
            raise InvalidField(
                "file", f"{name} holds {len(members)} CSV files; at most {MAX_ZIP_MEMBERS}"
            )
        total = sum(i.file_size for i in members)
        if total > MAX_UPLOAD_UNZIPPED:
            raise InvalidField(
                "file",
                f"{name} unzips to {total:,} bytes; an upload may hold at most "
                f"{MAX_UPLOAD_UNZIPPED:,} (a year: `tradertape data import-fo-bhavcopy`)",
            )
        return [_zip_member(content, name, info) for info in members]
    if len(content) > MAX_FILE_BYTES:
        raise InvalidField("file", f"{name} is {len(content):,} bytes; at most {MAX_FILE_BYTES:,}")
    return [FoFile(name, len(content), lambda: content)]


def read_fo_file(file: FoFile) -> FoDay:
    """Parse one `FoFile`."""
    return parse_fo_bhavcopy(file.name, file.read())
