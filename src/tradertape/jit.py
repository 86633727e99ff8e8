"""The one way kernels are compiled: numba nopython, cached on disk, GIL released.

numba ships no type hints, so `njit` would make every kernel ``Any`` to mypy; `kernel`
keeps the Python signature the kernel was written with.

numba drops a cached kernel only when the file defining it changes: not when these options
change, nor when a helper in another file does (hence each engine keeps its kernels and their
helpers in one module: `indicators/kernels.py`, `backtest/kernel.py`). After changing the
options here, delete the ``__pycache__/*.nbi`` and ``*.nbc`` files next to those modules.

Where the cache lives: ``__pycache__`` beside each kernel module when that folder is
writable (a source checkout, a virtualenv), else numba's per-user cache folder;
``NUMBA_CACHE_DIR`` moves it anywhere. `make install` fills it (`tradertape warm-up`).

Loading a cached kernel
-----------------------
numba readies its whole compiler before loading a kernel from its cache: it imports and
registers every implementation it could ever compile (~0.5 s in each process, ten times the
loading itself). A cached kernel is machine code that needs none of that, only numba's
runtime (the functions the code calls to allocate and free arrays) linked in. `_DiskCache`
loads with just that; a kernel missing from the cache compiles as before (numba's compiler
readies itself when it runs).

Without numba
-------------
Importing numba alone costs a fresh CLI backtest more than its whole run. A process that
calls `prefer_ahead` before importing the kernel modules runs the kernels' ahead-of-time
builds (`tradertape.ahead`) and imports numba only for a call they have no build of: until
then `inlined` helpers and `intrinsic` stay plain functions and each `kernel` an
`_AheadKernel`; `_ready` imports numba and puts numba's objects in their place in their
modules, so that a kernel compiled from then on finds numba's helpers where its code names
them.
"""

from __future__ import annotations

import fcntl
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from tradertape.ahead import Builds

Kernel = TypeVar("Kernel", bound=Callable[..., Any])

_kernels: list[Any] = []  # every kernel made in this process (numba dispatchers)
_numba: Any = None  # numba, once `_ready` imported it
_deferred: list[Callable[[Any], None]] = []  # what `_ready` binds once numba is there
_ahead: Builds | None = None  # the ahead-of-time builds, once loaded
_ahead_wanted = False  # `prefer_ahead` was called; the builds load with the first kernel


def prefer_ahead() -> None:
    """Run the kernels from their ahead-of-time builds (`tradertape.ahead`) when those are
    built from the current sources and hold a build for a call's argument types; import
    numba only for a call they do not cover. A fresh CLI process spares numba's import
    (~0.35 s) and its cache's loading that way. Takes effect for the kernel modules
    imported after it (the ones imported before stay numba's); imports nothing itself (a
    command's ``--help`` stays light)."""
    global _ahead_wanted
    _ahead_wanted = _numba is None


def _ahead_builds() -> Builds | None:
    """The ahead-of-time builds while numba is not imported and they were wanted (loaded
    on the first call: None if there are none from the current sources)."""
    global _ahead, _ahead_wanted
    if _numba is not None:
        return None
    if _ahead_wanted:
        from tradertape.ahead import Builds

        _ahead_wanted = False
        _ahead = Builds.load()
    return _ahead


def _ready() -> Any:
    """numba, imported, with every helper and kernel made so far bound to its numba build."""
    global _numba
    if _numba is None:
        import numba

        _numba = numba
        for bind in _deferred:
            bind(numba)
        _deferred.clear()
    return _numba


def _rebound(fn: Callable[..., Any], make: Callable[[Any], Any]) -> Callable[[Any], None]:
    """What replaces ``fn`` in its module by ``make(numba)`` once numba is imported: a
    kernel compiled then finds numba's objects where its code names the helpers."""

    def bind(numba: Any) -> None:
        setattr(sys.modules[fn.__module__], fn.__name__, make(numba))

    return bind


def inlined(fn: Kernel) -> Kernel:
    """A small helper numba pastes into each kernel that calls it (no call, no argument
    copying: tuples of arrays are passed by value), for the per-symbol, per-day paths."""

    def make(numba: Any) -> Any:
        return numba.njit(inline="always", error_model="numpy")(fn)

    if _ahead_builds() is None:
        return cast(Kernel, make(_ready()))
    _deferred.append(_rebound(fn, make))
    return fn


def intrinsic(fn: Callable[..., Any]) -> Callable[..., Any]:
    """numba's ``intrinsic``: code generated for compiled callers only (`inlined`'s
    deferral when the ahead-of-time builds are preferred)."""

    def make(numba: Any) -> Any:
        from numba.extending import intrinsic as made

        return made(fn)

    if _ahead_builds() is None:
        return cast(Callable[..., Any], make(_ready()))
    _deferred.append(_rebound(fn, make))
    return fn


