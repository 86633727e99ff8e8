"""The MCP server: an AI assistant at the desk, inside limits it cannot lift (issue 71).

Built on the official Python SDK (`mcp`). `tradertape serve` answers it at ``/mcp``
(streamable HTTP, `http`); `tradertape mcp` serves it over stdio for desktop assistants
(`cli.mcp`). Either way the caller presents an assistant key (``zta_…``), whose scope the
user fixed when creating it in Settings (`services.accounts.assistant_keys`).

The tools (`tools`) call the same services and the same order door as the web app's
routes; `desk.AssistantDesk` runs each one: it checks the key on every call, refuses what
the key's scope does not allow, and writes the call to the user's audit trail. No tool
changes a scope, a risk rule, the kill switch or paper/live; a live order waits for the
user's confirmation in the web app or a linked Telegram chat
(`services.assistant.confirmations`).
"""
