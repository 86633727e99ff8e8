"""`DataLabel`: one word for where the candles behind a result came from."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradertape.candles import DataLabel

SOURCES = st.sampled_from(["synthetic", "import", "broker", None])


@pytest.mark.parametrize(
    ("sources", "label"),
    [
        pytest.param(["synthetic", None], DataLabel("synthetic", True), id="synthetic"),
        pytest.param(["import", "import"], DataLabel("import", False), id="import"),
        pytest.param(["broker", "synthetic"], DataLabel("mixed", True), id="mixed"),
        pytest.param(["broker", "import"], DataLabel("mixed", False), id="real-mixed"),
        pytest.param([None], DataLabel(None, False), id="nothing-stored"),
    ],
)
def test_label(sources: list[str | None], label: DataLabel):
    assert DataLabel.of(sources) == label


@given(st.lists(SOURCES))
def test_a_result_touching_synthetic_data_always_says_so(sources: list[str | None]):
    label = DataLabel.of(sources)
    assert label.synthetic == ("synthetic" in sources)
    assert (label.data_source == "synthetic") == (set(sources) - {None} == {"synthetic"})
