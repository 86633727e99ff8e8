"""The simulated market: seeded, realistic daily OHLCV for NSE equities (labelled "synthetic").

Model, per trading day ``t`` and stock ``i`` of sector ``k``::

    r[t,i] = beta[i]*m[t] + gamma[i]*s[t,k] + e[t,i] + jump[t,i] - kappa*(x[t-1,i] - trend[t,i])

- ``m`` (market): the drift and volatility scale of a two-state bull/bear Markov regime, times a
  GARCH(1,1) volatility, times a Student-t shock: fat tails and volatility clustering.
- ``s`` (one per sector) and ``e`` (one per stock): GARCH(1,1) with Student-t shocks, so stocks
  of one sector move together more than stocks of different sectors.
- ``jump``: rare overnight news gaps (results, block deals) of a few percent.
- the last term pulls the log price ``x`` slowly back to a per-stock growth trend, so a
  decade-long path keeps price levels that look like the stock's.

The open gaps from the previous close by the overnight share of the factor moves plus any jump;
high and low stretch beyond open and close by the day's volatility; volume follows turnover,
|return| and volatility. Prices land on the NSE tick grid (`tradertape.candles.ticks`).

Levels: a path is finally scaled so that it closes at its instrument's reference close on
`tradertape.candles.anchors.ANCHOR_DAY` (approximate late-2025 levels shipped with the package),
so the demo shows INFY near ₹1,550 rather than wherever the model wandered. Scaling multiplies
every price of the path by one factor: returns, regimes and trading decisions are unchanged,
only the tick grid and the share counts follow the level. Generation therefore always runs to
the anchor day (a range ending earlier is cut from that longer path).

Reproducibility: every random draw comes from a generator seeded by (seed, stream, year) and is
indexed by calendar day; the market, each sector and each stock are separate streams. So a
stock's path does not depend on which other stocks are generated with it, and generating to a
later end date leaves earlier days unchanged (the store extends a series by appending). Paths
start at a fixed first day, 2018-01-01 (the *epoch*), whatever the calendar's first year. A
stock's character (beta, volatility, size) depends only on its symbol, and its level on the
anchor day only on its reference close.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tradertape.candles.anchors import ANCHOR_DAY, reference_close
from tradertape.candles.bars import Bars, FloatArray, TimeArray
from tradertape.candles.panel import axis_between
from tradertape.candles.ticks import round_prices_to_ticks
from tradertape.domain.calendar import TradingCalendar
from tradertape.domain.instruments import InstrumentCatalog, InstrumentType

#: Bumped whenever the same seed starts producing different paths (2: anchored levels).
MODEL_VERSION = 2
DEFAULT_SEED = 7
YEAR = 250  # trading days
SYNTHETIC_EPOCH = date(2018, 1, 1)  # where every synthetic path starts
_DOY = 366  # draws per stream and year: one per calendar day
_TIERS = ("nifty_50", "nifty_next_50", "nifty_200")  # size tiers 0..2; the rest is tier 3


@dataclass(frozen=True, slots=True)
class MarketConfig:
    """Model parameters; volatilities and drifts are annualised, durations in trading days."""

    market_vol: float = 0.13
    sector_vol: float = 0.09
    idio_vol_range: tuple[float, float] = (0.15, 0.32)
    garch_alpha: float = 0.08
    garch_beta: float = 0.90
    market_tail_dof: float = 6.0
    stock_tail_dof: float = 4.5
    bull_drift: float = 0.16
    bear_drift: float = -0.45
    bull_vol_scale: float = 0.85
    bear_vol_scale: float = 1.7
    bull_mean_days: float = 420.0
    bear_mean_days: float = 70.0
    overnight_share: float = 0.35
    jumps_per_year: float = 2.0
    jump_size: float = 0.05
    reversion_half_life_days: float = 375.0
    trend_growth_range: tuple[float, float] = (0.04, 0.16)
    range_scale: float = 0.6


@dataclass(frozen=True, slots=True)
class StockProfile:
    """A stock's character, fixed per symbol (independent of the seed)."""

    key: str
    sector: str
    start_price: float
    beta: float
    sector_loading: float
    idio_vol: float
    trend_growth: float
    market_cap: float  # rupees, at the epoch
    turnover: float  # rupees traded on an ordinary day at the epoch


def _stream(name: str) -> int:
    return zlib.crc32(name.encode())


