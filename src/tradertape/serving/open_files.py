"""The process's open files, shared: no one user's sockets can use them all up.

Every connection is an open file, and so is every database file, log and upload. One
user's ~960 tick sockets once used up the process's limit (`RLIMIT_NOFILE`, 1,024 by
default) and every other user's requests failed, order placement included (issue 66).
Two bounds keep a reserve free:

- the server takes at most the budget (the soft limit less `open_files_reserve`) of
  connections at once; past it uvicorn answers 503 at once, before the app runs
  (`connection_limit`, its ``limit_concurrency``);
- tick sockets (`WS /api/ws/ticks`) are counted (`TickSocketCap`): at most
  `tick_sockets_per_user` per user, past which the next is closed with **4429**, and at
  most half the budget for everyone, past which the next is closed with **1013** (try
  again later), so requests keep the other half.
"""

from __future__ import annotations

import resource
from collections import Counter

from tradertape.errors import Overloaded, RateLimited

MIN_BUDGET = 64  # a process allowed fewer files than its reserve still serves a few
RETRY_AFTER_S = 5


def open_files_limit() -> int:
    """The process's soft limit on open files."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def connection_limit(reserve: int, limit: int | None = None) -> int:
    """How many connections the server takes at once: the open-file limit less `reserve`
    (files the process needs besides connections), at least `MIN_BUDGET`."""
    return max((limit or open_files_limit()) - reserve, MIN_BUDGET)


class TooManySockets(RateLimited):
    """A user holds all their tick sockets."""


class TickSocketCap:
    """At most `per_user` tick sockets per user and `total` in all. Event-loop only."""

    def __init__(self, *, per_user: int, total: int) -> None:
        if per_user < 1 or total < 1:
            raise ValueError("per_user and total must be at least 1")
        self.per_user = per_user
        self.total = total
        self._open: Counter[int] = Counter()
        self._count = 0

    def open(self, user_id: int | None = None) -> int:
        """How many tick sockets `user_id` holds open (everyone's, without one)."""
        return self._count if user_id is None else self._open[user_id]

    def take(self, user_id: int) -> None:
        """Take one of the user's places: `TooManySockets` when they hold them all,
        `Overloaded` when the process's share of files for tick sockets is used up."""
        if self._open[user_id] >= self.per_user:
            raise TooManySockets(
                f"too many tick sockets: {self.per_user} at once per user; close a tab's "
                "market watch and retry",
                RETRY_AFTER_S,
            )
        if self._count >= self.total:
            raise Overloaded("the server holds all the tick sockets it can; retry shortly")
        self._open[user_id] += 1
        self._count += 1

    def give_back(self, user_id: int) -> None:
        """Give a place back."""
        self._count -= 1
        self._open[user_id] -= 1
        if self._open[user_id] <= 0:
            del self._open[user_id]
