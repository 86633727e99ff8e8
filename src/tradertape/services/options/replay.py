"""What-if for option protection: the rules applied to metric snapshots the worker supplies.

A worker tunes its stop by replaying past or imagined moments (``{index_ltp,
combined_premium, …}``) through the run's rules, or through rules it is about to set,
without touching the run: nothing is stored, journalled or claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradertape.db.models import WorkerOptionRun, WorkerToken
from tradertape.domain.decimal_input import parse_decimal
from tradertape.domain.option_protection import (
    METRICS,
    Rule,
    RuleError,
    first_firing,
    parse_protection,
)
from tradertape.errors import InvalidField, NotFound
from tradertape.services.workers.access import find_run

MAX_SNAPSHOTS = 5000


def _snapshot(raw: Any, where: str) -> dict[str, float | None]:
    if not isinstance(raw, Mapping):
        raise InvalidField(where, "must be an object of metric values")
    values: dict[str, float | None] = {}
    for name, value in raw.items():
        if name not in METRICS:
            raise InvalidField(f"{where}.{name}", f"unknown metric; one of {', '.join(METRICS)}")
        if value is None:
            values[name] = None
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidField(f"{where}.{name}", "must be a number or null")
        else:
            try:
                values[name] = float(parse_decimal(value))  # finite, of sane size
            except InvalidOperation as exc:
                raise InvalidField(f"{where}.{name}", str(exc)) from None
    return values


def _rules(raw: Any, option: WorkerOptionRun) -> tuple[list[Rule], list[str]]:
    if raw is None:
        stored = option.protection or {}
        raw = {"rules": stored.get("rules", []), "precedence": stored.get("precedence", [])}
    try:
        return parse_protection(raw, "protection")
    except RuleError as exc:
        raise InvalidField(exc.field, exc.message) from exc


def replay(db: Session, token: WorkerToken, run_key: str, body: Any) -> dict[str, Any]:
    """Each snapshot's verdict, and the first one on which a rule fires."""
    if not isinstance(body, Mapping):
        raise InvalidField("body", "must be an object with metric_snapshots")
    snapshots = body.get("metric_snapshots")
    if not isinstance(snapshots, list) or not snapshots:
        raise InvalidField("metric_snapshots", "must be a non-empty list of metric objects")
    if len(snapshots) > MAX_SNAPSHOTS:
        raise InvalidField("metric_snapshots", f"at most {MAX_SNAPSHOTS} snapshots")
    run = find_run(db, token, run_key)
    option = db.scalar(select(WorkerOptionRun).where(WorkerOptionRun.run_pk == run.id))
    if option is None:
        raise NotFound("Option run not found")
    rules, precedence = _rules(body.get("protection"), option)
    results = []
    first: int | None = None
    for index, raw in enumerate(snapshots):
        values = _snapshot(raw, f"metric_snapshots[{index}]")
        fired = first_firing(rules, precedence, values) if rules else None
        if fired is not None and first is None:
            first = index
        results.append(
            {
                "index": index,
                "metrics": values,
                "triggered": fired is not None,
                "matched_rule": fired.as_dict() if fired else None,
            }
        )
    return {
        "strategy_run_id": run.run_key,
        "protection": {"rules": [r.as_dict() for r in rules], "precedence": precedence},
        "evaluated": len(results),
        "first_triggered_index": first,
        "results": results,
    }