def stock_profile(key: str, sector: str, tier: int, config: MarketConfig) -> StockProfile:
    """The deterministic character of one stock (``tier`` 0 = NIFTY 50 … 3 = the rest)."""
    rng = np.random.default_rng(_stream(f"profile:{key}"))
    if rng.random() < 0.06:  # a few stocks trade in the tens of thousands (MRF, Page, ...)
        start_price = math.exp(rng.uniform(math.log(5_000), math.log(40_000)))
    else:
        start_price = math.exp(rng.uniform(math.log(60), math.log(3_500)))
    market_cap = (2.0e12, 6.0e11, 1.8e11, 5.0e10)[tier] * math.exp(rng.normal(0.0, 0.6))
    low, high = config.idio_vol_range
    return StockProfile(
        key=key,
        sector=sector,
        start_price=start_price,
        beta=float(rng.uniform(0.65, 1.35)),
        sector_loading=float(rng.uniform(0.5, 1.2)),
        idio_vol=float(rng.uniform(low, high)) * (0.85 + 0.1 * tier),  # small caps swing more
        trend_growth=float(rng.uniform(*config.trend_growth_range)),
        market_cap=market_cap,
        turnover=market_cap * 0.0012 * math.exp(rng.normal(0.0, 0.4)),
    )


def _unit_t(rng: np.random.Generator, dof: float, size: int) -> FloatArray:
    # Student-t scaled to unit variance, so the GARCH variance is the shock's variance.
    return rng.standard_t(dof, size) / math.sqrt(dof / (dof - 2.0))


@dataclass(frozen=True, slots=True)
class _DayIndex:
    """Where each trading day's draw sits in the per-year blocks."""

    year: npt.NDArray[np.int64]  # offset from the epoch's year
    doy: npt.NDArray[np.int64]  # day of year, 0-based

    @classmethod
    def of(cls, days: TimeArray, epoch_year: int) -> _DayIndex:
        years = days.astype("datetime64[Y]")
        doy = (days - years.astype("datetime64[D]")).astype(np.int64)
        return cls(year=years.astype(np.int64) + 1970 - epoch_year, doy=doy)


def _blocks(seed: int, stream: str, years: int, draw: list[str], dof: float) -> FloatArray:
    """Draws of one stream: (kinds, years, 366); each (stream, year) has its own generator."""
    out = np.empty((len(draw), years, _DOY))
    for year in range(years):
        rng = np.random.default_rng([seed, _stream(stream), year])
        for k, kind in enumerate(draw):  # a fixed order and size per year: prefix-stable
            if kind == "t":
                out[k, year] = _unit_t(rng, dof, _DOY)
            elif kind == "u":
                out[k, year] = rng.random(_DOY)
            else:
                out[k, year] = rng.standard_normal(_DOY)
    return out


def _garch(shocks: FloatArray, vol_annual: float | FloatArray, config: MarketConfig) -> FloatArray:
    """Conditional variances for unit shocks (days × series), started at the long-run level."""
    target = (np.asarray(vol_annual, dtype=np.float64) ** 2) / YEAR
    omega = target * (1.0 - config.garch_alpha - config.garch_beta)
    growth = config.garch_alpha * shocks**2 + config.garch_beta
    variance = np.empty_like(shocks)
    current = np.broadcast_to(target, shocks.shape[1:]).astype(np.float64)
    for t in range(shocks.shape[0]):
        variance[t] = current
        current = omega + growth[t] * current
    return variance


@dataclass(frozen=True, slots=True, eq=False)
class MarketPath:
    """The common factor: regime, market return and its conditional variance per day."""

    bear: npt.NDArray[np.bool_]
    ret: FloatArray
    variance: FloatArray  # of the regime-scaled market shock


