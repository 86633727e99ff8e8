"""Broker adapters behind TraderTape's Kite-shaped port; importable without the server.

The server and the local agent (seed 000) both use these adapters, so this package imports
nothing from ``tradertape``: only the standard library here, and each broker's official SDK
in that broker's module (extras ``kite``, ``upstox``, ``groww``). `registry.build_broker`
builds any of them by name, loading only that broker's SDK.
"""
