"""Reference closes: the level each synthetic path is anchored to on one date.

A simulated path's returns come from the model; its level would be arbitrary (INFY at ₹183).
So every path is scaled, as a last step that leaves every return unchanged, to close at its
instrument's reference level on `ANCHOR_DAY`: approximate late-2025 closes shipped in
``domain/data/instruments/reference_closes.csv`` (see that file's header for what they are).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
import zlib
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib.resources import files

from tradertape.domain.instruments import InstrumentCatalog, InstrumentType

#: The date the reference closes describe; synthetic paths close at them that day.
ANCHOR_DAY = date(2025, 11, 21)


def parse_reference_closes(text: str) -> dict[str, float]:
    """``key → close`` from the CSV text (``#`` lines are comments)."""
    rows = csv.DictReader(io.StringIO("".join(ln for ln in text.splitlines(True) if ln[:1] != "#")))
    return {row["key"]: float(row["close"]) for row in rows}


@cache
def reference_closes() -> Mapping[str, float]:
    """The shipped reference closes (read once per process)."""
    data = files("tradertape.domain").joinpath("data/instruments/reference_closes.csv")
    return parse_reference_closes(data.read_text(encoding="utf-8"))


def reference_close(key: str, catalog: InstrumentCatalog) -> float | None:
    """``key``'s reference close; for an equity the file lacks, a level typical of its sector
    (the sector's median, spread per symbol so such stocks do not all print one price)."""
    known = reference_closes()
    if key in known:
        return known[key]
    instrument = catalog.find(key)
    if instrument is None or instrument.instrument_type is not InstrumentType.EQ:
        return None
    peers = [
        known[i.key]
        for i in catalog
        if i.instrument_type is InstrumentType.EQ
        and i.sector == instrument.sector
        and i.key in known
    ]
    typical = statistics.median(peers or [v for k, v in known.items() if k.startswith("NSE:")])
    spread = zlib.crc32(f"reference:{key}".encode()) / 2**32 - 0.5  # in [-0.5, 0.5)
    return round(typical * math.exp(spread), 2)
