"""Topic filters: the normalised filter matches exactly what its patterns would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradertape.bus.patterns import parse_patterns

_segment = st.sampled_from(["ticks", "orders", "NSE:INFY", "7", "a", "M&M", "x[1]"])
_topic = st.lists(_segment, min_size=1, max_size=4).map(".".join)
_pattern = st.one_of(_topic, _topic.map(lambda t: t + ".*"))


def _naive(pattern: str, topic: str) -> bool:
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return topic == pattern


@given(st.lists(_pattern, min_size=1, max_size=5), st.lists(_topic, max_size=20))
def test_the_filter_matches_what_any_pattern_matches(patterns: list[str], topics: list[str]):
    topic_filter = parse_patterns(patterns)
    for topic in topics:
        assert topic_filter.matches(topic) == any(_naive(p, topic) for p in patterns)


@given(st.lists(_pattern, min_size=1, max_size=5))
def test_the_filter_has_no_overlaps(patterns: list[str]):
    topic_filter = parse_patterns(patterns)
    prefixes = topic_filter.prefixes
    assert not any(a != b and a.startswith(b) for a in prefixes for b in prefixes)
    assert not any(t.startswith(prefixes) for t in topic_filter.exact)
