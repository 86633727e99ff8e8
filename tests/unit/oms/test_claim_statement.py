"""The order's claim statement stays within what psycopg caches.

psycopg converts a statement's placeholders once and keeps the result only for statements
of at most 4,096 bytes and 50 parameters; past either it converts them again on every call
(a regular-expression pass over the SQL, hundreds of Python calls per order). The claim is
the order path's widest statement: the order's columns, its first trade's and its rate slot.
Our own connections send it through `db.pg_batch`, which converts it once per process; a
connection that goes through psycopg's cursors (`pg_batch.usable`) still converts it there.
"""

from __future__ import annotations

import itertools

import psycopg
import pytest
from psycopg import _queries
from sqlalchemy import create_engine

from tradertape.oms.order_log import _claim_together


@pytest.mark.parametrize(("trade", "slot"), list(itertools.product([False, True], repeat=2)))
def test_every_claim_statement_is_one_psycopg_caches(trade: bool, slot: bool):
    dialect = create_engine("postgresql+psycopg://", module=psycopg).dialect
    compiled = _claim_together(trade, slot)._for(dialect)

    assert len({bind.key for bind in compiled.binds}) <= _queries.MAX_CACHED_STATEMENT_PARAMS
    assert len(compiled.sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
