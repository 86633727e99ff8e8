"""Base pieces of answer models that describe dicts the services build.

Many answers are dicts built by the services (Kite's shapes, the worker contract). Their
models name every field a client may rely on, yet keep keys they do not name
(`OpenModel`), so a model can never silently drop a field a broker or a newer service
adds. A route answering such a dict sets ``response_model_exclude_unset=True``: a field
the dict lacks stays absent rather than appearing as ``null``, so the JSON is exactly
the dict's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema

JsonNumber = Annotated[int | float, WithJsonSchema({"type": "number"})]
"""A JSON number exactly as it was given, integer or not: Kite sends ``0`` for some prices
and ``0.0`` for others, and an answer passes on what Kite (or our book) wrote."""


class OpenModel(BaseModel):
    """An answer that names its fields and keeps any further keys as they are."""

    model_config = ConfigDict(extra="allow")
