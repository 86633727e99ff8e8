"""A template order owner's policy and package (`services.owner_packages`).

Its policy: the desk's book, rules, lock and notices (`oms.DeskPolicy`); override what
differs (a book of its own, a lock its followers write under, what the bell leaves to its
own notice). Its placing commands: `commands`. Its follower: `follow`. Its reads for
routes: `reads`.
"""

from __future__ import annotations

from typing import ClassVar

from tradertape.domain import books
from tradertape.domain.owners import Owner, OwnerKind
from tradertape.oms import DeskPolicy
from tradertape.services._owner_template.follow import TemplateFollower
from tradertape.services.owner_packages import FollowerKit, Following, OwnerPackage, OwnerSample


class TemplatePolicy(DeskPolicy):
    """The desk's answers, under the kind of its own it is given."""

    kind: ClassVar[OwnerKind] = OwnerKind.MANUAL  # yours: a new `OwnerKind` member


POLICY = TemplatePolicy()


def followers(kit: FollowerKit) -> list[Following]:
    """Its followers, for its own kind's orders only."""
    return [Following((POLICY.kind,), TemplateFollower(clock=kit.clock))]


# How its placing command tags an order, and the owner, paper book and risk scope the house
# must make of it: the conformance test places it (yours: its source and attribution, as
# `domain.owners.owner_from` reads them).
SAMPLE = OwnerSample("template", {"template_id": 1}, Owner(POLICY.kind), books.MANUAL)

PACKAGE = OwnerPackage(POLICY, followers, sample=SAMPLE)
