"""Integer bounds shared by paths, queries and bodies.

Every table's id is an INTEGER: 32 bits on PostgreSQL, which casts a bound id to its
column's type and refuses a larger one. Offsets go to LIMIT/OFFSET, 64 bits on both
databases. A number past its bound would fail inside the driver (a 500), so it is a 422
naming the field instead.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import Strict

from tradertape.domain.row_ids import MAX_ROW_ID

INT64_MAX = 2**63 - 1

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
"""A stored row's id in a path or query (text there, so it is read as a number)."""

JsonRowId = Annotated[int, Strict(), Ge(1), Le(MAX_ROW_ID)]
"""A stored row's id in a JSON body: a JSON integer, never ``true``, ``"5"`` or ``5.0``."""

Cursor = Annotated[int, Ge(0), Le(MAX_ROW_ID)]
"""The id of the last row a reader has seen (0: none yet)."""

Skip = Annotated[int, Ge(0), Le(INT64_MAX)]
"""An offset: how many rows to pass over."""
