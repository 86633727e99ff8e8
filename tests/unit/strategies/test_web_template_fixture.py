"""The web app's copy of the built-in templates (its round-trip tests open them in the
builder) is the documents the server stores, so those tests cannot pass on stale copies."""

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
