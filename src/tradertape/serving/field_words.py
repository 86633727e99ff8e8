"""A bad field said for people: ``entry_rules.conditions`` needing an item is "Entry rules: add
at least one condition", not a JSON path and a library's sentence.

Clients keep ``loc`` and ``field`` to find the input; ``message`` is what a screen shows. The
web app says client-side problems the same way (``web/src/api/fieldWords.ts``); both are held
to one table, ``web/src/api/fieldWords.cases.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# abbreviations a field name uses, as a person says them
_SAID = {
    "qty": "quantity",
    "op": "operator",
    "pct": "%",
    "id": "ID",
    "ids": "IDs",
    "ip": "IP",
    "ips": "IP addresses",
    "sl": "stop-loss",
    "ltp": "last price",
    "url": "URL",
    "gtt": "GTT",
    "mtm": "MTM",
    "addon": "add-on",
    "addons": "add-ons",
}
_ONE = {"ips": "IP address", "addresses": "address", "ids": "ID"}
_TOKEN = re.compile(r"\[([0-9]{1,9})\]|([^.\[\]]+)")
_INDEX = re.compile(r"[0-9]{1,9}")
_ROOTS = frozenset({"", "body", "request", "query", "path"})
# pydantic's own sentences, said as ours (first match wins)
_REWORDED = (
    (re.compile(r"^Value error, |^Assertion failed, "), ""),
    (re.compile(r"^Input should be "), "must be "),
    (re.compile(r"^(String|List|Dictionary|Tuple|Set) should have "), "must have "),
    (re.compile(r"^Field required$"), "required"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not a field this form takes"),
)


def _words(key: str) -> str:
    return " ".join(_SAID.get(part, part) for part in key.split("_") if part)


def _singular(key: str) -> str:
    parts = key.split("_")
    if parts[-1] in _ONE:
        return _words("_".join(parts[:-1]) + "_" + _ONE[parts[-1]]).strip()
    words = _words(key)
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words


def _tokens(field: str) -> list[tuple[str, str]]:
    """(index, name) pairs; ``allowed_ips.0`` (a dotted index) is an index too."""
    found = _TOKEN.findall(field)
    return [(name, "") if _INDEX.fullmatch(name) else (i, name) for i, name in found]


def field_words(field: str) -> str:
    """``entry_rules.conditions[1].op`` → "Entry rules, condition 2, operator"; the root of a
    request ("body") is no words."""
    if field in _ROOTS:
        return ""
    said: list[str] = []
    tokens = _tokens(field)
    for i, (index, name) in enumerate(tokens):
        if index:
            if said and not tokens[i - 1][0]:  # a list's item: "condition 2"
                said[-1] = f"{_singular(tokens[i - 1][1])} {int(index) + 1}"
            else:
                said.append(f"item {int(index) + 1}")
        elif name not in _ROOTS or said:
            said.append(_words(name))
    text = ", ".join(said)
    return text[:1].upper() + text[1:]


def _reworded(msg: str) -> str:
    for pattern, said in _REWORDED:
        msg, found = pattern.subn(said, msg)
        if found:
            break
    return msg


def problem_words(field: str, msg: str, kind: str, ctx: Mapping[str, Any] | None = None) -> str:
    """One problem as a sentence for people: the field in words, then what to do."""
    tokens = _tokens(field)
    least = (ctx or {}).get("min_length")
    if kind == "too_short" and isinstance(least, int) and tokens and tokens[-1][1]:
        # a list too short: say what to add, on the part that holds it
        parent = field[: len(field) - len(tokens[-1][1])].rstrip(".")
        noun = _singular(tokens[-1][1]) if least == 1 else _words(tokens[-1][1])
        label, text = field_words(parent), f"add at least {'one' if least == 1 else least} {noun}"
    else:
        label, text = field_words(field), _reworded(msg)
    if not label:
        return text[:1].upper() + text[1:]
    return f"{label}: {_mid_sentence(text)}"


def _mid_sentence(text: str) -> str:
    """ "Must be…" → "must be…"; "RSI 14…" stays (a name, not a capital)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
