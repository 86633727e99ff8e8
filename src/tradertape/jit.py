"""The one way kernels are compiled: numba nopython, cached on disk, GIL released.

numba ships no type hints, so `njit` would make every kernel ``Any`` to mypy; `kernel`
keeps the Python signature the kernel was written with.

numba drops a cached kernel only when the file defining it changes: not when these options
change, nor when a helper in another file does (hence each engine keeps its kernels and their
helpers in one module: `indicators/kernels.py`, `backtest/kernel.py`). After changing the
options here, delete the ``__pycache__/*.nbi`` and ``*.nbc`` files next to those modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Kernel = TypeVar("Kernel", bound=Callable[..., Any])


def inlined(fn: Kernel) -> Kernel:
    """A small helper numba pastes into each kernel that calls it (no call, no argument
    copying: tuples of arrays are passed by value), for the per-symbol, per-day paths."""
    return cast(Kernel, numba.njit(inline="always", error_model="numpy")(fn))


def kernel(fn: Kernel) -> Kernel:
    """Compile ``fn`` lazily on first call; later processes load it from numba's disk cache."""
    # error_model="numpy": IEEE division (no zero check per division); the kernels guard
    # every division whose divisor can be 0 themselves
    return cast(Kernel, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))
