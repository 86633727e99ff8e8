"""Ports: small protocols the engines depend on, with embedded default implementations."""
