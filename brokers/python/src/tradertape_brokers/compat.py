"""What Python 3.11 added that the adapters use, for 3.10 (the local agent's floor).

``UTC`` is ``datetime.UTC`` (3.11) under its 3.10 name; ``StrEnum`` is 3.11's where there
is one, else a ``str`` enum whose members print as their values, as 3.11's do.

Elsewhere, by hand: a read timeout is ``asyncio.wait_for`` (``asyncio.timeout`` is 3.11's),
and a timeout is caught as ``(TimeoutError, asyncio.TimeoutError)`` (one class from 3.11
on, two before); ``datetime.fromisoformat`` is given no ``Z`` suffix (3.11 reads it, 3.10
does not).
"""

from __future__ import annotations

import sys
from datetime import timezone
from enum import Enum

UTC = timezone.utc  # noqa: UP017 - datetime.UTC is 3.11's

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:

    class StrEnum(str, Enum):
        """3.11's `enum.StrEnum`: members are strings and print as their values."""

        def __str__(self) -> str:
            return str(self.value)


__all__ = ["UTC", "StrEnum"]
