"""Instructions counted by valgrind's callgrind around a bench's timed work only.

The `*_instructions.py` benches run themselves again under callgrind with ``--child``;
the child counts each of its lines inside `counted(name)`, which switches the
instrumentation on just around the counted calls and then dumps the counters under the
line's name, so start-up, migrations and warm-ups count nothing, and `collected` reads each
line's total. Lines may share one valgrind process where that was measured to move
neither (`order_instructions.py`: the pipeline, then the driver's floor; starting the app
under valgrind costs more than the counted calls); the route's and the webhook's lines
each run alone, since what ran before moved their counts by up to 4 %. The count does not
move with the host's load, as CPU time does on our shared VMs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from against import ROOT, SOURCES

_TRIGGER = re.compile(r"^desc: Trigger: dump (\S+)$", re.MULTILINE)
_TOTALS = re.compile(r"^totals: (\d+)$", re.MULTILINE)


def _control(*arguments: str) -> None:
    subprocess.run(  # noqa: S603 - valgrind's own tool on our own pid
        ["callgrind_control", *arguments, str(os.getpid())],  # noqa: S607
        check=True,
        capture_output=True,
    )


@contextmanager
def counted(name: str) -> Iterator[None]:
    """Count the block's instructions as line `name` (the process runs under valgrind):
    the instrumentation on around it, then its counters dumped (and zeroed) under `name`."""
    _control("-i", "on")
    try:
        yield
    finally:
        _control("-i", "off")
        _control(f"--dump={name}")


def collected(script: str, child: list[str], *, sources: list[str] | None = None) -> dict[str, int]:
    """Each `counted` line's instructions in one valgrind run of `script` ``--child``
    `child` (``PYTHONHASHSEED=0``), summed over the blocks counted under its name; with
    `sources`, on those source folders instead of this tree's (`against.sources`)."""
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
        lines: dict[str, int] = {}
        for dump in sorted(Path(out).iterdir()):
            text = dump.read_text(errors="replace")
            name, total = _TRIGGER.search(text), _TOTALS.search(text)
            if name is not None and total is not None:
                key = name.group(1)
                lines[key] = lines.get(key, 0) + int(total.group(1))
    if run.returncode != 0 or not lines:
        sys.exit(f"valgrind run failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return lines


def per_call(
    script: str,
    lines: Sequence[str],
    rest: list[str],
    calls: int,
    *,
    together: bool = False,
    sources: list[str] | None = None,
) -> dict[str, float]:
    """Each of `lines`' instructions per counted call (`calls` a line), `script`
    ``--child LINE... *rest``: each line in a valgrind run of its own (what ran before a line
    moves its count), or with `together` all of them in one run, for a bench's short mode (a
    check that it runs, not a measurement: valgrind's start-up of the app is most of its
    time, about a minute a run on a quiet host)."""
    groups = [list(lines)] if together else [[line] for line in lines]
    found: dict[str, float] = {}
    for group in groups:
        counted = collected(script, [*group, *rest], sources=sources)
        found.update({line: counted[line] / calls for line in group})
    return found
