"""NSE F&O bhavcopies made by the test suite, in NSE's exact layouts (nothing of NSE's is
committed): the UDiFF file (``BhavCopy_NSE_FO_0_0_0_<YYYYMMDD>_F_0000.csv``, from July 2024)
and the legacy one (``fo<DD><MON><YYYY>bhav.csv``).

The layouts, as NSE writes them (rows of real files, 2011 and 2026)::

    TradDt,BizDt,Sgmt,Src,FinInstrmTp,FinInstrmId,ISIN,TckrSymb,SctySrs,XpryDt,
    FininstrmActlXpryDt,StrkPric,OptnTp,FinInstrmNm,OpnPric,HghPric,LwPric,ClsPric,LastPric,
    PrvsClsgPric,UndrlygPric,SttlmPric,OpnIntrst,ChngInOpnIntrst,TtlTradgVol,TtlTrfVal,
    TtlNbOfTxsExctd,SsnId,NewBrdLotQty,Rmks,Rsvd1,Rsvd2,Rsvd3,Rsvd4
    2026-09-11,2026-09-11,FO,NSE,IDO,57153,,NIFTY,,2026-09-22,2026-09-22,24000.00,CE,
    NIFTY2692224000CE,19.70,28.90,12.60,22.20,23.40,22.90,23398.10,22.20,3257735,1007110,
    161659,252389471470.50,69369,F1,65,,,,,

    INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,CONTRACTS,
    VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,
    OPTIDX,NIFTY,28-Jul-2011,5500,CE,147,156,136.85,144.6,144.6,6531,18439.43,1248400,47250,
    14-JUN-2011,

Volume (``TtlTradgVol``, ``CONTRACTS``) counts contracts; open interest counts units (shares
or index units), in both layouts. A future has no strike and no option type in UDiFF (empty
cells) and ``0``/``XX`` in the legacy file.

`write_udiff` / `write_legacy` write one day's `FoRow` list; `chain` makes a plausible day of
one underlying (futures and options of several expiries), and the benchmark uses
`udiff_text` directly. The options backtest engine's tests may use these too.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

UDIFF_HEADER = (
    "TradDt,BizDt,Sgmt,Src,FinInstrmTp,FinInstrmId,ISIN,TckrSymb,SctySrs,XpryDt,"
    "FininstrmActlXpryDt,StrkPric,OptnTp,FinInstrmNm,OpnPric,HghPric,LwPric,ClsPric,LastPric,"
    "PrvsClsgPric,UndrlygPric,SttlmPric,OpnIntrst,ChngInOpnIntrst,TtlTradgVol,TtlTrfVal,"
    "TtlNbOfTxsExctd,SsnId,NewBrdLotQty,Rmks,Rsvd1,Rsvd2,Rsvd3,Rsvd4"
)
LEGACY_HEADER = (
    "INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,CONTRACTS,"
    "VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,"
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_UDIFF_CODE = {"OPTIDX": "IDO", "OPTSTK": "STO", "FUTIDX": "IDF", "FUTSTK": "STF"}
INDICES = frozenset({"NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTYNXT50"})


@dataclass(frozen=True, slots=True)
class FoRow:
    """One contract's day. ``option_type`` is ``CE``/``PE``, or ``""`` for a future (whose
    ``strike`` is None); ``volume`` is contracts, ``open_interest`` units."""

    instrument: str  # OPTIDX | OPTSTK | FUTIDX | FUTSTK
    symbol: str
    expiry: date
    strike: float | None
    option_type: str
    open: float
    high: float
    low: float
    close: float
    settle: float
    underlying: float
    open_interest: int = 0
    change_in_oi: int = 0
    volume: int = 0
    lot_size: int = 75

    @property
    def future(self) -> bool:
        return self.instrument.startswith("FUT")


def udiff_name(day: date) -> str:
    """NSE's name of the UDiFF F&O bhavcopy of `day` (without ``.zip``)."""
    return f"BhavCopy_NSE_FO_0_0_0_{day:%Y%m%d}_F_0000.csv"


def legacy_name(day: date) -> str:
    """NSE's name of the legacy F&O bhavcopy of `day` (without ``.zip``)."""
    return f"fo{day.day:02d}{_MONTHS[day.month - 1]}{day.year}bhav.csv"


def _legacy_date(day: date, upper: bool) -> str:
    month = _MONTHS[day.month - 1]
    return f"{day.day:02d}-{month if upper else month.title()}-{day.year}"


def _ticker(row: FoRow) -> str:
    month = _MONTHS[row.expiry.month - 1]
    if row.future:
        return f"{row.symbol}{row.expiry:%y}{month}FUT"
    return f"{row.symbol}{row.expiry:%y}{month}{row.strike:g}{row.option_type}"


def udiff_text(day: date, rows: Iterable[FoRow]) -> str:
    """The CSV text of a UDiFF F&O bhavcopy of `day` holding `rows`."""
    out = [UDIFF_HEADER]
    stamp = day.isoformat()
    for number, r in enumerate(rows, start=35001):
        strike = "" if r.strike is None else f"{r.strike:.2f}"
        notional = ((r.strike or 0.0) + r.close) * r.volume * r.lot_size
        expiry = r.expiry.isoformat()
        out.append(
            f"{stamp},{stamp},FO,NSE,{_UDIFF_CODE[r.instrument]},{number},,{r.symbol},,"
            f"{expiry},{expiry},{strike},{r.option_type},{_ticker(r)},"
            f"{r.open:.2f},{r.high:.2f},{r.low:.2f},{r.close:.2f},{r.close:.2f},{r.settle:.2f},"
            f"{r.underlying:.2f},{r.settle:.2f},{r.open_interest},{r.change_in_oi},{r.volume},"
            f"{notional:.2f},{max(r.volume // 3, 0)},F1,{r.lot_size},,,,,"
        )
    return "\n".join(out) + "\n"


