"""Topic patterns shared by the bus backends: exact topics and ``prefix.*``.

Both backends normalise a subscription's patterns the same way, so a message is delivered to
a subscription once even when several of its patterns match (Redis would otherwise send it once
per matching channel and pattern).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WILDCARD = ".*"


@dataclass(frozen=True, slots=True)
class TopicFilter:
    """The exact topics and the prefixes (each ending in ``.``) one subscription receives."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def matches(self, topic: str) -> bool:
        """Whether a message on `topic` is for this subscription."""
        return topic in self.exact or topic.startswith(self.prefixes)


def parse_patterns(patterns: Iterable[str]) -> TopicFilter:
    """Validate and normalise patterns into a minimal, overlap-free filter.

    ``ticks.*`` matches every topic that starts with ``ticks.`` (any depth, as a Redis glob
    does); a ``*`` anywhere else is refused rather than guessed at.

    Raises
    ------
    ValueError
        No pattern given, an empty one, or a ``*`` that is not a trailing ``.*``.
    """
    exact: set[str] = set()
    prefixes: set[str] = set()
    for pattern in patterns:
        wildcard = pattern.endswith(WILDCARD) and len(pattern) > len(WILDCARD)
        stem = pattern[:-1] if wildcard else pattern  # keep the dot: "ticks.*" -> "ticks."
        if not stem or "*" in stem:
            raise ValueError(f"bad topic pattern {pattern!r}: use 'topic' or 'prefix.*'")
        (prefixes if wildcard else exact).add(stem)
    if not exact and not prefixes:
        raise ValueError("subscribe needs at least one topic pattern")
    # A prefix covered by a shorter one adds nothing; an exact topic under a prefix neither.
    kept = sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))
    covered = {t for t in exact if t.startswith(tuple(kept))}
    return TopicFilter(exact=frozenset(exact - covered), prefixes=tuple(kept))
