"""A template order owner's policy and package (`services.owner_packages`).

Its policy: the desk's book, rules, lock and notices (`oms.DeskPolicy`); override what
differs (a book of its own, a lock its followers write under, what the bell leaves to its
own notice). Its placing commands: `commands`. Its follower: `follow`. Its reads for
routes: `reads`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain.owners import OwnerKind
from tradertape.oms import DeskPolicy
from tradertape.services._owner_template.follow import TemplateFollower
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage


class TemplatePolicy(DeskPolicy):
    """The desk's answers, under the kind of its own it is given."""

    kind: ClassVar[OwnerKind] = OwnerKind.MANUAL  # yours: a new `OwnerKind` member


POLICY = TemplatePolicy()


def followers(kit: FollowerKit) -> list[Following]:
    """Its followers, for its own kind's orders only."""
    return [Following((POLICY.kind,), TemplateFollower(clock=kit.clock))]


PACKAGE = OwnerPackage(POLICY, followers)
