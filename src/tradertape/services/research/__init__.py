"""Research: the strategy library and backtests."""
