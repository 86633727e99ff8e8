"""The web app's copies of the built-in templates and of the DSL schema (its round-trip and
validation tests open them in the builder) are what the server stores and serves, so those
tests cannot pass on stale copies."""

from __future__ import annotations

import json
from pathlib import Path

from tradertape.strategies.builtins import builtin, builtin_models

FIXTURE = Path(__file__).parents[3] / "web" / "src" / "strategies" / "fixtures" / "templates.json"


def test_web_fixture_is_the_builtin_documents():
    stored = [builtin(model).model_dump(mode="json") for model in builtin_models()]
    assert json.loads(FIXTURE.read_text()) == stored, (
        "regenerate web/src/strategies/fixtures/templates.json from the built-ins"
    )


def test_web_schema_fixture_is_the_served_schema():
    from tradertape.strategies.schema import strategy_schema

    served = json.loads(json.dumps(strategy_schema()))
    assert json.loads((FIXTURE.parent / "schema.json").read_text()) == served, (
        "regenerate web/src/strategies/fixtures/schema.json from strategy_schema()"
    )
