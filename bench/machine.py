"""The host line every benchmark prints, so figures from different machines can be compared.

Sessions run on shared two-core VMs whose speed differs by 2x from one machine to the next
(and swings within minutes), so a figure alone cannot tell a regression from a slower host.
The reference is a fixed piece of interpreter work in the style of the hot paths (dicts,
attribute access, Decimal arithmetic), timed best of five: compare it with the host line of
the run a figure is compared with.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal


def _reference_work() -> Decimal:
    book: dict[int, int] = {}
    total = Decimal(0)
    rate = Decimal("0.0003")
    for i in range(20_000):
        key = i % 64
        book[key] = book.get(key, 0) + 1
        total += Decimal(i) * rate
    return total


def reference_ms(repeat: int = 5) -> float:
    """Best-of-`repeat` time of the reference work, in milliseconds (lower is faster)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        _reference_work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def host_line() -> str:
    """CPUs, load, and the reference time of this host, as one line."""
    return (
        f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python reference {reference_ms():.1f} ms (bench/machine.py; lower is faster)"
    )


def load() -> float:
    """The one-minute load average (runnable processes, on 2 CPUs here)."""
    return os.getloadavg()[0]


def row(what: str, figure: str, floor: str, ratio: float) -> str:
    """A bench's one summary line, which `run_all.py` collects into its table: what was
    measured, its figure, the floor measured in the same run, their ratio, and the load."""
    return f"ROW | {what} | {figure} | {floor} | {ratio:.2f}× | load {load():.1f}"


def server_cpu(name: str = "postgres") -> float | None:
    """CPU seconds (user and system, reaped children included) of every process of this
    host named `name`, as /proc shows them; None when none is visible (a server on
    another machine, or no /proc). A bench's client CPU leaves the database's out: the
    difference of two readings is the server's share of the work between them."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, seen = 0, False
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                text = stat.read()
        except OSError:  # gone, or not ours to read
            continue
        if text[text.index("(") + 1 : text.rindex(")")] != name:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        seen = True
    return total / ticks if seen else None


if __name__ == "__main__":
    print(host_line())
