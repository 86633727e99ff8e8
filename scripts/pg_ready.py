"""Exit 0 when the PostgreSQL server at the given SQLAlchemy URL answers, else 1."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text


def main() -> int:
    """Try one trivial query with a short timeout."""
    engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        print(f"PostgreSQL not reachable: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
