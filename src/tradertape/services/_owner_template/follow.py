"""A template owner's follower: the events of its own orders, in their transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from tradertape.oms import OmsEvent, OrderFilled
from tradertape.ports.clock import Clock


class TemplateFollower:
    """Hears its owner's orders' events only (`OrderEvents.follow` routes them by owner):
    no filtering of other orders' events here."""

    def __init__(self, *, clock: Clock) -> None:
        """`clock`: what its rows are stamped with."""
        self._clock = clock

    def __call__(self, db: Session, events: Sequence[OmsEvent]) -> None:
        """Write what a fill means to the owner, under the lock its policy names (held)."""
        for event in events:
            if isinstance(event, OrderFilled):
                pass  # yours: the owner's row, its timeline, its notice
