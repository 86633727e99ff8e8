"""`tradertape mcp`: the MCP server over stdio, for a desktop assistant (Claude Desktop …).

The assistant's client starts this command; it reads the assistant key from
``TRADERTAPE_ASSISTANT_KEY`` (an environment variable, so it is not in the process list),
checks it once before serving, and again at every call (a revoked key stops the next call).
It serves the same tools as ``/mcp`` on `tradertape serve`, on the same database. Standard
output carries only the protocol; logs go to standard error.
"""

from __future__ import annotations

import os

import typer

from tradertape.cli.common import build_runtime, err_console, service_errors

KEY_ENV = "TRADERTAPE_ASSISTANT_KEY"


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""

    @app.command("mcp")
    def mcp() -> None:
        """Serve the MCP server over stdio with the assistant key in TRADERTAPE_ASSISTANT_KEY."""
        import anyio

        from tradertape.logs import configure_logging
        from tradertape.mcp.desk import admit
        from tradertape.mcp.server import build_server

        secret = os.environ.get(KEY_ENV, "").strip()
        if not secret:
            err_console.print(
                f"[red]error:[/red] set {KEY_ENV} to an assistant key (Settings → AI assistant)"
            )
            raise typer.Exit(2)
        configure_logging(json_lines=False)  # to standard error: standard output is the protocol
        runtime = build_runtime()
        with service_errors(), runtime.db.session() as db:
            caller = admit(db, runtime, secret)
        err_console.print(
            f"TraderTape MCP server on stdio for key {caller.key_name!r} "
            f"(scope {caller.scope.value})"
        )
        try:
            anyio.run(build_server(runtime, secret=secret, feed=False).run_stdio_async)
        finally:
            runtime.db.dispose()