def legacy_text(day: date, rows: Iterable[FoRow]) -> str:
    """The CSV text of a legacy F&O bhavcopy of `day` holding `rows` (no lot size, no
    underlying price: the layout has neither)."""
    out = [LEGACY_HEADER]
    stamp = _legacy_date(day, upper=True)
    for r in rows:
        strike = "0" if r.strike is None else f"{r.strike:g}"
        kind = "XX" if r.future else r.option_type
        lakh = ((r.strike or 0.0) + r.close) * r.volume * r.lot_size / 1e5
        out.append(
            f"{r.instrument},{r.symbol},{_legacy_date(r.expiry, upper=False)},{strike},{kind},"
            f"{r.open:g},{r.high:g},{r.low:g},{r.close:g},{r.settle:g},{r.volume},{lakh:.2f},"
            f"{r.open_interest},{r.change_in_oi},{stamp},"
        )
    return "\n".join(out) + "\n"


def _write(path: Path, name: str, text: str) -> Path:
    """`path` a folder: NSE's name in it; a ``.zip``: the CSV zipped as NSE serves it."""
    if path.is_dir():
        path = path / name
    if path.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, text)
        path.write_bytes(buffer.getvalue())
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_udiff(path: Path, trade_date: date, rows: Sequence[FoRow]) -> Path:
    """Write the UDiFF bhavcopy of `trade_date`: to `path`, or under NSE's name in the folder
    `path`; zipped when `path` ends in ``.zip``. Answers the file written."""
    return _write(path, udiff_name(trade_date), udiff_text(trade_date, rows))


def write_legacy(path: Path, trade_date: date, rows: Sequence[FoRow]) -> Path:
    """Write the legacy bhavcopy of `trade_date` (as `write_udiff`)."""
    return _write(path, legacy_name(trade_date), legacy_text(trade_date, rows))


def weekly_expiries(day: date, count: int, weekday: int = 1) -> list[date]:
    """The next `count` expiry weekdays (Tuesday by default) on or after `day`."""
    first = day + timedelta(days=(weekday - day.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range(count)]


def _premium(spot: float, strike: float, kind: str, days: int) -> float:
    intrinsic = max(spot - strike, 0.0) if kind == "CE" else max(strike - spot, 0.0)
    time_value = spot * 0.12 * math.sqrt(max(days, 0) / 365.0) * 0.4
    time_value *= math.exp(-(((strike - spot) / (spot * 0.05)) ** 2) / 2)
    return round(max(intrinsic + time_value, 0.05) * 20) / 20


def chain(
    day: date,
    symbol: str,
    spot: float,
    *,
    expiries: Sequence[date],
    strikes_each_side: int = 10,
    step: float = 50.0,
    lot_size: int = 75,
) -> list[FoRow]:
    """A day of `symbol`: a future and a strip of calls and puts around `spot` for each of
    `expiries` (expiring ones included: on its expiry day a contract's settle is its
    intrinsic value, a future's the underlying's close)."""
    index = symbol in INDICES
    rows: list[FoRow] = []
    atm = round(spot / step) * step
    for expiry in expiries:
        days = (expiry - day).days
        carry = spot * 0.065 * days / 365.0
        fut = round((spot + carry) * 20) / 20
        future = FoRow(
            "FUTIDX" if index else "FUTSTK", symbol, expiry, None, "",
            fut * 0.995, fut * 1.005, fut * 0.99, fut, spot if days == 0 else fut, spot,
            open_interest=lot_size * 1000, change_in_oi=lot_size * 10, volume=2000,
            lot_size=lot_size,
        )  # fmt: skip
        rows.append(future)
        for n in range(-strikes_each_side, strikes_each_side + 1):
            strike = atm + n * step
            for kind in ("CE", "PE"):
                price = _premium(spot, strike, kind, days)
                settle = _premium(spot, strike, kind, 0) if days == 0 else price
                if (
                    days == 0
                    and settle == 0.05
                    and ((kind == "CE" and strike >= spot) or (kind == "PE" and strike <= spot))
                ):
                    settle = 0.0
                rows.append(
                    FoRow(
                        "OPTIDX" if index else "OPTSTK",
                        symbol,
                        expiry,
                        strike,
                        kind,
                        price,
                        price * 1.2,
                        price * 0.8,
                        price,
                        settle,
                        spot,
                        open_interest=lot_size * max(500 - abs(n) * 20, 0),
                        change_in_oi=lot_size * n,
                        volume=100 + abs(n) * 7,
                        lot_size=lot_size,
                    )  # fmt: skip
                )
    return rows


def with_lot(rows: Iterable[FoRow], lot_size: int) -> list[FoRow]:
    """`rows` with another lot size (a lot revision)."""
    return [replace(r, lot_size=lot_size) for r in rows]
