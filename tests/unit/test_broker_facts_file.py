"""The web app and the agent's UI name brokers from web/src/api/broker-facts.json: it must be
the server's rows as `GET /api/brokers/facts` answers them (`scripts/export_openapi.py`
writes it with docs/openapi.json)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_web_apps_broker_facts_are_the_servers():
    spec = importlib.util.spec_from_file_location(
        "export_openapi", ROOT / "scripts" / "export_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = (ROOT / "web" / "src" / "api" / "broker-facts.json").read_text()
    assert written == script.broker_facts_json(), "run scripts/export_openapi.py"


def test_no_screen_keeps_its_own_list_of_broker_names():
    """A fourth broker is a row on the server: no web or agent source spells out the
    brokers' labels as a table of its own (they read `format/brokers.ts`)."""
    copies = []
    for folder in (ROOT / "web" / "src", ROOT / "agent" / "web" / "src"):
        for path in folder.rglob("*.ts*"):
            if path.name.endswith((".test.ts", ".test.tsx", ".d.ts")):
                continue
            text = path.read_text()
            if 'kite: "Kite"' in text or 'upstox: "Upstox"' in text or 'groww: "Groww"' in text:
                copies.append(str(path.relative_to(ROOT)))
    assert copies == []
