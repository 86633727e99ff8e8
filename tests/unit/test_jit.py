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
from tradertape.jit import cache_report
import decaying
values = decaying.decayed_sums(np.arange(1.0, 6.0), 0.5)
report = cache_report()
print(json.dumps({
    "values": values.tolist(),
    "compiled": report.compiled,
    "loaded": report.loaded,
    "folders": report.folders,
    # imported only when numba readies its compiler (all it could compile)
    "compiler_readied": "numba.np.arraymath" in sys.modules,
}))
"""


def _fresh_process(folder: Path) -> dict[str, object]:
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(folder / "cache"),
        "PYTHONPATH": os.pathsep.join([str(folder), *sys.path]),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", RUN], env=env, capture_output=True, text=True, check=False
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
    assert second["folders"] == first["folders"]
    assert str(first["folders"][0]).startswith(str(tmp_path / "cache"))  # type: ignore[index]
