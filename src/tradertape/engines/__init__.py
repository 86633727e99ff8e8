"""Engines: the rules that turn market data and orders into fills, signals and results."""
