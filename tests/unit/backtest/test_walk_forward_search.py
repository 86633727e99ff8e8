"""A fold's Bayesian search (`walk_forward_search.FoldSearch`): seeded, it asks the same
trials each time; rebuilt from the trials told so far at any batch, it goes on to ask what
the study never cut off asked; it finds the best of a small grid it was not shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tradertape.backtest.walk_forward_search import BATCH, FoldSearch, Trial

AXES = [("config.min_hold", tuple(float(v) for v in range(10))), ("x", (1.0, 2.0, 3.0, 4.0))]


def _score(variant: int) -> float | None:
    """Best at (6, 2); every seventh variant refused."""
    if variant % 7 == 0:
        return None
    hold, x = divmod(variant, 4)
    return -float((hold - 6) ** 2 + (x - 2) ** 2)


def _search(seed: int, trials: int, cut_at: int | None = None) -> list[Trial]:
    search = FoldSearch(AXES, fold=2, trials=trials, seed=seed)
    while not search.finished:
        if cut_at is not None and len(search.told) >= cut_at:
            search = FoldSearch(AXES, fold=2, trials=trials, seed=seed, told=search.told)
            cut_at = None
        search.tell({v: _score(v) for v in search.ask()})
    return search.told


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), batches=st.integers(1, 5))
def test_a_study_rebuilt_from_its_trials_asks_what_the_uncut_one_did(seed: int, batches: int):
    whole = _search(seed, 24)
    assert _search(seed, 24) == whole
    assert _search(seed, 24, cut_at=batches * BATCH) == whole
    assert [t.number for t in whole] == list(range(24))
    assert all(t.value == _score(t.variant) for t in whole)


def test_another_seed_tries_other_variants_and_the_search_finds_the_best():
    assert [t.variant for t in _search(1, 24)] != [t.variant for t in _search(2, 24)]
    told = _search(1, 30)
    best = max((t for t in told if t.value is not None), key=lambda t: t.value or 0.0)
    assert best.value is not None
    assert best.value >= -2.0  # within a step of (6, 2) after 30 of 40 variants
