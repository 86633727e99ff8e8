"""JSON text exactly as `json.dumps` writes it (and read as `json.loads` reads it), without
their set-up on every call.

`json.dumps` with options builds a `JSONEncoder` for each document, and even without them
walks three Python frames before the C encoder runs; an order writes several small
documents (its audit entries' hashes, its JSON columns), so that set-up was a visible part
of its cost. `dumps_as` does the set-up once and calls the standard library's own C encoder
with the same options: the text is the same, character for character, and so are the
errors (an unserialisable value, a circular reference).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from json import JSONDecoder, JSONEncoder
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

# the C encoder `JSONEncoder.iterencode` uses (None without the accelerator; not in typeshed)
c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def dumps_as(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] | None = None,
    ensure_ascii: bool = True,
) -> Callable[[Any], str]:
    """A function writing what `json.dumps(value, sort_keys=..., separators=...,
    ensure_ascii=...)` writes (the other options at their defaults)."""
    standard = JSONEncoder(sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii)
    if c_make_encoder is None:  # a Python without the C accelerator
        return standard.encode
    escape = encode_basestring_ascii if ensure_ascii else encode_basestring
    options = (
        standard.default,
        escape,
        None,  # indent
        standard.key_separator,
        standard.item_separator,
        sort_keys,
        False,  # skipkeys
        True,  # allow_nan
    )
    return _Encode(options)


class _Encode:
    """`json.dumps` with its options set once. An object, not a closure: psycopg keys its
    JSON dumpers by the function, and for a closure it warns and makes a new dumper for
    every value."""

    __slots__ = ("_options",)

    def __init__(self, options: tuple[Any, ...]) -> None:
        self._options = options

    def __call__(self, value: Any) -> str:
        # a fresh markers dict each call, as `JSONEncoder.iterencode` makes: a failed call
        # may leave ids in it
        return "".join(c_make_encoder({}, *self._options)(value, 0))


dumps = dumps_as()
"""`json.dumps(value)`."""


class Written:
    """A JSON column's value whose text is written already (the audit trail's payload: its
    canonical text is what the entry's hash covers, and the column stores the same text
    rather than encoding the payload a second time). `column_dumps` passes it through."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _ColumnEncode(_Encode):
    """`dumps`, but a `Written` value is its own text."""

    __slots__ = ()

    def __call__(self, value: Any) -> str:
        if type(value) is Written:
            return value.text
        # `_Encode.__call__`'s body, inline: every JSON column of an order passes here
        return "".join(c_make_encoder({}, *self._options)(value, 0))


class _ColumnEncodeSlow:
    """`_ColumnEncode` on a Python without the C accelerator (an object, not a closure:
    see `_Encode`)."""

    __slots__ = ("_dumps",)

    def __init__(self, dumps: Callable[[Any], str]) -> None:
        self._dumps = dumps

    def __call__(self, value: Any) -> str:
        return value.text if type(value) is Written else self._dumps(value)


def _column_dumps() -> Callable[[Any], str]:
    standard = dumps_as()
    if isinstance(standard, _Encode):
        return _ColumnEncode(standard._options)  # noqa: SLF001 - this module's own class
    return _ColumnEncodeSlow(standard)


column_dumps = _column_dumps()
"""The engine's JSON serializer: `dumps`, with a `Written` value stored as its text."""

_decoder: Any = JSONDecoder()  # typeshed does not declare its scanner
_scan = _decoder.scan_once  # the C scanner `json.loads` ends in (its memo cleared per call)


def loads(text: str | bytes | bytearray) -> Any:
    """`json.loads(text)`: one document read by the standard library's own scanner, without
    `JSONDecoder.decode`'s two frames and two whitespace matches (every JSON column a
    request reads: a worker's order reads twenty); any text that is not one document from
    its first character to its last, and bytes, are `json.loads`'s, errors included."""
    if type(text) is str:
        try:
            value, end = _scan(text, 0)
        except StopIteration:
            pass
        else:
            if end == len(text):
                return value
    return json.loads(text)
