"""`IndicatorBook`: the indicators of one set of OHLCV arrays, computed on demand, once.

A strategy asks for names; the book parses each, computes it (and whatever it depends on)
the first time, and keeps the result. Results are read-only so that one caller cannot
corrupt what the next one reads.
"""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt

from tradertape.candles.panel import Panel
from tradertape.indicators import kernels
from tradertape.indicators.formulas import FORMULAS
from tradertape.indicators.layout import FloatArray, Rows
from tradertape.indicators.names import IndicatorSpec, check_spec, parse_indicator

FIELDS = ("open", "high", "low", "close", "volume")

# Each panel's layout, found once: a panel run again and again (a bench's runs, a grid's
# variants on their own books) would scan its closes for gaps every time. A panel is not
# changed in place once loaded (its arrays are what the store assembled), and it is the key,
# by identity: the entry goes with it.
_LAYOUTS: weakref.WeakKeyDictionary[Panel, Rows] = weakref.WeakKeyDictionary()


def _frozen(values: npt.ArrayLike) -> FloatArray:
    """A read-only, Fortran-ordered float64 view (a copy only if the input is not one)."""
    if type(values) is np.ndarray and values.dtype == np.float64 and values.flags.f_contiguous:
        array = values.view()  # (a panel's: `np.asfortranarray` would return it as it is)
    else:
        array = np.asfortranarray(values, dtype=np.float64).view()
    array.flags.writeable = False
    return array


class IndicatorBook:
    """Computes and caches named indicators of (days T, instruments N) OHLCV arrays.

    NaN marks a day without a bar; each column is computed on its present rows (non-NaN
    close) as if the missing days did not exist. Row ``t`` of every result depends only on
    rows up to ``t``. Not thread-safe: one book per backtest or request.
    """

    def __init__(
        self,
        open: npt.ArrayLike,  # noqa: A002 - the OHLCV names are the vocabulary
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
        *,
        rows: Rows | None = None,
    ) -> None:
        """``rows``: the layout of ``close`` when already known (`from_panel`)."""
        fields = [_frozen(a) for a in (open, high, low, close, volume)]
        shape = fields[3].shape
        if len(shape) != 2:
            raise ValueError(f"expected (days, instruments) arrays, got shape {shape}")
        for name, array in zip(FIELDS, fields, strict=True):
            if array.shape != shape:
                raise ValueError(f"{name} has shape {array.shape}, close has {shape}")
        self._fields = dict(zip(FIELDS, fields, strict=True))
        # `layout.present_rows`, compiled
        self._rows = rows if rows is not None else Rows(*kernels.present_layout(fields[3]))
        self._cache: dict[IndicatorSpec, FloatArray] = {}

    @classmethod
    def from_panel(cls, panel: Panel) -> IndicatorBook:
        """The book of a candle panel (its arrays are already Fortran-ordered: no copy), its
        layout found once per panel."""
        rows = _LAYOUTS.get(panel)
        book = cls(panel.open, panel.high, panel.low, panel.close, panel.volume, rows=rows)
        if rows is None:
            _LAYOUTS[panel] = book.rows
        return book

    @property
    def shape(self) -> tuple[int, int]:
        """(days, instruments)."""
        days, instruments = self._fields["close"].shape
        return (days, instruments)

    @property
    def rows(self) -> Rows:
        """Which rows of each column hold a bar."""
        return self._rows

    def field(self, name: str) -> FloatArray:
        """A raw field (read-only)."""
        return self._fields[name]

    def get(self, name: str | IndicatorSpec) -> FloatArray:
        """The (T, N) series a name stands for, NaN where undefined; `UnknownIndicator` if the
        name is not one. Computed on first request, then served from the cache."""
        return self.value(parse_indicator(name) if isinstance(name, str) else name)

    def value(self, spec: IndicatorSpec) -> FloatArray:
        """`get` for a spec (checked as a name would be)."""
        if spec.kind in self._fields:
            return self._fields[spec.kind]
        cached = self._cache.get(spec)
        if cached is not None:
            return cached
        for produced, array in FORMULAS[check_spec(spec).kind](self, spec).items():
            if produced not in self._cache:
                array.flags.writeable = False
                self._cache[produced] = array
        return self._cache[spec]

    def at(self, name: str, cells: npt.NDArray[np.int64]) -> FloatArray:
        """`get`'s values at ``cells`` only (``column × days + row``, ascending): from the
        cache when computed, and a simple moving average of the closes not yet computed
        without its (days × instruments) grid (`kernels.sma_at`: a rule reading it on a few
        cells need not write it whole); anything else is computed whole, then read."""
        spec = parse_indicator(name)
        if spec.kind == "sma" and spec not in self._cache:
            period = check_spec(spec).params[0]
            return kernels.sma_at(self._fields["close"], period, self._rows, cells)
        grid = self.value(spec)
        flat: FloatArray = grid.T.reshape(-1)  # (Fortran order: a view, symbol-major)
        return flat[cells]

    def names(self) -> list[str]:
        """Canonical names of the indicators computed so far (dependencies included), in the
        order they were computed."""
        return [spec.name for spec in self._cache]