def _dispatcher(fn: Callable[..., Any], numba: Any) -> Any:
    # error_model="numpy": IEEE division (no zero check per division); the kernels guard
    # every division whose divisor can be 0 themselves
    dispatcher: Any = numba.njit(nogil=True, error_model="numpy")(fn)
    dispatcher._cache = _disk_cache()(fn)  # what cache=True sets, with the lighter loading
    _kernels.append(dispatcher)
    return dispatcher


def kernel(fn: Kernel) -> Kernel:
    """Compile ``fn`` lazily on first call; later processes load it from numba's disk cache
    (or, where `prefer_ahead` was called, run its ahead-of-time build)."""
    builds = _ahead_builds()
    if builds is None:
        return cast(Kernel, _dispatcher(fn, _ready()))
    ahead = _AheadKernel(fn, builds.of(fn))
    _deferred.append(ahead.bind)
    return cast(Kernel, ahead)


class _AheadKernel:
    """A kernel that runs its ahead-of-time build for the argument types it has one of,
    and numba's (imported then) for any other."""

    def __init__(self, fn: Callable[..., Any], builds: dict[str, Callable[..., Any]]) -> None:
        from tradertape.ahead import key_of

        self.py_func = fn
        self._builds = builds
        self._key = key_of
        self._jit: Any = None
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def bind(self, numba: Any) -> None:
        self._jit = _dispatcher(self.py_func, numba)
        setattr(sys.modules[self.py_func.__module__], self.py_func.__name__, self._jit)

    def __call__(self, *args: Any) -> Any:
        build = self._builds.get(self._key(args))
        if build is not None:
            return build(*args)
        _ready()
        return self._jit(*args)

    def __getattr__(self, name: str) -> Any:  # numba's dispatcher's (signatures, stats...)
        if name.startswith("__") or name == "_jit":
            raise AttributeError(name)
        _ready()
        return getattr(self._jit, name)


@dataclass(frozen=True, slots=True)
class CacheReport:
    """What this process's kernels got from numba's disk cache so far."""

    loaded: int  # builds (a kernel for one set of argument types) loaded from the cache
    compiled: int  # builds compiled, then saved to the cache
    folders: tuple[str, ...]  # where the cache files of the kernels imported so far live


def cache_report() -> CacheReport:
    """How many kernel builds this process loaded and compiled, and where the cache lives."""
    return CacheReport(
        loaded=sum(sum(k.stats.cache_hits.values()) for k in _kernels),
        compiled=sum(sum(k.stats.cache_misses.values()) for k in _kernels),
        folders=tuple(sorted({k.stats.cache_path for k in _kernels})),
    )


def cached_builds(fn: Callable[..., Any]) -> int:
    """How many builds of kernel ``fn`` numba's disk cache holds for its current source (0:
    an empty cache, or one its source changed since), read from the kernel's index alone."""
    cache = cast(Any, fn)._cache
    return len(cache._cache_file._load_index())


@functools.cache
def _disk_cache() -> type:
    """`_DiskCache`'s class, made once numba is imported (it extends numba's)."""
    from numba.core import caching

    function_cache: Any = caching.FunctionCache  # numba types little of its internals

    class _DiskCache(function_cache):  # type: ignore[misc]
        """numba's per-function disk cache, loading without readying the compiler, and
        saving under a lock other processes respect."""

        def load_overload(self, sig: Any, target_context: Any) -> Any:
            # numba calls this under its compiler lock, once per new argument types
            _link_runtime(target_context)
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)

        def save_overload(self, sig: Any, data: Any) -> None:
            # numba's save reads the kernel's index, picks the first free data file name
            # and writes both: two processes saving builds of one kernel at once (the
            # warm-up's processes, a server and a test worker) could both pick ``.1.nbc``,
            # leaving an index entry that names the other build's machine code. One at a
            # time, each reads the index the last one wrote.
            try:
                self._impl.locator.ensure_cache_path()
                lock = open(os.path.join(self._cache_path, _SAVE_LOCK), "a")  # noqa: SIM115
            except OSError:  # no writable cache: numba's save skips it quietly too
                super().save_overload(sig, data)
                return
            with lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                super().save_overload(sig, data)

    return _DiskCache


_SAVE_LOCK = "tradertape-kernels.lock"  # beside the cache files it guards


def _link_runtime(target_context: Any) -> None:
    """Put what compiled kernels call into LLVM's symbol table: numba's runtime (NRT) and,
    for hashing code, the interpreter's hash secret (importing numba's hashing module adds
    it). numba's C helpers and libm are there from the target context's creation."""
    import numba.cpython.hashing  # noqa: F401 - imported for its symbols
    from numba.core.runtime.nrt import rtsys

    rtsys.initialize(target_context)
