"""Account-scope grammar and which scopes are paper, as the worker contract defines them."""

from __future__ import annotations

import pytest

from tradertape.domain.worker_access import ScopeError, is_paper_scope, parse_scope, scope_allows


@pytest.mark.parametrize(
    ("scope", "paper"),
    [
        pytest.param("kite:paper", True, id="paper"),
        pytest.param("kite:paper-a", True, id="paper-dash"),
        pytest.param("kite:paper_b", True, id="paper-underscore"),
        pytest.param("kite:test-paper-1", True, id="test-paper"),
        pytest.param("kite:desk-paper", True, id="suffix-dash"),
        pytest.param("kite:desk_paper", True, id="suffix-underscore"),
        pytest.param("kite:PAPER", True, id="case-insensitive"),
        pytest.param("kite:AB1234", False, id="live-user-id"),
        pytest.param("kite:paperless", False, id="paper-prefix-without-separator"),
    ],
)
def test_paper_scopes(scope: str, paper: bool):
    assert is_paper_scope(scope) is paper


@pytest.mark.parametrize("scope", ["paper", "kite:", "upstox:paper", "kite:a b", "kite:-x"])
def test_bad_scopes_are_rejected(scope: str):
    with pytest.raises(ScopeError):
        parse_scope(scope)


def test_live_token_may_use_paper_scopes_but_not_other_live_ones():
    assert scope_allows("kite:AB1234", "kite:AB1234")
    assert scope_allows("kite:AB1234", "kite:paper-x")
    assert not scope_allows("kite:AB1234", "kite:CD5678")
    assert not scope_allows("kite:paper", "kite:AB1234")
    assert not scope_allows("kite:paper", "kite:paper-b")
