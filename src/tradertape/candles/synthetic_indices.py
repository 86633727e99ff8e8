"""Synthetic indices, derived from synthetic member stocks so a benchmark always exists.

Each index is free-float-market-cap weighted in the simplest way: a fixed share count per member
(its market cap at the epoch over its price then), so weights drift with prices as real index
weights do. The divisor puts the index at its reference close on the anchor day (the members
are anchored there too, see `synthetic`); an index without one starts at its real level of
early 2018. Members are today's
constituents from the catalog (no reconstitution). High and low are the weighted members'
highs and lows pulled towards the open/close envelope, since members do not all peak at the
same minute. Index candles have zero volume, as Kite's do. INDIA VIX follows the market
factor's conditional volatility instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from tradertape.candles.anchors import reference_closes
from tradertape.candles.bars import Bars, FloatArray
from tradertape.candles.synthetic import YEAR, SyntheticDays
from tradertape.candles.ticks import snap
from tradertape.domain.instruments import Instrument, InstrumentCatalog
from tradertape.domain.market import Interval

INDEX_TICK = 0.05  # the catalog's tick for indices
_RANGE_SHRINK = 0.6  # members' highs do not coincide: the index range is narrower
VIX_KEY = "NSE:INDIA VIX"

Rule = Callable[[InstrumentCatalog], list[Instrument]]


def _universe(name: str) -> Rule:
    return lambda catalog: list(catalog.universe(name))


def _where(universe: str, test: Callable[[Instrument], bool]) -> Rule:
    return lambda catalog: [i for i in catalog.universe(universe) if test(i)]


def _sector(universe: str, *sectors: str) -> Rule:
    return _where(universe, lambda i: i.sector in sectors)


def _industry(universe: str, industry: str) -> Rule:
    return _where(universe, lambda i: i.industry == industry)


def _midcaps(catalog: InstrumentCatalog) -> list[Instrument]:
    large = {i.key for i in catalog.universe("nifty_100")}
    return [i for i in catalog.universe("nifty_200") if i.key not in large]


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """How one index is made: its members and its level at the epoch."""

    key: str
    members: Rule
    base_level: float
    top: int | None = None  # keep only the largest members (SENSEX: 30 of the NIFTY 50)


INDEX_SPECS: tuple[IndexSpec, ...] = (
    IndexSpec("NSE:NIFTY 50", _universe("nifty_50"), 10_435.0),
    IndexSpec("NSE:NIFTY NEXT 50", _universe("nifty_next_50"), 28_700.0),
    IndexSpec("NSE:NIFTY 100", _universe("nifty_100"), 11_050.0),
    IndexSpec("NSE:NIFTY 200", _universe("nifty_200"), 5_800.0),
    IndexSpec("NSE:NIFTY 500", _universe("nifty_500"), 9_350.0),
    IndexSpec("NSE:NIFTY MIDCAP 100", _midcaps, 21_100.0),
    IndexSpec("NSE:NIFTY MID SELECT", _midcaps, 6_000.0, top=25),
    IndexSpec("NSE:NIFTY BANK", _industry("nifty_100", "Banks"), 25_500.0),
    IndexSpec("NSE:NIFTY FIN SERVICE", _sector("nifty_100", "Financial Services"), 10_300.0),
    IndexSpec("NSE:NIFTY IT", _sector("nifty_200", "Information Technology"), 11_400.0),
    IndexSpec("NSE:NIFTY AUTO", _sector("nifty_100", "Automobile and Auto Components"), 11_800.0),
    IndexSpec(
        "NSE:NIFTY PHARMA", _industry("nifty_200", "Pharmaceuticals & Biotechnology"), 8_900.0
    ),
    IndexSpec("NSE:NIFTY FMCG", _sector("nifty_100", "Fast Moving Consumer Goods"), 27_000.0),
    IndexSpec("NSE:NIFTY METAL", _sector("nifty_200", "Metals & Mining"), 3_950.0),
    IndexSpec(
        "NSE:NIFTY ENERGY", _sector("nifty_100", "Oil Gas & Consumable Fuels", "Power"), 14_200.0
    ),
    IndexSpec("NSE:NIFTY REALTY", _sector("nifty_500", "Realty"), 330.0),
    IndexSpec("BSE:SENSEX", _universe("nifty_50"), 34_000.0, top=30),
)


def derivable(keys: Iterable[str], catalog: InstrumentCatalog) -> list[str]:
    """Index keys that can be derived from the equities ``keys`` (INDIA VIX always can)."""
    have = set(keys)
    found = [s.key for s in INDEX_SPECS if (m := s.members(catalog)) and {i.key for i in m} <= have]
    return [*found, VIX_KEY]


def members(spec: IndexSpec, history: SyntheticDays, catalog: InstrumentCatalog) -> list[int]:
    """Columns of ``history`` that make up the index, or [] if any member was not generated."""
    keys = history.keys
    wanted = [i.key for i in spec.members(catalog)]
    if not wanted or any(k not in keys for k in wanted):
        return []
    columns = [keys.index(k) for k in wanted]
    if spec.top is not None:
        caps = [history.profiles[j].market_cap for j in columns]
        columns = [c for _, c in sorted(zip(caps, columns, strict=True), reverse=True)[: spec.top]]
    return sorted(columns)


def index_bars(spec: IndexSpec, history: SyntheticDays, columns: list[int]) -> Bars:
    """Candles of one index over ``history``'s days from its member columns."""
    profiles = [history.profiles[j] for j in columns]
    at_epoch, anchored = history.level[columns], history.reference[columns]
    shares = np.array([p.market_cap for p in profiles]) / at_epoch
    target = reference_closes().get(spec.key)
    if target is not None and not np.isnan(anchored).any():
        divisor = float(shares @ anchored) / target
    else:
        divisor = float(shares @ at_epoch) / spec.base_level

    def level(field: FloatArray) -> FloatArray:
        return np.asarray(field[:, columns] @ shares, dtype=np.float64) / divisor

    o, h, lo, c = level(history.open), level(history.high), level(history.low), level(history.close)
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    high = top + _RANGE_SHRINK * (h - top)
    low = bottom - _RANGE_SHRINK * (bottom - lo)
    return _on_grid(history, o, high, low, c)


