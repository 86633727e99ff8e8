"""Integer bounds shared by paths, queries and bodies.

SQLite and PostgreSQL store at most a signed 64-bit integer; a larger id, offset or
cursor would fail inside the driver (a 500), so it is a 422 naming the field instead.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

INT64_MAX = 2**63 - 1

RowId = Annotated[int, Ge(1), Le(INT64_MAX)]
"""A stored row's id, wherever a request names one."""

Skip = Annotated[int, Ge(0), Le(INT64_MAX)]
"""An offset or a cursor: how many rows, or up to which one, to pass over."""
