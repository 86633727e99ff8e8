"""Which Redis channels belong to this installation.

Redis pub/sub ignores the database number in the URL: every client of one server hears every
channel of the same name. Two installations sharing a Redis (two desks on one host, a staging
copy beside production) would hear each other's ticks and order updates if they shared a
channel prefix. The processes of one installation share one database, so the namespace is
derived from the database's identity: the file of a SQLite database, or the server, database
and schema of any other. ``TRADERTAPE_REDIS_NAMESPACE`` names it outright (processes that
reach one database under different host names must set it).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlalchemy import make_url

PREFIX = "tradertape"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}


def database_identity(url: str) -> str | None:
    """What names the database `url` reaches, without its credentials or driver; None for a
    private in-memory SQLite (no other process can share it)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or "mode=memory" in url:
            return None
        return f"sqlite:{Path(name).expanduser().resolve()}"
    host = (parsed.host or "localhost").lower()
    host = "loopback" if host in _LOOPBACK else host
    port = parsed.port or _DEFAULT_PORTS.get(backend, 0)
    # A PostgreSQL schema set through `options` (search_path) is a database of its own.
    query = "&".join(f"{key}={parsed.query[key]}" for key in sorted(parsed.query))
    return f"{backend}://{host}:{port}/{parsed.database or ''}?{query}"


def installation_namespace(database_url: str) -> str:
    """The channel namespace of the installation whose database is `database_url`."""
    identity = database_identity(database_url)
    if identity is None:
        return f"{PREFIX}:{secrets.token_hex(6)}"  # nobody else can be this installation
    return f"{PREFIX}:{hashlib.sha256(identity.encode()).hexdigest()[:12]}"
