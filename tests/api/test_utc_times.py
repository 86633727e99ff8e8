"""Every instant the API answers is written in UTC with ``Z`` (docs/api-conventions.md,
"Time"). The golden-answer tests check the JSON of real answers (`not_utc` in
test_answers_golden.py); this holds every response model to the one type that does it."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from datetime import datetime, timedelta, timezone

from pydantic import AfterValidator, BaseModel

from tradertape.api import schemas
from tradertape.api.schemas.agent import SignalResultOut
from tradertape.domain.utc_times import as_utc, utc_iso

IST = timezone(timedelta(hours=5, minutes=30))


def _bare(annotation: object) -> bool:
    """Whether `annotation` holds a ``datetime`` not typed `UtcDateTime`."""
    if annotation is datetime:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        utc = any(isinstance(e, AfterValidator) and e.func is as_utc for e in extras)
        return base is datetime and not utc or (base is not datetime and _bare(base))
    return any(_bare(arg) for arg in typing.get_args(annotation))


def test_every_datetime_field_of_the_schemas_is_written_in_utc():
    bare = []
    for info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"{schemas.__name__}.{info.name}")
        for name, model in vars(module).items():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            if model.__module__ != module.__name__:
                continue
            hints = typing.get_type_hints(model, include_extras=True)
            bare += [f"{name}.{f}" for f in model.model_fields if _bare(hints.get(f))]
    assert not bare, f"type these UtcDateTime (api/schemas/times.py): {bare}"


def test_an_ist_instant_is_answered_in_utc_with_z():
    at = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
    out = SignalResultOut(
        signal_id=1, outcome="filled", leg="entry", duplicate=False, status="executed",
        gtt_status="filled", order_id=None, error=None, executed_at=at, position_id=None,
        entry_order_id=None, stop_gtt_id=None,
    )  # fmt: skip
    assert out.model_dump(mode="json")["executed_at"] == "2026-11-20T04:30:00Z"
    assert utc_iso(at) == "2026-11-20T04:30:00Z"
    assert utc_iso(at.replace(microsecond=5000)) == "2026-11-20T04:30:00.005000Z"
