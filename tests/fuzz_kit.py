"""The fuzzer's parts: who calls, where ids come from, what is sent and what must come back.

`tests/api/test_fuzz.py` drives them: every operation of the OpenAPI document against a
real server, for one user while a second user's objects sit beside them.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema_rs
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from sqlalchemy import select

from tradertape.api.deps import SESSION_COOKIE
from tradertape.db.models import User
from tradertape.runtime import Runtime

WORKER_PREFIX = "/api/algo-workers/worker"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Numbers a book cannot hold, or that only a lenient parser reads as one: a route refuses
# them (a 4xx), or what it stored reads back as sent.
BOUNDARY_NUMBERS: tuple[Any, ...] = (
    "1E+999",
    1e308,
    1e-30,
    True,
    "1_000",
    "  5  ",
    -1,
    0,
    # huge, tiny and exotic (issue 66: int() of "1E+600000" held the server for 40 s)
    "1E+600000",
    "1e-600000",
    "NaN",
    "Infinity",
    -0.0,  # a JSON number: "-0" as text is a numeral a float field takes, which the document
    # (type: number) does not list; that mismatch is older than these seeds
    "0x10",
    "9" * 5000,
    10**400,
)
_PARAM = re.compile(r"\{([^}]+)\}")
# A field whose value a path parameter of another name takes (`/runs/{run_id}`).
_ALIASES = {"strategy_run_id": "run_id"}


@dataclass
class Actor:
    """A signed-in user: a session cookie for operator routes, a worker token for worker ones."""

    email: str
    base: str
    cookie: str = ""
    bearer: str = ""
    run_id: str = ""
    user_id: int = 0
    nonce: str = ""  # the worker session it claimed, if it claimed one

    def sign_in(self, runtime: Runtime) -> None:
        """A fresh session (after a logout or a revoked session cut the last one), started
        as the password login starts one: the login route's attempt limit is not the test."""
        with runtime.db.session() as db:
            user = db.scalars(select(User).where(User.email == self.email)).one()
            self.cookie = runtime.sessions.start(db, user=user, ip="127.0.0.1", user_agent="fuzz")
            self.user_id = user.id
            db.commit()

    def headers(self, path: str) -> dict[str, str]:
        """Worker routes take the token; every other route the cookie."""
        if path.startswith(WORKER_PREFIX):
            nonce = {"X-Worker-Session-Nonce": self.nonce} if self.nonce else {}
            return {"Authorization": f"Bearer {self.bearer}", **nonce}
        return {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}


