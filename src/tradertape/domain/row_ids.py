"""The largest row id a request may name.

Every table's id is an INTEGER column: 32 bits on PostgreSQL, which casts a bound id to
the column's type and refuses a larger one with an error instead of finding nothing.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1
