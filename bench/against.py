"""A bench beside the commit before, in the same run: `--against REV`.

Our VMs change speed by half within minutes, so a figure is only worth comparing with
another taken on the same host at the same time. `compare` runs the calling bench script
(this tree's copy) in child processes, in turn on this tree's sources and on `REV`'s
(``git archive`` of the source folders into a temporary folder, first on ``PYTHONPATH``),
``rounds`` times each, and prints each line's best run for both side by side. A child
reports its lines as JSON after `MARK` (`emit`); the rest of its output is passed through.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARK = "@@bench "
SOURCES = ("src", "sdk/python/src", "brokers/python/src", "agent/src")
ROOT = Path(__file__).resolve().parent.parent


def emit(record: dict[str, Any]) -> None:
    """One measured line, for the parent `compare` (a child run's output)."""
    print(MARK + json.dumps(record), flush=True)


def without(argv: list[str], *options: str) -> list[str]:
    """`argv` less `options` and their values (``--opt V`` or ``--opt=V``)."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        elif not arg.startswith(tuple(f"{o}=" for o in options)):
            kept.append(arg)
    return kept


@contextmanager
def sources(rev: str) -> Iterator[list[str]]:
    """`rev`'s source folders, unpacked into a temporary folder (the PYTHONPATH entries)."""
    archive = _git("archive", "--format=tar", rev, *SOURCES)
    with tempfile.TemporaryDirectory(prefix="bench-against-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield [str(Path(tmp) / s) for s in SOURCES]


def _run(script: Path, argv: list[str], paths: list[str], tag: str) -> list[dict[str, Any]]:
    ours = {str(ROOT / s) for s in SOURCES}
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p not in ours]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, *rest])}
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(script), *argv], env=env, capture_output=True, text=True, check=False
    )
    records = []
    for text in child.stdout.splitlines():
        if text.startswith(MARK):
            records.append(json.loads(text[len(MARK) :]))
        else:
            print(f"  [{tag}] {text}", flush=True)
    if child.returncode != 0:
        sys.exit(f"[{tag}] failed ({child.returncode}):\n{child.stderr[-3000:]}")
    return records


def _git(*args: str) -> bytes:
    command = ["git", "-C", str(ROOT), *args]
    return subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603, S607 - git on this repository


def _head(rev: str) -> str:
    return _git("rev-parse", "--short", rev).decode().strip()


def compare(
    script: str,
    argv: list[str],
    *,
    rev: str,
    rounds: int,
    best: Callable[[dict[str, Any]], float],
    show: Callable[[dict[str, Any]], str],
    target: float | None = None,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Run `script` with `argv` on this tree and on `rev`, in turn, `rounds` times; print
    each line's best run (lowest `best`) of both, this tree first, with its range, and
    this tree's best against `target` (a `best` to reach) when given. Returns every run's
    record, by tree (this one first) and line, in the order run."""
    path = Path(script).resolve()
    this = "this tree (" + _head("HEAD") + ("+changes" if _dirty() else "") + ")"
    base = f"{rev} ({_head(rev)})"
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {this: {}, base: {}}
    with sources(rev) as old:
        trees = {this: [str(ROOT / s) for s in SOURCES], base: old}
        for n in range(rounds):
            for name in (base, this) if n % 2 else (this, base):
                for record in _run(path, argv, trees[name], f"{name} run {n + 1}"):
                    runs[name].setdefault(record["line"], []).append(record)
    print(f"\nbest of {rounds} runs each, in turn on the same host (lowest `best` figure):")
    for line in runs[this]:
        for name in (this, base):
            found = runs[name].get(line, [])
            if not found:
                continue
            top = min(found, key=best)
            spread = f"{min(best(r) for r in found):.2f}-{max(best(r) for r in found):.2f}"
            print(f"  {line:<34} {name:<24} {show(top)}  (range {spread})")
        mine, theirs = runs[this].get(line), runs[base].get(line)
        if mine and theirs:
            now, before = min(map(best, mine)), min(map(best, theirs))
            text = f"  {'':<34} {now / before:.2f}× the commit before"
            if target is not None:
                text += f"; {now / target:.2f}× the target of {target:g}"
            print(text)
    return runs


def _dirty() -> bool:
    return bool(_git("status", "--porcelain", "--", *SOURCES).strip())
