"""Parsing a Kite instruments dump: strict header, typed rows, errors by line and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tradertape.domain.instruments import Exchange, InstrumentType
from tradertape.domain.instruments_data import reference_catalog
from tradertape.domain.kite_dump import KITE_HEADER, KiteDumpError, kite_instrument, parse_kite_dump

DUMP = (Path(__file__).parents[2] / "data" / "kite_instruments.csv").read_text()
HEADER = ",".join(KITE_HEADER)
EQ = "738561,2885,RELIANCE,RELIANCE INDUSTRIES,0.0,,0.0,0.1,1,EQ,NSE,NSE"
FUT = "13238786,51714,NIFTY26SEPFUT,NIFTY,0.0,2026-09-29,0.0,0.1,65,FUT,NFO-FUT,NFO"
CE = "10252802,40050,NIFTY26SEP24650CE,NIFTY,0.0,2026-09-29,24650.0,0.05,65,CE,NFO-OPT,NFO"


def test_fixture_parses_into_typed_rows():
    dump = parse_kite_dump(DUMP)
    assert dump.rows_read == 15
    assert dump.skipped == {"MCX": 1}
    by_key = {row.key: row for row in dump.rows}
    ce = by_key["NFO:NIFTY26SEP24650CE"]
    assert ce.exchange is Exchange.NFO
    assert (ce.expiry, ce.strike, ce.lot_size, ce.tick_size) == (
        date(2026, 9, 29),
        Decimal("24650.0"),
        65,
        Decimal("0.05"),
    )
    assert ce.instrument_token >> 8 == ce.exchange_token
    assert by_key["NSE:NIFTY 50"].segment == "INDICES"


def test_bom_blank_lines_and_spaces_are_tolerated():
    dump = parse_kite_dump(
        "\ufeff" + HEADER + "\n\n" + EQ.replace(",NSE,NSE", ", nse , nse ") + "\n\n"
    )
    assert [row.key for row in dump.rows] == ["NSE:RELIANCE"]


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param(HEADER.replace("tradingsymbol", "symbol"), id="renamed"),
        pytest.param(HEADER + ",extra", id="extra"),
        pytest.param(HEADER.replace(",last_price", ""), id="missing"),
        pytest.param(",".join(reversed(KITE_HEADER)), id="reordered"),
    ],
)
def test_header_must_be_kites(header: str):
    with pytest.raises(KiteDumpError) as info:
        parse_kite_dump(header + "\n" + EQ + "\n")
    assert (info.value.line, info.value.column) == (1, "header")
    assert "expected instrument_token,exchange_token," in str(info.value)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        pytest.param(
            EQ.replace("738561", "x"), "instrument_token", "'x' is not a whole", id="token"
        ),
        pytest.param(EQ.replace("738561", "0"), "instrument_token", ">= 1", id="token-zero"),
        pytest.param(EQ.replace(",2885,", ",-1,"), "exchange_token", "'-1'", id="exch-token"),
        pytest.param(EQ.replace("RELIANCE,R", ",R"), "tradingsymbol", "not a trading", id="symbol"),
        pytest.param(EQ.replace("RELIANCE,R", "A:B,R"), "tradingsymbol", "'A:B'", id="colon"),
        pytest.param(EQ.replace("0.0,,", "abc,,"), "last_price", "'abc'", id="last-price"),
        pytest.param(FUT.replace("2026-09-29", "29-09-2026"), "expiry", "YYYY-MM-DD", id="date"),
        pytest.param(
            FUT.replace("2026-09-29", "2026-02-30"), "expiry", "'2026-02-30'", id="no-day"
        ),
        pytest.param(FUT.replace("2026-09-29", ""), "expiry", "needs an expiry", id="no-expiry"),
        pytest.param(FUT.replace(",NIFTY,", ",,"), "name", "underlying", id="no-underlying"),
        pytest.param(CE.replace("24650.0", "nan"), "strike", "'nan'", id="strike-nan"),
        pytest.param(CE.replace("24650.0", "-5"), "strike", "'-5'", id="strike-negative"),
        pytest.param(CE.replace("24650.0", "0"), "strike", "strike above 0", id="no-strike"),
        pytest.param(EQ.replace(",0.1,", ",tick,"), "tick_size", "'tick'", id="tick"),
        pytest.param(EQ.replace(",1,EQ", ",1.5,EQ"), "lot_size", "'1.5'", id="lot"),
        pytest.param(
            EQ.replace(",EQ,", ",XX,"), "instrument_type", "'XX' in segment NSE", id="type"
        ),
        pytest.param(
            FUT.replace(",FUT,", ",CE,"), "instrument_type", "expected FUT", id="type-seg"
        ),
        pytest.param(EQ.replace(",NSE,NSE", ",NFO-FUT,NSE"), "segment", "of NSE", id="segment"),
        pytest.param(EQ.replace(",NSE,NSE", ",NSE,"), "exchange", "missing", id="no-exchange"),
        pytest.param(EQ.rsplit(",", 1)[0], "exchange", "expected 12 fields, got 11", id="short"),
        pytest.param(EQ + ",x", "exchange", "expected 12 fields, got 13", id="long"),
        pytest.param(EQ + "\n" + EQ, "tradingsymbol", "NSE:RELIANCE appears twice", id="dup"),
    ],
)
def test_a_bad_row_names_its_line_and_column(row: str, column: str, message: str):
    text = f"{HEADER}\n{FUT}\n{row}\n"
    with pytest.raises(KiteDumpError) as info:
        parse_kite_dump(text)
    error = info.value
    assert error.column == column
    assert message in error.message
    assert error.line == (4 if column == "tradingsymbol" and "twice" in message else 3)
    assert str(error).startswith(f"line {error.line}, column {column}: ")


def test_rows_of_untraded_exchanges_are_counted_not_checked():
    mcx = "116433415,454818,GOLDM26OCTFUT,GOLDM,bad,2026-10-03,0.0,1.0,1,FUT,MCX-FUT,MCX"
    cds = "1,1,USDINR,USDINR,0,,0,0.0025,1,FUT,CDS-FUT,cds"
    dump = parse_kite_dump(f"{HEADER}\n{mcx}\n{cds}\n{cds}\n")
    assert dump.rows == ()
    assert dump.skipped == {"CDS": 2, "MCX": 1}
    assert dump.rows_read == 3


def test_dump_rows_win_but_keep_what_only_the_reference_knows():
    reference = reference_catalog()
    rows = {row.key: row for row in parse_kite_dump(DUMP).rows}

    reliance = kite_instrument(rows["NSE:RELIANCE"], reference.get("NSE:RELIANCE"))
    assert reliance.instrument_token == 738561
    assert reliance.exchange_token == 2885
    assert reliance.name == "RELIANCE INDUSTRIES"
    assert (reliance.isin, reliance.industry) == ("INE002A01018", "Petroleum Products")
    assert reliance.tick_size == Decimal("0.1")

    nifty = kite_instrument(rows["NSE:NIFTY 50"], reference.get("NSE:NIFTY 50"))
    assert nifty.instrument_type is InstrumentType.INDEX
    assert (nifty.lot_size, nifty.tick_size) == (65, Decimal("0.05"))  # the dump says 0, 0
    assert (nifty.underlying, nifty.upstox_key) == ("NIFTY", "NSE_INDEX|Nifty 50")

    unknown_index = kite_instrument(rows["NSE:NIFTY BANK"])
    assert (unknown_index.lot_size, unknown_index.underlying) == (1, None)

    fut = kite_instrument(rows["NFO:NIFTY26SEPFUT"])
    assert (fut.underlying, fut.strike, fut.option_type) == ("NIFTY", None, None)
    put = kite_instrument(rows["BFO:SENSEX26SEP79500PE"])
    assert (put.option_type, put.strike, put.segment) == (
        InstrumentType.PE,
        Decimal("79500.0"),
        "BFO-OPT",
    )
    # A reference row of another kind (an equity named like an index) is ignored.
    odd = kite_instrument(rows["NSE:INFY"], reference.get("NSE:NIFTY 50"))
    assert odd.isin is None
