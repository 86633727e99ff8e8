"""Write the app's OpenAPI document to docs/openapi.json (the checked-in API contract)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tradertape.api.app import create_app
from tradertape.db.engine import Database
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


if __name__ == "__main__":
    main()
