"""Market data: instruments, watchlists, candles, indicators, live feeds, the calendar."""
