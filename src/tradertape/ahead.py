"""The kernels compiled ahead of time: one extension module a CLI process loads without numba.

A fresh `tradertape backtest` spent most of its second importing numba (~0.35 s) and loading
its kernels from numba's cache, for a run of a tenth of that. `build` compiles every build
the warm-up makes (a kernel for one set of argument types) into the extension module
``_kernels_ahead`` beside this file, with numba's ahead-of-time compiler (``numba.pycc``) and
the options `jit.kernel` gives numba; the module needs numpy only. `make install` builds it
after the warm-up (``python -m tradertape.ahead``); a process that calls
`jit.prefer_ahead` runs it.

The module serves a call only when it was built from the sources the process runs (a stamp
of every kernel module's folder's files, `stamp`), and only for argument types it has a build of
(`key_of`, the types as numba would see them); any other call imports numba and runs the
kernel as always. A build whose result is a named tuple is left to numba (returning one
from compiled code needs numba itself).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODULE = "_kernels_ahead"
HERE = Path(__file__).parent
MANIFEST = HERE / f"{MODULE}.json"

#: Kernels left to numba: the scanner's (its arguments are the loop's own named tuples; a
#: server runs it, with numba imported already; a fifth of the compiling), and the options
#: backtester's scan (numba's ahead-of-time compiler fails to type one of its locals that
#: its JIT types; `tradertape backtest options` imports numba).
LEFT_TO_NUMBA = frozenset(
    {"tradertape.backtest.kernel.decide_day", "tradertape.backtest.options.kernel.scan"}
)

#: Where the kernels live (and everything their code reads when compiled: constants,
#: helpers): a change to any file in these folders makes the module stale.
KERNEL_FOLDERS = ("backtest", "backtest/options", "indicators", "strategies")


def stamp() -> str:
    """The sources the kernels are compiled from (`KERNEL_FOLDERS`, `jit`) as numba's cache
    tells them: each file's modification time and size (no file is read: this runs in every
    CLI backtest's start)."""
    files = [HERE / "jit.py"]
    for folder in KERNEL_FOLDERS:
        files += sorted((HERE / folder).glob("*.py"))
    stats = [(path.relative_to(HERE).as_posix(), path.stat()) for path in files]
    text = json.dumps([(name, st.st_mtime_ns, st.st_size) for name, st in stats])
    return hashlib.sha256(text.encode()).hexdigest()


def _scalar_key(value: Any) -> str | None:
    if isinstance(value, bool | np.bool_):
        return "b1"
    if isinstance(value, int):
        return "i8"  # numba types a Python int as int64
    if isinstance(value, float):
        return "f8"
    if isinstance(value, np.generic):
        return value.dtype.str[1:]
    return None


def key_of(args: Iterable[Any]) -> str:
    """Argument types as numba tells them apart: an array's dtype, dimensions, layout and
    whether it is writable; a scalar's type; a tuple's items (and its class, if named)."""
    parts = []
    for value in args:
        if isinstance(value, np.ndarray):
            flags = value.flags
            layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
            readonly = "" if flags.writeable else "r"
            parts.append(f"{value.dtype.str[1:]}{value.ndim}{layout}{readonly}")
        elif isinstance(value, tuple):
            name = type(value).__name__ if hasattr(value, "_fields") else ""
            parts.append(f"{name}({key_of(value)})")
        else:
            parts.append(str(_scalar_key(value)))
    return ",".join(parts)


def type_key(types: Iterable[Any]) -> str | None:
    """`key_of` of the values numba types as ``types`` (None: a type it cannot tell)."""
    nt = _numba("numba.core.types")
    as_dtype = _numba("numba.np.numpy_support").as_dtype
    parts = []
    for t in types:
        if isinstance(t, nt.Array):
            readonly = "" if t.mutable else "r"
            parts.append(f"{as_dtype(t.dtype).str[1:]}{t.ndim}{t.layout}{readonly}")
        elif isinstance(t, nt.BaseTuple):
            inner = type_key(t.types)
            if inner is None:
                return None
            name = t.instance_class.__name__ if isinstance(t, nt.BaseNamedTuple) else ""
            parts.append(f"{name}({inner})")
        elif isinstance(t, nt.Boolean):
            parts.append("b1")
        elif isinstance(t, nt.Integer | nt.Float):
            parts.append(as_dtype(t).str[1:])
        else:
            return None
    return ",".join(parts)


