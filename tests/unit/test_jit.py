"""Kernels load from numba's disk cache in a fresh process without readying its compiler, and
compute what the compiled build computed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

# A kernel that allocates (numba's runtime must be linked in), loops and calls libm.
MODULE = """
import math

import numpy as np

from tradertape.jit import kernel


@kernel
def decayed_sums(values, rate):
    out = np.empty(values.size)
    total = 0.0
    for i in range(values.size):
        total = total * math.exp(-rate) + values[i]
        out[i] = total
    return out
"""

RUN = """
import json, sys
import numpy as np
from tradertape.jit import cache_report, cached_builds
import decaying
dtype = sys.argv[1] if len(sys.argv) > 1 else "float64"
before = cached_builds(decaying.decayed_sums)
values = decaying.decayed_sums(np.arange(1, 6).astype(dtype), 0.5)
report = cache_report()
print(json.dumps({
    "before": before,
    "after": cached_builds(decaying.decayed_sums),
    "values": values.tolist(),
    "compiled": report.compiled,
    "loaded": report.loaded,
    "folders": report.folders,
    # imported only when numba readies its compiler (all it could compile)
    "compiler_readied": "numba.np.arraymath" in sys.modules,
}))
"""


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NUMBA_CACHE_DIR": str(folder / "cache"),
        "PYTHONPATH": os.pathsep.join([str(folder), *sys.path]),
    }


def _fresh_process(folder: Path, dtype: str = "float64") -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", RUN, dtype],
        env=_env(folder),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_a_cached_kernel_loads_without_the_compiler_and_gives_the_same_answer(tmp_path: Path):
    (tmp_path / "decaying.py").write_text(textwrap.dedent(MODULE))

    first = _fresh_process(tmp_path)
    second = _fresh_process(tmp_path)

    assert (first["compiled"], first["loaded"], first["compiler_readied"]) == (1, 0, True)
    assert (second["compiled"], second["loaded"], second["compiler_readied"]) == (0, 1, False)
    assert second["values"] == first["values"]
    assert first["values"] == pytest.approx([1.0, 2.6065, 4.5809, 6.7784, 9.1113], abs=1e-4)
    assert (first["before"], first["after"], second["before"]) == (0, 1, 1)  # cached_builds
    assert second["folders"] == first["folders"]
    assert str(first["folders"][0]).startswith(str(tmp_path / "cache"))  # type: ignore[index]


def test_processes_compiling_builds_of_one_kernel_at_once_each_keep_their_own(tmp_path: Path):
    # numba's save names a new build's file after the index it read: unlocked, two
    # processes saving at once could both write `.1.nbc`, one index entry naming the
    # other's machine code. Each of these compiles a build for its own argument type.
    (tmp_path / "decaying.py").write_text(textwrap.dedent(MODULE))
    dtypes = ("float64", "int64", "int32", "float32")
    running = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed script
            [sys.executable, "-c", RUN, dtype], env=_env(tmp_path), stdout=subprocess.PIPE
        )
        for dtype in dtypes
    ]
    compiled = [json.loads(p.communicate()[0]) for p in running]

    loaded = [_fresh_process(tmp_path, dtype) for dtype in dtypes]

    assert [c["compiled"] for c in compiled] == [1] * len(dtypes)
    assert [(a["compiled"], a["loaded"], a["before"]) for a in loaded] == [
        (0, 1, len(dtypes))
    ] * len(dtypes)
    assert [a["values"] for a in loaded] == [c["values"] for c in compiled]
