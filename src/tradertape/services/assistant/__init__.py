"""What the MCP server's assistants do besides reading: their calls in the audit trail, and
the live orders they ask for, which wait for the user's confirmation (`confirmations`)."""
