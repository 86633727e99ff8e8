"""The release notes (``CHANGELOG.md``): the newest version of the local agent, against which
the web app tells a user their agent is out of date, and the What's new page.

Every distribution of a release shares its version, so the newest ``## <version> — <date>``
heading is the agent wheel this release ships. The file is in the server's wheel
(``tradertape/CHANGELOG.md``, pyproject's force-include) and at the root of a clone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

_RELEASE = re.compile(
    r"^## +v?(?P<version>\d+(?:\.\d+)*\S*)(?: +[—–-] +(?P<day>\d{4}-\d{2}-\d{2}))?\s*$"
)
_SECTION = re.compile(r"^### +(?P<title>.+?)\s*$")
_ITEM = re.compile(r"^[-*] +(?P<text>.+)$")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    day: date | None
    sections: tuple[Section, ...]


def parse(text: str) -> list[Release]:
    """The releases of a changelog, newest first as written; an item's indented lines join
    it, and items before any ``###`` fall under "Changes"."""
    found: list[tuple[str, date | None, list[tuple[str, list[str]]]]] = []
    for line in text.splitlines():
        head = _RELEASE.match(line)
        if head:
            day = date.fromisoformat(head["day"]) if head["day"] else None
            found.append((head["version"], day, []))
            continue
        if not found:
            continue
        sections = found[-1][2]
        title = _SECTION.match(line)
        if title:
            sections.append((title["title"], []))
            continue
        item = _ITEM.match(line)
        if item:
            if not sections:
                sections.append(("Changes", []))
            sections[-1][1].append(item["text"].strip())
        elif line.startswith("  ") and line.strip() and sections and sections[-1][1]:
            sections[-1][1][-1] += " " + line.strip()
    return [
        Release(v, d, tuple(Section(t, tuple(items)) for t, items in s if items))
        for v, d, s in found
    ]


def _text() -> str:
    shipped = resources.files("tradertape").joinpath("CHANGELOG.md")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    for folder in Path(__file__).resolve().parents:  # a clone: the repository's root
        candidate = folder / "CHANGELOG.md"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return ""


@cache
def releases() -> tuple[Release, ...]:
    """This installation's release notes, newest first (empty without the file)."""
    return tuple(parse(_text()))


def latest_version() -> str | None:
    """The version of the agent this release ships."""
    found = releases()
    return found[0].version if found else None


def _key(version: str) -> tuple[int, ...]:
    numbers = re.match(r"\d+(?:\.\d+)*", version.strip().lstrip("v"))
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else ()


def outdated(version: str | None, latest: str | None) -> bool:
    """Whether an agent reporting `version` is older than `latest` (unknown: not said)."""
    if not version or not latest or not _key(version) or not _key(latest):
        return False
    mine, newest = _key(version), _key(latest)
    width = max(len(mine), len(newest))
    return mine + (0,) * (width - len(mine)) < newest + (0,) * (width - len(newest))