def vix_bars(history: SyntheticDays) -> Bars:
    """INDIA VIX: the market's annualised conditional volatility (in percent) plus a premium."""
    close = 3.0 + 100.0 * np.sqrt(history.market.variance * YEAR) * 1.1
    previous = np.concatenate([close[:1], close[:-1]])
    open_ = 0.7 * previous + 0.3 * close
    spread = 0.04 * close
    return _on_grid(
        history, open_, np.maximum(open_, close) + spread, np.minimum(open_, close) - spread, close
    )


def _on_grid(
    history: SyntheticDays, o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray
) -> Bars:
    tick = np.full_like(o, INDEX_TICK)
    o, c = snap(o, tick, "nearest"), snap(c, tick, "nearest")
    return Bars.from_arrays(
        Interval.DAY,
        time=history.days,
        open=o,
        high=np.maximum(snap(h, tick, "up"), np.maximum(o, c)),
        low=np.maximum(np.minimum(snap(lo, tick, "down"), np.minimum(o, c)), INDEX_TICK),
        close=c,
        volume=np.zeros_like(o),
    )


def derive_indices(history: SyntheticDays, catalog: InstrumentCatalog) -> dict[str, Bars]:
    """Every index whose members are all in ``history``, plus INDIA VIX."""
    out: dict[str, Bars] = {}
    for spec in INDEX_SPECS:
        columns = members(spec, history, catalog)
        if columns:
            out[spec.key] = index_bars(spec, history, columns)
    out[VIX_KEY] = vix_bars(history)
    return out
