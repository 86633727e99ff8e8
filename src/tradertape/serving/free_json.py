"""Free-form JSON fields (metadata, runtime state, params) with bounds a reader can live with.

A worker may store any JSON it likes in a run's ``metadata`` or ``runtime_state``, but what is
stored must come back: a document nested hundreds of levels deep is stored by the database
and then fails every response that serializes it, and a NUL character or an unpaired
surrogate is text PostgreSQL (or UTF-8) cannot hold. `find_problem` is the one check of a
JSON value, used on a whole request body (`tradertape.serving.limits`) and, with a size, on each
free-form field (`JsonObject`, `JsonState`), so a field's bound holds wherever it is parsed.
It lives in `serving/` because both the request-body check there and the route schemas in
`api/` use it, and `serving/` sits below `api/`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from tradertape.domain.worker_runs import STATE_MAX_BYTES

FIELD_MAX_DEPTH = 16
"""Levels of nesting a free-form field may have (its own object is level 1)."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class JsonProblem:
    """What is wrong with a JSON value, and where (a path below the value checked)."""

    path: Path
    msg: str
    type: str


def dotted(path: Path) -> str:
    """``("a", 0, "b")`` → ``a[0].b``: every key kept (these are the sender's own keys), an
    unpaired surrogate in one written as its escape so the answer can be encoded."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = part.encode("utf-8", "backslashreplace").decode("utf-8")
        text += f".{key}" if text else key
    return text


def _text_problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "text cannot contain the NUL character (\\u0000)"
    return f"text cannot contain an unpaired surrogate (\\u{ord(found.group()):04x})"


def find_problem(value: object, *, max_depth: int) -> JsonProblem | None:
    """The first problem found in a parsed JSON value, or None.

    Problems: a container nested more than `max_depth` levels deep (the value itself, when
    it is an object or array, is level 1), text with a NUL or an unpaired surrogate (keys
    too), and a number that is not finite (Python's parser reads ``NaN`` and ``Infinity``).
    Iterative, so a value too deep for recursion is still judged.
    """
    stack: list[tuple[Path, object, int]] = [((), value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= max_depth:
                return JsonProblem(path, f"nested deeper than {max_depth} levels", "json_too_deep")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and (problem := _text_problem(key)):
                    return JsonProblem((*path, key), f"key: {problem}", "text_unstorable")
                stack.append(((*path, key), child, depth + 1))
        elif isinstance(item, str):
            if problem := _text_problem(item):
                return JsonProblem(path, problem, "text_unstorable")
        elif isinstance(item, float) and not math.isfinite(item):
            return JsonProblem(path, "must be a finite number", "number_not_finite")
    return None


# A NUL or a surrogate written as an escape; `_suspect` looks for the rest with plain
# substring tests, many times faster on a large body than a walk of every value in Python.
_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _suspect(text: str) -> bool:
    if "\x00" in text or "NaN" in text or "Infinity" in text:
        return True
    if "\\u" in text and _ESCAPE.search(text):
        return True
    try:
        text.encode("utf-8")  # a raw unpaired surrogate cannot be encoded
    except UnicodeEncodeError:
        return True
    return False


_CONTAINERS = (dict, list)  # a tuple: isinstance is quicker with one than with a union


def within_depth(value: object, max_depth: int) -> bool:
    """Whether `value` nests at most `max_depth` levels: level by level, without paths."""
    level: list[dict[Any, Any] | list[Any]] = [value] if isinstance(value, dict | list) else []
    for _ in range(max_depth):
        below: list[dict[Any, Any] | list[Any]] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend([c for c in children if isinstance(c, _CONTAINERS)])
        if not below:
            return True
        level = below
    return not level


def check_json(value: object, *, text: str, max_depth: int) -> JsonProblem | None:
    """`find_problem`, walked only when the value's JSON `text` or its depth suggests one."""
    if not _suspect(text) and within_depth(value, max_depth):
        return None
    return find_problem(value, max_depth=max_depth)


def _bounded(max_bytes: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            return value  # ``{}``: nothing to walk, two bytes (most requests' metadata)
        problem = None
        if not within_depth(value, FIELD_MAX_DEPTH):  # before dumps, which recurses
            problem = find_problem(value, max_depth=FIELD_MAX_DEPTH)
        text = "" if problem else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if problem is None and _suspect(text):  # `check_json`, its depth known already
            problem = find_problem(value, max_depth=FIELD_MAX_DEPTH)
        if problem is not None:
            where = dotted(problem.path)
            raise PydanticCustomError(problem.type, f"{problem.msg} (at {where or 'the top'})")
        size = len(text.encode())
        if size > max_bytes:
            raise PydanticCustomError(
                "json_too_large", f"at most {max_bytes} bytes of JSON; this is {size}"
            )
        return value

    return check


def _described(max_bytes: int, what: str) -> Any:
    return Field(
        description=f"{what}: a JSON object up to {max_bytes // 1024} KB and "
        f"{FIELD_MAX_DEPTH} levels deep, without NUL characters",
        json_schema_extra={"x-max-bytes": max_bytes, "x-max-depth": FIELD_MAX_DEPTH},
    )


_SMALL = 64 * 1024
_STATE = STATE_MAX_BYTES

JsonObject = Annotated[
    dict[str, Any], AfterValidator(_bounded(_SMALL)), _described(_SMALL, "Free-form")
]
"""Metadata, details, metrics, params: small free-form objects stored as they are sent."""

JsonState = Annotated[
    dict[str, Any], AfterValidator(_bounded(_STATE)), _described(_STATE, "A worker's state")
]
"""A run's ``runtime_state``: the one free-form object a worker may make larger."""
