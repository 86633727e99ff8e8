"""Algo workers: runs, sessions, safety tokens, intents, exits, P&L, funds and the timeline.

Each module is one concern of the worker contract; `WorkerContext` carries what they share
(the clock, the paper exchange, the last prices, the signing keys and the knobs).
"""