class SyntheticMarket:
    """Generates daily histories of catalog equities from one seed.

    Instances are cheap; `generate` does the work. `origin` is what stored series record, so
    the store can tell a series of another seed or model version from this one's.
    """

    def __init__(
        self,
        catalog: InstrumentCatalog,
        calendar: TradingCalendar,
        *,
        seed: int = DEFAULT_SEED,
        config: MarketConfig | None = None,
    ) -> None:
        self.catalog = catalog
        self.calendar = calendar
        self.seed = seed
        self.config = config or MarketConfig()
        self._tiers: dict[str, int] = {}
        for tier, name in reversed(list(enumerate(_TIERS))):  # smaller tiers overwrite
            self._tiers.update((i.key, tier) for i in catalog.universe(name))

    @property
    def origin(self) -> str:
        """``synthetic model v2 seed 7``: recorded with every series this market writes."""
        return f"synthetic model v{MODEL_VERSION} seed {self.seed}"

    @property
    def epoch(self) -> date:
        """The first day of every path: fixed, not the calendar's first day, so that extending
        the calendar's history backwards changes no synthetic price."""
        return SYNTHETIC_EPOCH

    def profile(self, key: str) -> StockProfile:
        """The character of one equity of the catalog."""
        instrument = self.catalog.get(key)
        if instrument.instrument_type is not InstrumentType.EQ:
            raise ValueError(f"{instrument.key} is not an equity; indices are derived")
        tier = self._tiers.get(instrument.key, 3)
        return stock_profile(instrument.key, instrument.sector or "Other", tier, self.config)

    def reference(self, key: str) -> float | None:
        """The close ``key``'s path is anchored to on `ANCHOR_DAY` (None: left unscaled)."""
        return reference_close(key, self.catalog)

    @property
    def anchor_day(self) -> date | None:
        """`ANCHOR_DAY`, or None when this calendar does not reach it."""
        covered = self.epoch <= ANCHOR_DAY and self.calendar.covers(ANCHOR_DAY)
        return ANCHOR_DAY if covered and self.calendar.is_trading_day(ANCHOR_DAY) else None

    def days(self, end: date) -> TimeArray:
        """Trading days from the epoch to ``end``."""
        return axis_between(self.calendar, self.epoch, end)

    def market(self, end: date) -> MarketPath:
        """The market factor from the epoch to ``end``."""
        cfg = self.config
        days = self.days(end)
        index = _DayIndex.of(days, self.epoch.year)
        years = int(index.year.max()) + 1 if days.size else 0
        shock, switch = _blocks(self.seed, "market", years, ["t", "u"], cfg.market_tail_dof)
        shock, switch = shock[index.year, index.doy], switch[index.year, index.doy]
        leave = (1.0 / cfg.bull_mean_days, 1.0 / cfg.bear_mean_days)
        bear = np.zeros(days.size, dtype=np.bool_)
        state = False
        for t, u in enumerate(switch.tolist()):
            if u < leave[state]:
                state = not state
            bear[t] = state
        base = _garch(shock[:, None], cfg.market_vol, cfg)[:, 0]
        scale = np.where(bear, cfg.bear_vol_scale, cfg.bull_vol_scale)
        drift = np.where(bear, cfg.bear_drift, cfg.bull_drift) / YEAR
        variance = base * scale**2
        return MarketPath(bear=bear, ret=drift + np.sqrt(variance) * shock, variance=variance)

    def generate(self, keys: Sequence[str], start: date, end: date) -> SyntheticDays:
        """Daily OHLCV of the equities ``keys`` on the trading days from ``start`` to ``end``."""
        profiles = [self.profile(k) for k in keys]
        anchor = self.anchor_day
        whole = _simulate(self, profiles, max(end, anchor) if anchor else end)
        first = int(np.searchsorted(whole.days, np.datetime64(start, "D")))
        stop = int(np.searchsorted(whole.days, np.datetime64(end, "D"), side="right"))
        return whole.window(first, stop)


@dataclass(frozen=True, slots=True, eq=False)
class SyntheticDays:
    """Generated candles: arrays are (days, stocks); ``tick`` is the grid each day used."""

    days: TimeArray
    profiles: tuple[StockProfile, ...]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    tick: FloatArray
    market: MarketPath
    level: FloatArray  # per stock: the anchored price at the epoch (the path's scale)
    reference: FloatArray  # per stock: the anchor day's close, NaN if not anchored

    @property
    def keys(self) -> tuple[str, ...]:
        """The stocks, in column order."""
        return tuple(p.key for p in self.profiles)

    def bars(self, column: int) -> Bars:
        """One stock's candles."""
        return Bars(
            time=self.days,
            open=self.open[:, column],
            high=self.high[:, column],
            low=self.low[:, column],
            close=self.close[:, column],
            volume=self.volume[:, column],
        )

    def since(self, row: int) -> SyntheticDays:
        """The same candles from day ``row`` on."""
        return self.window(row, len(self.days))

    def window(self, first: int, stop: int) -> SyntheticDays:
        """The same candles of days ``first:stop``."""
        rows = slice(first, stop)
        return SyntheticDays(
            days=self.days[rows],
            profiles=self.profiles,
            open=self.open[rows],
            high=self.high[rows],
            low=self.low[rows],
            close=self.close[rows],
            volume=self.volume[rows],
            tick=self.tick[rows],
            market=MarketPath(
                self.market.bear[rows], self.market.ret[rows], self.market.variance[rows]
            ),
            level=self.level,
            reference=self.reference,
        )


