"""The cloud side of the local agent (seed 000, docs/agent-api.md)."""
