"""Write the app's OpenAPI document to docs/openapi.json (the checked-in API contract), and
the brokers' rows of facts (`GET /api/brokers/facts`) to web/src/api/broker-facts.json, which
the web app and the agent's UI name brokers from (`web/src/format/brokers.ts`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tradertape.api.app import create_app
from tradertape.api.schemas.brokers import BrokerFactsOut
from tradertape.db.engine import Database
from tradertape.domain.brokers import BROKERS
from tradertape.runtime import Runtime
from tradertape.settings import Settings


def main() -> None:
    """Build the app against a throw-away in-memory database and dump its schema."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/openapi.json")
    settings = Settings(secret_key="x" * 48, database_url="sqlite://", _env_file=None)
    app = create_app(Runtime.build(settings, db=Database.from_url("sqlite://")))
    spec = app.openapi()
    target.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    print(f"wrote {target} ({len(spec['paths'])} paths)")
    FACTS.write_text(broker_facts_json())
    print(f"wrote {FACTS}")


FACTS = Path(__file__).parents[1] / "web" / "src" / "api" / "broker-facts.json"


def broker_facts_json() -> str:
    """The brokers' rows as the route answers them, as the checked-in file holds them."""
    rows = [BrokerFactsOut.of(row).model_dump(mode="json") for row in BROKERS.values()]
    return json.dumps(rows, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    main()
