"""Background work: the market and the trading loop, the Telegram bot, and the user's side
of the jobs that failed on their items."""
