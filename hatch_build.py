"""Hatch metadata hook: the server's dependency on its sibling distribution, resolvable
from a clone.

`tradertape-brokers` lives in this repository (``brokers/python``), not on an index. Built
from a clone (``pip install .`` or ``pip install -e .``), the requirement names that folder
(a ``file:`` URL), so plain pip installs it with no index to find it on. `make wheels` sets
``TRADERTAPE_RELEASE_WHEELS=1``: wheels meant to be published or installed with
``--find-links dist`` pin the sibling by version instead. Built from an sdist (no sibling
folder beside it) the pin is by version too.

The hook's table may say where the repository's root is (``repo``, relative to the project's
root; the agent's is ``".."``); ``agent/hatch_build.py`` is a link to this file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

#: Distribution name → its folder, relative to the repository's root.
SIBLINGS = {"tradertape-brokers": "brokers/python"}
RELEASE = "TRADERTAPE_RELEASE_WHEELS"
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(\[[^\]]*\])?\s*(.*)$")


def localised(requirement: str, repo: Path) -> str:
    """`requirement` as a ``file:`` URL to its sibling's folder, when it names one that
    exists in the repository at `repo` and no release build is asked for; else unchanged."""
    match = _REQUIREMENT.match(requirement)
    if match is None or os.environ.get(RELEASE):
        return requirement
    name, extras, _pin = match.groups()
    folder = SIBLINGS.get(name.lower().replace("_", "-"))
    if folder is None:
        return requirement
    path = (repo / folder).resolve()
    if not (path / "pyproject.toml").is_file():
        return requirement
    return f"{name}{extras or ''} @ {path.as_uri()}"


class SiblingHook(MetadataHookInterface):
    """Fills ``dependencies`` and ``optional-dependencies`` from the hook's own table."""

    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root) / self.config.get("repo", ".")
        metadata["dependencies"] = [localised(r, root) for r in self.config.get("dependencies", [])]
        extras = self.config.get("optional-dependencies", {})
        if extras:
            metadata["optional-dependencies"] = {
                name: [localised(r, root) for r in reqs] for name, reqs in extras.items()
            }
