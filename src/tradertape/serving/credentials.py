"""Screening of presented credentials before a request takes a database slot.

Every cookie or bearer secret a request carries is screened once per request, before
admission (`serving.admission`):

- a cookie that cannot be one of our session tokens (wrong length or alphabet) is refused
  on the spot;
- a secret checked recently is answered from a small cache of digests: refused at once when
  it was bad (for `BAD_TTL_S`), admitted when it was good (for `GOOD_TTL_S`; the request
  still authenticates against the database, so a sign-out takes effect at once);
- a secret never seen is checked in the *credential lane*, a couple of connections of
  the request pool set aside for that, and requests presenting the same secret at the
  same time share one check.

So a flood of made-up cookies costs one lookup per distinct cookie, in a lane of its own,
and signed-in users keep the rest of the pool.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from tradertape.errors import Unauthenticated
from tradertape.security.tokens import sha256_hex
from tradertape.serving.admission import AdmissionGate

GOOD_TTL_S = 300.0
BAD_TTL_S = 30.0  # short: a disabled account may be enabled again
MAX_ENTRIES = 10_000
SESSION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)

Check = Callable[[], None]  # raises Unauthenticated when the secret is not valid


@dataclass(frozen=True, slots=True)
class _Verdict:
    refusal: str | None  # None: the secret was valid
    until: float


class CredentialScreen:
    """The digest cache and the credential lane of one app (one event loop)."""

    def __init__(
        self,
        lane: AdmissionGate,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._lane = lane
        self._monotonic = monotonic
        self._max_entries = max_entries
        self._known: OrderedDict[str, _Verdict] = OrderedDict()
        self._checking: dict[str, asyncio.Future[str | None]] = {}
        self.checks = 0  # lookups run in the lane
        self.noted = 0  # refusals a desk read found itself (`refused`)

    def _remember(self, digest: str, refusal: str | None) -> None:
        ttl = BAD_TTL_S if refusal is not None else GOOD_TTL_S
        self._known[digest] = _Verdict(refusal, self._monotonic() + ttl)
        self._known.move_to_end(digest)
        while len(self._known) > self._max_entries:
            self._known.popitem(last=False)

    def recall(self, secret: str) -> str | None:
        """The refusal remembered for `secret`; None when it was valid or is not known (no
        check runs: the desk's reads on the loop check the session themselves)."""
        known = self._known.get(sha256_hex(secret))
        if known is None or known.until <= self._monotonic():
            return None
        return known.refusal

    def refused(self, secret: str, refusal: str) -> None:
        """Remember a refusal found outside `screen` (a desk read's own check)."""
        self.noted += 1
        self._remember(sha256_hex(secret), refusal)

    @staticmethod
    def _run(check: Check) -> str | None:
        try:
            check()
        except Unauthenticated as refused:
            return refused.detail
        return None

    async def screen(self, secret: str, check: Check) -> str | None:
        """Why `secret` is refused, or None when it was valid (`check` runs when unknown).

        Raises `Overloaded` when the lane has no slot in time, and whatever `check` raises
        besides `Unauthenticated` (a database error).
        """
        digest = sha256_hex(secret)
        known = self._known.get(digest)
        if known is not None and known.until > self._monotonic():
            return known.refusal
        while (shared := self._checking.get(digest)) is not None:
            try:
                return await asyncio.shield(shared)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not shared.cancelled() or (task is not None and task.cancelling()):
                    raise
                # the request running the check went away: run it here
        pending: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._checking[digest] = pending
        try:
            async with self._lane.admit():
                self.checks += 1
                refusal = await run_in_threadpool(self._run, check)
        except Exception as failed:
            pending.set_exception(failed)
            pending.exception()  # retrieved: no "never retrieved" warning without sharers
            raise
        except BaseException:
            pending.cancel()  # this request was cancelled: its sharers try again
            raise
        finally:
            del self._checking[digest]
        self._remember(digest, refusal)
        pending.set_result(refusal)
        return refusal


def malformed_session(token: str) -> bool:
    """Whether a cookie value cannot be a session token we issued."""
    return SESSION_TOKEN.match(token) is None
