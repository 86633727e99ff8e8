"""Instructions counted by valgrind's callgrind around a bench's timed work only.

The `*_instructions.py` benches run themselves again under callgrind with ``--child``;
the child switches the instrumentation on just around the counted calls (`switch`), so
start-up, migrations and warm-ups count nothing, and `collected` reads the total. The
count does not move with the host's load, as CPU time does on our shared VMs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

from against import ROOT, SOURCES

_COLLECTED = re.compile(r"Collected : (\d+)")


def switch(on: bool) -> None:
    """Callgrind's instrumentation on or off for this process (run under valgrind)."""
    subprocess.run(  # noqa: S603 - valgrind's own tool on our own pid
        ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],  # noqa: S607
        check=True,
        capture_output=True,
    )


def collected(script: str, child: list[str], *, sources: list[str] | None = None) -> int:
    """The instructions `script` ``--child`` `child` executed with its instrumentation on
    (a fresh valgrind run, ``PYTHONHASHSEED=0``); with `sources`, on those source folders
    instead of this tree's (`against.sources`)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if sources is not None:
        ours = {str(ROOT / s) for s in SOURCES}
        rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in ours]
        env["PYTHONPATH"] = os.pathsep.join([*sources, *rest])
    with tempfile.TemporaryDirectory() as out:
        command = [
            *("valgrind", "--tool=callgrind", "--instr-atstart=no"),
            f"--callgrind-out-file={out}/callgrind.%p",
            *(sys.executable, script, "--child", *child),
        ]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    found = _COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        sys.exit(f"valgrind run failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return int(found.group(1))