def kernel_name(fn: Callable[..., Any]) -> str:
    """A kernel's name in the manifest: its module and name."""
    return f"{fn.__module__}.{fn.__name__}"


@dataclass(frozen=True, slots=True)
class Builds:
    """The loaded module: each kernel's builds by `key_of` their argument types."""

    kernels: dict[str, dict[str, Callable[..., Any]]]

    @classmethod
    def load(cls) -> Builds | None:
        """The module, if it is built and from the current sources; else None."""
        try:
            manifest = json.loads(MANIFEST.read_text())
            if manifest["stamp"] != stamp():
                return None
            module = __import__(f"tradertape.{MODULE}", fromlist=["_"])
        except (OSError, ValueError, KeyError, ImportError):
            return None
        return cls(
            {
                name: {key: getattr(module, export) for key, export in builds.items()}
                for name, builds in manifest["kernels"].items()
            }
        )

    def of(self, fn: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
        """Kernel ``fn``'s builds (none, when the module has none of it)."""
        return self.kernels.get(kernel_name(fn), {})


def _numba(module: str) -> Any:
    """A module of numba's (untyped to mypy: numba ships partial hints)."""
    return importlib.import_module(module)


def _returns_named_tuple(t: Any) -> bool:
    nt = _numba("numba.core.types")
    if isinstance(t, nt.BaseNamedTuple):
        return True
    return isinstance(t, nt.BaseTuple) and any(_returns_named_tuple(i) for i in t.types)


def build(out: Path = HERE) -> int:
    """Compile every build the warm-up makes into ``_kernels_ahead``, then write the
    manifest; how many builds it holds."""
    from unittest import mock

    from tradertape import jit
    from tradertape.backtest.warmup import warm_up

    source = stamp()
    warm_up()  # every kernel imported, every build the app makes typed (from numba's cache)
    pycc = _numba("numba.pycc")
    cc = pycc.CC(MODULE)
    cc.output_dir = str(out)
    # numba's JIT compiles for this CPU too
    cc.target_cpu = _numba("llvmlite.binding").get_host_cpu_name()
    manifest: dict[str, dict[str, str]] = {}
    for dispatcher in jit._kernels:
        if kernel_name(dispatcher.py_func) in LEFT_TO_NUMBA:
            continue
        for n, (args, result) in enumerate(sorted(dispatcher.overloads.items(), key=str)):
            key = type_key(args)
            signature = result.signature
            if key is None or _returns_named_tuple(signature.return_type):
                continue
            export = f"{dispatcher.py_func.__name__}_{n}"
            cc.export(export, signature)(dispatcher.py_func)
            manifest.setdefault(kernel_name(dispatcher.py_func), {})[key] = export

    flags: Any = _numba("numba.core.compiler").Flags

    def kernel_flags() -> Any:  # numba's options of `jit.kernel`, for pycc's compiler
        made = flags()
        made.error_model = "numpy"
        made.release_gil = True
        return made

    MANIFEST.unlink(missing_ok=True)  # stale until the module is written
    with mock.patch.object(_numba("numba.pycc.compiler"), "Flags", kernel_flags):
        cc.compile()
    body = {"stamp": source, "kernels": manifest}
    (out / MANIFEST.name).write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
    return sum(len(builds) for builds in manifest.values())


if __name__ == "__main__":  # `make install`, after the warm-up
    import time

    started = time.perf_counter()
    count = build()
    took = time.perf_counter() - started
    print(f"{count} kernel builds compiled ahead of time in {took:.0f} s", file=sys.stderr)
