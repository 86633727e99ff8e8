"""The one way kernels are compiled: numba nopython, cached on disk, GIL released.

numba ships no type hints, so `njit` would make every kernel ``Any`` to mypy; `kernel`
keeps the Python signature the kernel was written with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Kernel = TypeVar("Kernel", bound=Callable[..., Any])


def kernel(fn: Kernel) -> Kernel:
    """Compile ``fn`` lazily on first call; later processes load it from numba's disk cache."""
    return cast(Kernel, numba.njit(cache=True, nogil=True)(fn))