@dataclass
class Ids:
    """Ids seen in 2xx answers, by the collection that made them and by their field's name.

    A path parameter draws from both: `/api/gtt/triggers/{trigger_id}` takes the ids that
    `POST /api/gtt/triggers` and `GET /api/gtt/triggers` answered with, and any
    `trigger_id` field seen anywhere.
    """

    by_collection: defaultdict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    by_name: defaultdict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def learn(self, path: str, body: Any) -> None:
        """Record the ids of an answer to `path` (a concrete path, parameters filled)."""
        for item in _objects(body):
            for key, value in item.items():
                if not isinstance(value, int | str) or isinstance(value, bool):
                    continue
                if key == "id":
                    _add(self.by_collection[path], value)
                elif key.endswith("_id") or key == "version":
                    _add(self.by_name[_ALIASES.get(key, key)], value)

    def pools(self, template: str) -> dict[str, list[Any]]:
        """Every id seen for each path parameter of `template`, oldest first."""
        options: dict[str, list[Any]] = {}
        prefix = ""
        for part in template.split("/")[1:]:
            match = _PARAM.fullmatch(part)
            if match is None:
                prefix += "/" + part
                continue
            name = match.group(1)
            # The collection's own ids first, then any field of the same name
            pool = [*self.by_collection.get(prefix, []), *self.by_name.get(name, [])]
            options[name] = list(dict.fromkeys(pool))
            prefix += "/{" + name + "}"
        return options

    def candidates(self, template: str, fixed: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Path parameters for `template` from the newest ids seen (several combinations),
        but for those `fixed` by the caller."""
        given = set(fixed)
        options = {
            name: pool[-6:] for name, pool in self.pools(template).items() if name not in given
        }
        if not options:
            return [{}]
        if any(not values for values in options.values()):
            return []
        width = max(len(values) for values in options.values())
        return [
            {name: values[i % len(values)] for name, values in options.items()}
            for i in range(width)
        ]


def _add(values: list[Any], value: Any) -> None:
    if value not in values:
        values.append(value)


def _objects(body: Any) -> Iterator[dict[str, Any]]:
    """The objects of an answer: itself, and those in its top-level lists (`data`, `items`)."""
    if isinstance(body, dict):
        yield body
        for value in body.values():
            if isinstance(value, list):
                yield from (item for item in value if isinstance(item, dict))
            elif isinstance(value, dict):
                yield value
    elif isinstance(body, list):
        yield from (item for item in body if isinstance(item, dict))


def concrete(template: str, path_parameters: dict[str, Any]) -> str:
    """`template` with its parameters filled in."""
    return _PARAM.sub(lambda m: str(path_parameters[m.group(1)]), template)


def failures_of(error: BaseException) -> list[str]:
    """One line per schemathesis check that failed."""
    if isinstance(error, FailureGroup):
        return [f"{type(f).__name__}: {f.title}" for f in error.exceptions]
    if isinstance(error, Failure):
        return [f"{type(error).__name__}: {error.title}"]
    return [f"{type(error).__name__}: {error}"]


def _numberish(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def read_differs(sent: Any, read: Any, where: str = "") -> list[str]:
    """Where a value sent differs from the one read back: numbers compared as decimals, and a
    value sent must not read back null. Fields the read does not carry are not compared."""
    if isinstance(sent, dict) and isinstance(read, dict):
        return [
            problem
            for key, value in sent.items()
            if key in read
            for problem in read_differs(value, read[key], f"{where}.{key}")
        ]
    if isinstance(sent, list) and isinstance(read, list) and len(sent) == len(read):
        return [
            p
            for i, (s, r) in enumerate(zip(sent, read, strict=True))
            for p in read_differs(s, r, f"{where}[{i}]")
        ]
    if sent is not None and read is None:
        return [f"{where or 'body'}: sent {sent!r}, read back null"]
    number = _numberish(sent) if not isinstance(sent, str) or _looks_numeric(sent) else None
    if number is not None:
        back = _numberish(read)
        if back is None or back != number:
            return [f"{where}: sent {sent!r}, read back {read!r}"]
    return []


def _looks_numeric(text: str) -> bool:
    return re.fullmatch(r"\s*[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?\s*", text) is not None and any(
        c.isdigit() for c in text
    )


def boundary_variants(body: Any) -> Iterator[tuple[str, Any]]:
    """`body` with one numeric field at a time set to each of `BOUNDARY_NUMBERS`."""
    for where, _ in _numeric_leaves(body, ""):
        for value in BOUNDARY_NUMBERS:
            yield f"{where}={value!r}", _replaced(body, where, value)


def _numeric_leaves(body: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _numeric_leaves(value, f"{where}.{key}")
    elif isinstance(body, list):
        for i, value in enumerate(body):
            yield from _numeric_leaves(value, f"{where}[{i}]")
    elif (isinstance(body, int | float) and not isinstance(body, bool)) or (
        isinstance(body, str) and _looks_numeric(body)
    ):
        yield where, body


def _replaced(body: Any, where: str, value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    steps = re.findall(r"\.([^.\[]+)|\[(\d+)\]", where)
    target = copy
    for key, index in steps[:-1]:
        target = target[key] if key else target[int(index)]
    key, index = steps[-1]
    if key:
        target[key] = value
    else:
        target[int(index)] = value
    return copy


class Document:
    """Request-body schemas of the OpenAPI document, as validators."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def body_fields(self, path: str, method: str) -> set[str] | None:
        """The top-level fields the operation's body declares (others are ignored); None
        for a free-form body (a worker's GTT, Kite's own shape), whose every field counts."""
        schema = self._body_schema(path, method) or {}
        while "$ref" in schema:
            schema = self.raw["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return set(schema["properties"]) if "properties" in schema else None

    def _body_schema(self, path: str, method: str) -> dict[str, Any] | None:
        operation = self.raw["paths"][path][method.lower()]
        content = operation.get("requestBody", {}).get("content", {})
        schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
        return schema

    def body_valid(self, path: str, method: str, body: Any) -> bool:
        """Whether `body` is what the document says the operation takes."""
        schema = self._body_schema(path, method)
        if schema is None:
            return True
        validator = jsonschema_rs.validator_for({**schema, "components": self.raw["components"]})
        return bool(validator.is_valid(body))


@dataclass
class Tally:
    """2xx answers per operation, and what went wrong."""

    ok: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    last_refusal: dict[str, str] = field(default_factory=dict)

    def table(self, labels: list[str]) -> str:
        """2xx / requests per operation, those that never reached a 2xx marked."""
        width = max(len(label) for label in labels)
        lines = [f"{'operation':<{width}}  2xx / sent"]
        for label in labels:
            mark = "" if self.ok[label] else f"   <-- never 2xx: {self.last_refusal.get(label)}"
            lines.append(f"{label:<{width}}  {self.ok[label]:>3} / {self.sent[label]:<4}{mark}")
        return "\n".join(lines)
