"""How a serving process settles its interpreter once start-up is done.

- What start-up built lives as long as the process: frozen out of the collector's view,
  a full collection scans only what requests made (≈300k objects fewer, a pause of
  hundreds of milliseconds every few seconds under load; bench/worker_orders.py).
- A shorter GIL switch interval. Every SQL statement releases the GIL while SQLite or
  the socket works; getting it back waits until the thread holding it blocks or has run
  a whole interval. A request holding SQLite's write lock (every order) does this a dozen
  times per transaction, and at the default 5 ms the other writers queue behind a lock
  whose holder mostly waits for the GIL (bench/worker_orders.py, 8 workers).
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.001


def settle() -> None:
    """Freeze start-up objects out of the GC and shorten the GIL switch interval."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
