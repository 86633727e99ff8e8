"""Alerts: a condition in the strategy DSL's rule language, watched on a symbol or on each
item of a watchlist, on minute candles as ticks arrive or on the day's close; each fire is
recorded with its price, told to the user (the bell, Telegram) and may place an order
through the one order pipeline, at once or once the user confirms (docs/alerts.md)."""
