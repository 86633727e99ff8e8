"""`rows_json` writes a run's stored columns as the JSON text of their rows without a dict
per row (from the columns' own texts when a fresh run kept them); it must be
`to_json(rows_of(...))` byte for byte, whatever the values (strings with
commas, quotes and other scripts, None, NaN and ±inf, whole and fractional numbers)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import to_json

from tradertape.db.types import EncodedJSON
from tradertape.services.research.simulation import rows_json, rows_of

_values = st.one_of(
    st.none(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["NSE:RELIANCE", "Oil, Gas & Fuels", 'say "hi"', "x%sy", "₹,"]),
)


@st.composite
def _columns(draw: st.DrawFn) -> dict[str, list[Any]]:
    keys = draw(st.lists(st.sampled_from(["date", "pnl", "a,b", "pnl_%", "sector", "x"]),
                         unique=True, max_size=5))  # fmt: skip
    n = draw(st.integers(0, 6))
    return {key: draw(st.lists(_values, min_size=n, max_size=n)) for key in keys}


@given(_columns())
def test_rows_json_is_to_json_of_the_rows(columns: dict[str, list[Any]]):
    assert rows_json(columns) == to_json(rows_of(columns))


@given(_columns())
def test_columns_kept_with_their_texts_write_the_same_bytes(columns: dict[str, list[Any]]):
    kept = EncodedJSON.of_members(columns)
    assert kept.text == to_json(columns)
    assert rows_json(columns, kept.members) == to_json(rows_of(columns))