def _simulate(market: SyntheticMarket, profiles: list[StockProfile], end: date) -> SyntheticDays:
    cfg, seed = market.config, market.seed
    days = market.days(end)
    path = market.market(end)
    index = _DayIndex.of(days, market.epoch.year)
    years = int(index.year.max()) + 1 if days.size else 0

    def at(blocks: FloatArray) -> FloatArray:  # (kinds, years, 366) → (kinds, days)
        return blocks[:, index.year, index.doy]

    sectors = sorted({p.sector for p in profiles})
    sector_shock = np.stack(
        [at(_blocks(seed, f"sector:{s}", years, ["t"], cfg.market_tail_dof))[0] for s in sectors],
        axis=1,
    )
    sector_var = _garch(sector_shock, cfg.sector_vol, cfg)
    sector_ret = np.sqrt(sector_var) * sector_shock
    kinds = ["t", "u", "n", "n", "n", "n", "n"]
    draws = np.stack(
        [at(_blocks(seed, f"stock:{p.key}", years, kinds, cfg.stock_tail_dof)) for p in profiles],
        axis=2,
    )  # (kinds, days, stocks)
    shock, jump_u, jump_n, night_n, up_n, down_n, volume_n = draws

    def column(name: str) -> FloatArray:
        return np.array([getattr(p, name) for p in profiles], dtype=np.float64)

    beta, loading, idio = column("beta"), column("sector_loading"), column("idio_vol")
    idio_var = _garch(shock, idio, cfg)
    idio_ret = np.sqrt(idio_var) * shock
    which = np.array([sectors.index(p.sector) for p in profiles], dtype=np.intp)
    factor = beta * path.ret[:, None] + loading * sector_ret[:, which]
    jumps = np.where(jump_u < cfg.jumps_per_year / YEAR, cfg.jump_size * jump_n, 0.0)
    raw = factor + idio_ret + jumps

    # Pull the log price back towards its trend (a linear recurrence, run day by day).
    start = np.log(column("start_price"))
    trend = start + np.outer(np.arange(1, days.size + 1), column("trend_growth") / YEAR)
    kappa = math.log(2.0) / cfg.reversion_half_life_days
    log_close = np.empty_like(raw)
    current = start
    for t in range(days.size):
        current = current + raw[t] - kappa * (current - trend[t])
        log_close[t] = current
    previous = np.vstack([start[None, :], log_close[:-1]])
    ret = log_close - previous
    day_sd = np.sqrt(
        (beta**2) * path.variance[:, None] + (loading**2) * sector_var[:, which] + idio_var
    )
    gap = cfg.overnight_share * factor + jumps + 0.2 * day_sd * night_n
    open_ = np.exp(previous + gap)
    close = np.exp(log_close)
    stretch = cfg.range_scale * day_sd
    high = np.maximum(open_, close) * np.exp(stretch * np.abs(up_n))
    low = np.minimum(open_, close) * np.exp(-stretch * np.abs(down_n))

    # Anchor the level: one factor per stock, so every return is what the model drew.
    reference = np.array([market.reference(p.key) or math.nan for p in profiles], dtype=np.float64)
    scale = np.ones(len(profiles))
    anchor = market.anchor_day
    row = int(np.searchsorted(days, np.datetime64(anchor, "D"))) if anchor else days.size
    if row < days.size and days[row] == np.datetime64(anchor, "D"):
        scale = np.where(np.isnan(reference), 1.0, reference / close[row])
    else:
        reference = np.full(len(profiles), math.nan)
    open_, high, low, close = (a * scale for a in (open_, high, low, close))
    previous = previous + np.log(scale)
    level = column("start_price") * scale
    o, h, lo, c, tick = round_prices_to_ticks(days, level, open_, high, low, close)

    # Shares traded: turnover over price, more on big moves and in turbulent times.
    surprise = np.abs(ret) / day_sd - 0.8
    typical_sd = np.sqrt(
        (beta * cfg.market_vol) ** 2 + (loading * cfg.sector_vol) ** 2 + idio**2
    ) / math.sqrt(YEAR)  # the long-run level, not this path's: extending must not rescale
    turbulence = np.log(day_sd / typical_sd)
    shares = column("turnover") / np.exp(previous)
    volume = np.floor(shares * np.exp(0.35 * surprise + 0.9 * turbulence + 0.3 * volume_n - 0.05))
    # Column-major: each stock's column is contiguous, which is how the store writes them.
    return SyntheticDays(
        days=days,
        profiles=tuple(profiles),
        open=np.asfortranarray(o),
        high=np.asfortranarray(h),
        low=np.asfortranarray(lo),
        close=np.asfortranarray(c),
        volume=np.asfortranarray(np.maximum(volume, 1.0)),
        tick=tick,
        market=path,
        level=level,
        reference=reference,
    )
